// The augmentation warp (shaders/augment_warp.wgsl via src/train/augment.ts) against the Keras 2.0 CPU
// reference in test/reference/augment.ts, plus the exact cases: identity parameters, a pure flip, and the
// preprocessing-only and resize+preprocess paths.
//
// Nearest sampling rounds x.5 up; the GPU computes the source coordinate in float32 and the reference in
// float64, so a pixel whose source coordinate lies within ~1e-4 of an x.5 boundary may be sampled from the
// neighbouring pixel. Such pixels are allowed (at most 1% of them), and only when the reference confirms the
// coordinate really was on a boundary; any other difference fails.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { Rng } from '../src/util/rng.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { uploadImagesU8, warpImages } from '../src/kernels/image.ts';
import {
  IDENTITY_AUGMENT,
  KERAS_2017_AUGMENT,
  PREPROCESS_KERAS_CAFFE,
  PREPROCESS_ONNX_ZOO,
  PREPROCESS_UNIT,
  augmentBatch,
  drawAugmentBatch,
  drawAugmentParams,
  kerasTransform,
  preprocessBatch,
  samePreprocess,
  type AugmentParams,
} from '../src/train/augment.ts';
import { kerasRandomTransform, preprocessRef, resizeBilinear } from './reference/augment.ts';

function randomImages(rng: Rng, n: number, h: number, w: number): Uint8Array {
  const bytes = new Uint8Array(n * h * w * 3);
  for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
  return bytes;
}

/** Compares one warped image with the reference, allowing only boundary-rounding pixel swaps. */
function compareWarp(gpuOut: Float32Array, offset: number, ref: { out: Float64Array; coords: Float64Array }, h: number, w: number, what: string): number {
  let boundary = 0;
  const bad: string[] = [];
  for (let p = 0; p < h * w; p++) {
    let same = true;
    for (let k = 0; k < 3; k++) {
      const g = gpuOut[offset + p * 3 + k];
      const e = ref.out[p * 3 + k];
      if (!(Math.abs(g - e) <= 1e-4 + 1e-5 * Math.abs(e))) same = false;
    }
    if (same) continue;
    const [ri, ci] = [ref.coords[p * 2], ref.coords[p * 2 + 1]];
    const nearHalf = (x: number) => Math.abs(x - Math.floor(x) - 0.5) < 1e-3;
    if (nearHalf(ri) || nearHalf(ci)) boundary++;
    else if (bad.length < 5) bad.push(`pixel (${Math.floor(p / w)},${p % w}) from (${ri.toFixed(4)},${ci.toFixed(4)})`);
  }
  assert.is(bad.length, 0, `${what}: pixels differ away from rounding boundaries: ${bad.join('; ')}`);
  assert.ok(boundary <= Math.ceil(0.01 * h * w), `${what}: ${boundary} of ${h * w} pixels differ at rounding boundaries`);
  return boundary;
}

test('augmentation warp matches the Keras 2.0 reference on random images and parameters', async () => {
  const gpu = await testGpu();
  const rng = new Rng(7);
  let boundaryTotal = 0;
  for (const [n, h, w, pre, asF32] of [
    [3, 17, 23, PREPROCESS_ONNX_ZOO, false],
    [2, 32, 32, PREPROCESS_KERAS_CAFFE, false],
    [4, 9, 40, PREPROCESS_UNIT, true],
    [2, 64, 48, PREPROCESS_ONNX_ZOO, true],
  ] as const) {
    const bytes = randomImages(rng, n, h, w);
    const params = drawAugmentBatch(rng, n);
    const src = asF32 ? GpuTensor.from(gpu, [n, h, w, 3], Float32Array.from(bytes)) : uploadImagesU8(gpu, bytes, [n, h, w, 3]);
    const y = augmentBatch(gpu, src, params, pre);
    assert.equal(y.shape, [n, h, w, 3]);
    const out = await y.read();
    for (let i = 0; i < n; i++) {
      const ref = kerasRandomTransform(bytes.subarray(i * h * w * 3, (i + 1) * h * w * 3), h, w, params[i], pre);
      boundaryTotal += compareWarp(out, i * h * w * 3, ref, h, w, `image ${i} of ${n}x${h}x${w}${asF32 ? ' f32' : ' u8'}`);
    }
    y.release();
    if (asF32) (src as GpuTensor).release();
    else (src as { data: GpuTensor }).data.release();
  }
  if (boundaryTotal > 0) console.log(`  (augment: ${boundaryTotal} pixels sampled across an x.5 rounding boundary, allowed)`);
});

test('extreme parameters (large rotation, strong shear and zoom) still match, edges clamped', async () => {
  const gpu = await testGpu();
  const rng = new Rng(11);
  const [n, h, w] = [3, 21, 15];
  const bytes = randomImages(rng, n, h, w);
  const params: AugmentParams[] = [
    { theta: 1.1, shear: 0.5, zx: 1.7, zy: 0.6, flip: true },
    { theta: -2.5, shear: -0.9, zx: 0.5, zy: 2.2, flip: false },
    { theta: 0, shear: 0, zx: 3, zy: 3, flip: true },
  ];
  const src = uploadImagesU8(gpu, bytes, [n, h, w, 3]);
  const y = augmentBatch(gpu, src, params, PREPROCESS_UNIT);
  const out = await y.read();
  for (let i = 0; i < n; i++) {
    const ref = kerasRandomTransform(bytes.subarray(i * h * w * 3, (i + 1) * h * w * 3), h, w, params[i], PREPROCESS_UNIT);
    compareWarp(out, i * h * w * 3, ref, h, w, `extreme image ${i}`);
  }
  y.release();
  src.data.release();
});

test('identity parameters give exactly the identity; flip alone is an exact mirror', async () => {
  const gpu = await testGpu();
  const rng = new Rng(3);
  const [n, h, w] = [2, 13, 19];
  const bytes = randomImages(rng, n, h, w);
  const src = uploadImagesU8(gpu, bytes, [n, h, w, 3]);
  assert.equal(kerasTransform(IDENTITY_AUGMENT, h, w), [1, 0, 0, 1, 0, 0, 0, 0]);
  const id = await augmentBatch(gpu, src, [IDENTITY_AUGMENT, IDENTITY_AUGMENT], PREPROCESS_UNIT).read();
  assert.equal(Array.from(id, (v) => Math.round(v * 255)), Array.from(bytes), 'identity');
  for (let i = 0; i < id.length; i++) assert.is(id[i], Math.fround(bytes[i] * Math.fround(1 / 255)), `identity value ${i}`);
  const flip = await augmentBatch(gpu, src, [{ ...IDENTITY_AUGMENT, flip: true }, IDENTITY_AUGMENT], PREPROCESS_UNIT).read();
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let k = 0; k < 3; k++) {
        assert.is(flip[(r * w + c) * 3 + k], id[(r * w + (w - 1 - c)) * 3 + k], `flip (${r},${c},${k})`);
        assert.is(flip[h * w * 3 + (r * w + c) * 3 + k], id[h * w * 3 + (r * w + c) * 3 + k], 'second image untouched');
      }
    }
  }
  src.data.release();
});

test('preprocessing only, and resize + preprocess with bilinear half-pixel sampling', async () => {
  const gpu = await testGpu();
  const rng = new Rng(5);
  const [n, h, w] = [2, 11, 14];
  const bytes = randomImages(rng, n, h, w);
  const src = uploadImagesU8(gpu, bytes, [n, h, w, 3]);
  for (const pre of [PREPROCESS_ONNX_ZOO, PREPROCESS_KERAS_CAFFE]) {
    const same = await preprocessBatch(gpu, src, pre).read();
    const ref = [0, 1].flatMap((i) => Array.from(preprocessRef(bytes.subarray(i * h * w * 3, (i + 1) * h * w * 3), pre)));
    assertClose(same, ref, { atol: 1e-4, rtol: 1e-5 }, `preprocess ${pre.colour}`);
    for (const [oh, ow] of [
      [7, 9],
      [23, 30],
    ]) {
      const resized = await preprocessBatch(gpu, src, pre, oh, ow).read();
      const want: number[] = [];
      for (let i = 0; i < n; i++) {
        const r = resizeBilinear(bytes.subarray(i * h * w * 3, (i + 1) * h * w * 3), h, w, oh, ow);
        want.push(...preprocessRef(r.exact, pre));
      }
      // Caffe values are in the hundreds: absolute tolerance scaled to them.
      assertClose(resized, want, { atol: pre.scale === 1 ? 2e-3 : 1e-4, rtol: 1e-5 }, `resize ${h}x${w} -> ${oh}x${ow} ${pre.colour}`);
    }
  }
  src.data.release();
});

test('parameters are seeded, replayable, within the Keras ranges', () => {
  const a = drawAugmentBatch(new Rng(42), 500);
  const b = drawAugmentBatch(new Rng(42), 500);
  assert.equal(a, b);
  assert.not.equal(drawAugmentBatch(new Rng(43), 5), a.slice(0, 5));
  const deg = (x: number) => (x * 180) / Math.PI;
  assert.ok(a.every((p) => Math.abs(deg(p.theta)) <= 10 && Math.abs(p.shear) <= 0.2));
  assert.ok(a.every((p) => p.zx >= 0.8 && p.zx <= 1.2 && p.zy >= 0.8 && p.zy <= 1.2));
  assert.ok(a.some((p) => p.zx !== p.zy), 'zoom drawn per axis');
  const flips = a.filter((p) => p.flip).length;
  assert.ok(flips > 200 && flips < 300, `flip rate ${flips}/500`);
  assert.ok(a.some((p) => deg(p.theta) > 8) && a.some((p) => deg(p.theta) < -8), 'rotation spans the range');
  const none = drawAugmentParams(new Rng(1), { rotationDeg: 0, shear: 0, zoom: [1, 1], horizontalFlip: false });
  assert.equal(none, IDENTITY_AUGMENT);
  assert.ok(KERAS_2017_AUGMENT.shear === 0.2);
  assert.ok(samePreprocess(PREPROCESS_ONNX_ZOO, { ...PREPROCESS_ONNX_ZOO, mean: [0.485, 0.456, 0.406] }));
  assert.not.ok(samePreprocess(PREPROCESS_ONNX_ZOO, PREPROCESS_KERAS_CAFFE));
});

test('the warp refuses transforms that do not match the batch, naming the shapes', async () => {
  const gpu = await testGpu();
  const x = GpuTensor.zeros(gpu, [2, 4, 4, 3]);
  const t = GpuTensor.zeros(gpu, [3, 8]);
  assert.throws(
    () => warpImages(gpu, x, t, { outH: 4, outW: 4, sampling: 'nearest', preprocess: PREPROCESS_UNIT }),
    (e: Error) => e instanceof ShapeError && /x\[2,4,4,3\].*transforms\[3,8\]/.test(e.message),
  );
  x.release();
  t.release();
});

test.run();
