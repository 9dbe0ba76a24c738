// Class activation maps: the GPU kernels (weighted channel sum, bilinear upsampling with non-integer factors,
// top-k maps, per-photo sizes) against the float64 reference in test/reference/cam.ts; the overlay and grid
// PNGs (decode, size, colours where they are known); the scoring of photo sets with hand-made masks and maps,
// the centred-blob baseline, and the photos that must be skipped (no mask, wrong size, photo that won't decode).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { camMapsRef, upsampleRef } from './reference/cam.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { camForward, camMaps, camUpsample } from '../src/kernels/cam.ts';
import {
  camGridPng,
  camLabel,
  camOverlayPng,
  camReportOf,
  camsAtSizes,
  jetColour,
  normalizeCam,
  photoSizeFromHeader,
  scoreCamFiles,
  scoreCams,
  topKBatch,
  topKClasses,
  type CamScoreItem,
} from '../src/train/cam.ts';
import { camScore, gaussianBlob } from '../src/train/cam-score.ts';
import { bitmapPainter } from '../src/train/plot-font.ts';
import type { RgbImage } from '../src/train/data/decode.ts';
import type { ImageItem } from '../src/train/data/loader.ts';
import { Rng } from '../src/util/rng.ts';

const near = (a: number, b: number, tol = 1e-9) => Math.abs(a - b) <= tol;

// --- kernels ------------------------------------------------------------------------------------------------------

test('camForward matches the float64 reference (several sizes, non-integer upsampling factors)', async () => {
  const gpu = await testGpu();
  const rng = new Rng(5);
  // [N, h, w, C, K, outH, outW]
  const cases = [
    [2, 3, 5, 7, 4, 11, 13],
    [3, 14, 14, 64, 10, 37, 50],
    [1, 7, 7, 512, 6, 224, 161],
    [2, 1, 1, 3, 2, 5, 4],
    [1, 4, 6, 5, 3, 3, 2], // downsampling also follows the same rule
  ];
  for (const [n, h, w, c, k, outH, outW] of cases) {
    const feats = rng.uniformArray(n * h * w * c, 0, 2); // post-ReLU features are >= 0
    const weights = rng.uniformArray(c * k);
    const idx = Int32Array.from({ length: n }, () => rng.int(k));
    const ft = GpuTensor.from(gpu, [n, h, w, c], feats);
    const wt = GpuTensor.from(gpu, [c, k], weights);
    const it = GpuTensor.from(gpu, [n], idx, 'i32');
    const low = camMapsRef(feats, [n, h, w, c], weights, k, idx);
    const want = upsampleRef(low, n, h, w, outH, outW);
    const lowT = camMaps(gpu, ft, wt, it);
    assert.equal(lowT.shape, [n, h, w]);
    const tol = { atol: 1e-4 * Math.sqrt(c), rtol: 1e-4 };
    assertClose(await lowT.read(), low, tol, `cam maps ${[n, h, w, c, k]}`);
    const cams = camForward(gpu, ft, wt, it, outH, outW);
    assert.equal(cams.shape, [n, outH, outW]);
    assertClose(await cams.read(), want, tol, `cam ${[n, h, w, c, k]} -> ${outH}x${outW}`);
    for (const t of [ft, wt, it, lowT, cams]) t.release();
  }
});

test('top-k CAMs: classIdx (N, k) gives (N, k, outH, outW), each map for its own class', async () => {
  const gpu = await testGpu();
  const rng = new Rng(9);
  const [n, h, w, c, k, top] = [3, 5, 4, 9, 6, 3];
  const feats = rng.uniformArray(n * h * w * c, 0, 1);
  const weights = rng.uniformArray(c * k);
  const probs = rng.uniformArray(n * k, 0, 1);
  const idx = topKBatch(probs, n, top);
  const ft = GpuTensor.from(gpu, [n, h, w, c], feats);
  const wt = GpuTensor.from(gpu, [c, k], weights);
  const it = GpuTensor.from(gpu, [n, top], idx, 'i32');
  const cams = camForward(gpu, ft, wt, it, 9, 7);
  assert.equal(cams.shape, [n, top, 9, 7]);
  const want = upsampleRef(camMapsRef(feats, [n, h, w, c], weights, k, idx, top), n * top, h, w, 9, 7);
  assertClose(await cams.read(), want, { atol: 1e-5, rtol: 1e-4 }, 'top-k cams');
  for (const t of [ft, wt, it, cams]) t.release();
});

test('camUpsample with a range sends each map to its own size; camsAtSizes reads them back', async () => {
  const gpu = await testGpu();
  const rng = new Rng(11);
  const [m, h, w] = [5, 6, 7];
  const maps = rng.uniformArray(m * h * w);
  const mt = GpuTensor.from(gpu, [m, h, w], maps);
  const one = camUpsample(gpu, mt, 17, 9, { first: 2, count: 2 });
  assert.equal(one.shape, [2, 17, 9]);
  assertClose(await one.read(), upsampleRef(maps.subarray(2 * h * w, 4 * h * w), 2, h, w, 17, 9), {}, 'range 2..3');
  one.release();
  const sizes = [
    { width: 31, height: 23 },
    { width: 7, height: 6 }, // the map's own size
    { width: 100, height: 75 },
  ];
  const got = await camsAtSizes(gpu, mt, sizes);
  sizes.forEach((s, i) => {
    const ref = upsampleRef(maps.subarray(i * h * w, (i + 1) * h * w), 1, h, w, s.height, s.width);
    assertClose(got[i], ref, {}, `map ${i} at ${s.width}x${s.height}`);
  });
  assertClose(got[1], maps.subarray(h * w, 2 * h * w), { atol: 0, rtol: 0 }, 'same size: the map itself');
  mt.release();
});

test('an identity-size upsample returns the map itself; a 1x1 map spreads flat', async () => {
  const gpu = await testGpu();
  const maps = Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2);
  const mt = GpuTensor.from(gpu, [1, 3, 4], maps);
  const same = camUpsample(gpu, mt, 3, 4);
  assertClose(await same.read(), maps, { atol: 0, rtol: 0 }, 'identity');
  const dot = GpuTensor.from(gpu, [2, 1, 1], [3.5, -1]);
  const flat = camUpsample(gpu, dot, 4, 5);
  assertClose(await flat.read(), [...new Array(20).fill(3.5), ...new Array(20).fill(-1)], { atol: 0, rtol: 0 }, 'flat');
  for (const t of [mt, same, dot, flat]) t.release();
});

test('a class index outside [0, K) gives a NaN map, the others are untouched', async () => {
  const gpu = await testGpu();
  const ft = GpuTensor.from(gpu, [3, 2, 2, 2], new Array(24).fill(1));
  const wt = GpuTensor.from(gpu, [2, 3], [1, 2, 3, 4, 5, 6]);
  const it = GpuTensor.from(gpu, [3], [1, 3, -1], 'i32');
  const out = await camMaps(gpu, ft, wt, it).read();
  assert.equal(Array.from(out.subarray(0, 4)), [7, 7, 7, 7]); // 2 + 5
  assert.ok(Array.from(out.subarray(4)).every(Number.isNaN));
  for (const t of [ft, wt, it]) t.release();
});

test('shape errors name the op and the shapes', async () => {
  const gpu = await testGpu();
  const ft = GpuTensor.zeros(gpu, [2, 3, 3, 8]);
  const wt = GpuTensor.zeros(gpu, [7, 4]);
  const wok = GpuTensor.zeros(gpu, [8, 4]);
  const it = GpuTensor.zeros(gpu, [2], 'i32');
  const bad = GpuTensor.zeros(gpu, [3], 'i32');
  assert.throws(() => camMaps(gpu, ft, wt, it), (e: Error) => e instanceof ShapeError && /features\[2,3,3,8\].*classWeights\[7,4\]/.test(e.message));
  assert.throws(() => camMaps(gpu, ft, wok, bad), (e: Error) => e instanceof ShapeError && /classIdx\[3\]/.test(e.message));
  assert.throws(() => camForward(gpu, ft, wok, it, 0, 5), (e: Error) => e instanceof ShapeError && /0x5/.test(e.message));
  assert.throws(() => camUpsample(gpu, ft.reshape([6, 3, 8]), 4, 4, { first: 5, count: 2 }), (e: Error) => e instanceof ShapeError && /5\.\.6/.test(e.message));
  for (const t of [ft, wt, wok, it, bad]) t.release();
});

// --- class choice and labels -----------------------------------------------------------------------------------------

test('top-k classes: best first, ties to the lower index, k checked', () => {
  assert.equal(topKClasses([0.1, 0.5, 0.2, 0.5], 3), [1, 3, 2]);
  assert.equal(Array.from(topKBatch([0.1, 0.9, 0.7, 0.3, 0.2, 0.1], 2, 2)), [1, 2, 0, 1]);
  assert.throws(() => topKClasses([0.5, 0.5], 3), /k must be between 1 and the number of classes \(2\)/);
  assert.is(camLabel('tiger', 0.99512), 'tiger 99.5%');
});

// --- overlays -------------------------------------------------------------------------------------------------------

function photoOf(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, 3 * i);
  return { width, height, data };
}

test('jet colour map and min/max normalisation', () => {
  assert.equal(jetColour(0), [0, 0, 128]);
  assert.equal(jetColour(0.5), [128, 255, 128]);
  assert.equal(jetColour(1), [128, 0, 0]);
  assert.equal(Array.from(normalizeCam([2, 4, 3])), [0, 1, 0.5]);
  assert.equal(Array.from(normalizeCam([3, 3])), [0, 0]);
});

test('overlay PNG decodes, has the photo size, blends the colour map, and carries the label', () => {
  const [w, h] = [61, 47];
  const photo = photoOf(w, h, [200, 100, 50]);
  // CAM rising to the right: column 0 is the minimum (jet 0), the last column the maximum (jet 1).
  const cam = Float32Array.from({ length: w * h }, (_, i) => (i % w) * 0.3 - 4);
  const png = PNG.sync.read(Buffer.from(camOverlayPng(photo, cam, 'tiger 99.5%', { painter: bitmapPainter(), fontSize: 7 })));
  assert.is(png.width, w);
  assert.is(png.height, h);
  const px = (x: number, y: number) => Array.from(png.data.subarray(4 * (y * w + x), 4 * (y * w + x) + 4));
  // Bottom row (no label there): half photo, half colour.
  assert.equal(px(0, h - 1), [100, 50, 89, 255]); // (200+0)/2, (100+0)/2, (50+128)/2
  assert.equal(px(w - 1, h - 1), [164, 50, 25, 255]); // (200+128)/2, (100+0)/2, (50+0)/2
  // The label band top left: some pixels are the white text, the rest darkened.
  let white = 0;
  for (let y = 0; y < 12; y++) for (let x = 0; x < 40; x++) if (px(x, y).slice(0, 3).every((v) => v === 255)) white++;
  assert.ok(white > 20, `label text drawn (${white} white pixels)`);
  // alpha 0 and no label leaves the photo as it was.
  const plain = PNG.sync.read(Buffer.from(camOverlayPng(photo, cam, '', { alpha: 0 })));
  assert.equal(Array.from(plain.data.subarray(0, 4)), [200, 100, 50, 255]);
  assert.throws(() => camOverlayPng(photo, new Float32Array(10), 'x'), /10 values but the photo is 61x47/);
});

test('grid PNG: boxes of tileSize, columns per row, each photo fitted with its aspect kept', () => {
  const tiles = [
    { photo: photoOf(120, 80, [0, 255, 0]), label: 'a' },
    { photo: photoOf(30, 50, [0, 0, 255]), label: 'b' },
    { photo: photoOf(64, 64, [255, 0, 0]), label: 'c' },
    { photo: photoOf(200, 100, [9, 9, 9]), label: 'd' },
    { photo: photoOf(10, 10, [9, 9, 9]), label: 'e' },
  ].map((t) => ({ ...t, cam: new Float32Array(t.photo.width * t.photo.height) }));
  const png = PNG.sync.read(Buffer.from(camGridPng(tiles, 3, { tileSize: 64, gap: 4, painter: bitmapPainter(), alpha: 0 })));
  assert.is(png.width, 3 * 64 + 4 * 4);
  assert.is(png.height, 2 * 64 + 3 * 4);
  const px = (x: number, y: number) => Array.from(png.data.subarray(4 * (y * png.width + x), 4 * (y * png.width + x) + 3));
  // Tile 1 (120x80 -> 64x43, centred vertically): its bottom-right pixel is the photo's green; above it, background.
  assert.equal(px(4 + 63, 4 + 10 + 42), [0, 255, 0]);
  assert.equal(px(4 + 63, 4 + 5), [32, 32, 32]);
  // Tile 2 (30x50 -> 38x64, centred horizontally at x 4 + 68 + 13).
  assert.equal(px(72 + 13 + 20, 4 + 63), [0, 0, 255]);
  assert.equal(px(72 + 5, 4 + 63), [32, 32, 32]);
});

test('photo sizes from PNG and JPEG headers (EXIF-like block before the frame), null for junk', () => {
  const png = new PNG({ width: 37, height: 21 });
  assert.equal(photoSizeFromHeader(PNG.sync.write(png)), { width: 37, height: 21 });
  const raw = { width: 29, height: 13, data: Buffer.alloc(29 * 13 * 4, 128) };
  const jpg = new Uint8Array(jpeg.encode(raw, 80).data);
  assert.equal(photoSizeFromHeader(jpg), { width: 29, height: 13 });
  // An APP1 segment of 300 bytes inserted after SOI must be stepped over.
  const app1 = new Uint8Array(302);
  app1.set([0xff, 0xe1, 300 >> 8, 300 & 255]);
  const withExif = new Uint8Array([...jpg.subarray(0, 2), ...app1, ...jpg.subarray(2)]);
  assert.equal(photoSizeFromHeader(withExif), { width: 29, height: 13 });
  assert.is(photoSizeFromHeader(jpg.subarray(0, 20)), null, 'cut before the frame header');
  assert.is(photoSizeFromHeader(new Uint8Array([0xff, 0xd8, 0xff, 0, 1, 2, 3])), null);
  assert.is(photoSizeFromHeader(new Uint8Array([1, 2, 3])), null);
});

// --- scoring --------------------------------------------------------------------------------------------------------

/** (4, 4) mask with the left half inside. */
const LEFT = Uint8Array.from([1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0]);
const maskOf = (data: Uint8Array, width = 4, height = 4) => ({ width, height, data });
const item = (path: string, classIndex: number, cam: ArrayLike<number>, mask: ReturnType<typeof maskOf> | null, width = 4, height = 4): CamScoreItem => ({
  path,
  classIndex,
  width,
  height,
  cam,
  mask,
});

test('scoreCams: per-class and overall tables, the blob baseline on the same photos, skipped photos listed', () => {
  const inside = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0]; // energy 1, hit, IoU 4/8
  const outside = [0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2]; // energy 0, miss, IoU 0
  const all = new Uint8Array(16).fill(1);
  const result = scoreCams(
    [
      item('a.jpg', 0, inside, maskOf(LEFT)),
      item('b.jpg', 0, outside, maskOf(LEFT)),
      item('c.jpg', 1, inside, maskOf(all)), // energy 1, hit, IoU 4/16
      item('nomask.jpg', 1, inside, null),
      item('small.jpg', 1, inside, maskOf(new Uint8Array(4).fill(1), 2, 2)),
      item('empty.jpg', 0, inside, maskOf(new Uint8Array(16))),
      { ...item('unreadable.jpg', 0, inside, null), maskError: 'bad PNG' },
    ],
    ['cat', 'dog'],
  );
  assert.equal(
    result.skipped.map((s) => s.path),
    ['nomask.jpg', 'small.jpg', 'empty.jpg', 'unreadable.jpg'],
  );
  assert.match(result.skipped[0].reason, /no mask/);
  assert.match(result.skipped[1].reason, /mask is 2x2 but the photo 4x4/);
  assert.match(result.skipped[3].reason, /unreadable: bad PNG/);
  const [cat, dog] = result.model.perClass;
  assert.equal(cat, { className: 'cat', count: 2, energyInside: 0.5, pointingGame: 0.5, iou: 0.25 });
  assert.equal(dog, { className: 'dog', count: 1, energyInside: 1, pointingGame: 1, iou: 0.25 });
  assert.equal(result.model.overall, { count: 3, energyInside: 2 / 3, pointingGame: 2 / 3, iou: (0.5 + 0 + 0.25) / 3 });
  // Baseline, worked out: the 4x4 blob (sigma 1 pixel, centre 1.5) is symmetric left-right, so half its energy is
  // in LEFT; its first maximum is pixel (1, 1), inside LEFT; at 20% of its peak exp(-0.25) it covers all but the
  // 4 corners (exp(-2.25) = 0.105 < 0.156 <= exp(-1.25)): 12 pixels, 6 in LEFT: IoU 6 / (12 + 8 - 6) = 3/7.
  // Against the full mask: energy 1, hit, IoU 12/16.
  const b = result.baseline;
  assert.is(b.overall.count, 3);
  assert.ok(near(b.perClass[0].energyInside, 0.5, 1e-6));
  assert.is(b.perClass[0].pointingGame, 1);
  assert.ok(near(b.perClass[0].iou, 3 / 7));
  assert.equal({ ...b.perClass[1] }, { className: 'dog', count: 1, energyInside: 1, pointingGame: 1, iou: 0.75 });
  // The baseline really is cam-score's blob.
  assert.equal(result.perPhoto[0].baseline, camScore(gaussianBlob(4, 4), LEFT));

  const report = camReportOf(result, 'cam-grid.png', 2);
  assert.is(report.gridPng, 'cam-grid.png');
  assert.equal(report.notes![0], '3 photos scored, 4 skipped.');
  assert.match(report.notes![1], /nomask\.jpg \(no mask\); small\.jpg .*; and 2 more\./);
});

test('scoreCamFiles: decodes photos and masks, upsamples each map to its photo, skips what it must', async () => {
  const gpu = await testGpu();
  const dir = mkdtempSync(join(tmpdir(), 'graft-cam-'));
  try {
    const writePng = (name: string, w: number, h: number, value: (x: number, y: number) => number) => {
      const png = new PNG({ width: w, height: h });
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const o = 4 * (y * w + x);
          png.data[o] = png.data[o + 1] = png.data[o + 2] = value(x, y);
          png.data[o + 3] = 255;
        }
      }
      const path = join(dir, name);
      writeFileSync(path, PNG.sync.write(png));
      return path;
    };
    const [w, h] = [23, 17];
    const photo = (name: string) => writePng(name, w, h, (x, y) => (x * 7 + y) % 256);
    const right = writePng('right.png', w, h, (x) => (x >= 12 ? 255 : 0)); // binary mask: right part is the animal
    writeFileSync(join(dir, 'broken.jpg'), Buffer.from([0xff, 0xd8, 0xff, 0, 1, 2, 3]));
    const items: ImageItem[] = [
      { path: photo('a.png'), classIndex: 0, className: 'cat', maskPath: right },
      { path: photo('b.png'), classIndex: 1, className: 'dog', maskPath: null },
      { path: join(dir, 'broken.jpg'), classIndex: 1, className: 'dog', maskPath: right },
      { path: photo('c.png'), classIndex: 1, className: 'dog', maskPath: writePng('small.png', 5, 5, () => 255) },
      { path: photo('d.png'), classIndex: 1, className: 'dog', maskPath: right },
    ];
    // Low-res maps (5, 2, 3): map 0 and 4 hot on the right column, the others anything.
    const maps = new Float32Array(5 * 6);
    maps.set([0, 0, 5, 0, 0, 5], 0);
    maps.set([5, 0, 0, 5, 0, 0], 4 * 6);
    const mt = GpuTensor.from(gpu, [5, 2, 3], maps);
    const result = await scoreCamFiles(gpu, mt, items, ['cat', 'dog'], { gridTiles: 2, labels: ['cat 90.0%', 'x', 'y', 'z', 'w'] });
    mt.release();
    assert.equal(result.skipped.map((s) => s.path.split('/').pop()), ['b.png', 'broken.jpg', 'c.png']);
    assert.match(result.skipped[1].reason, /photo does not decode/);
    assert.match(result.skipped[2].reason, /mask is 5x5 but the photo 23x17/);
    assert.is(result.model.overall.count, 2);
    const mask = Uint8Array.from({ length: w * h }, (_, i) => (i % w >= 12 ? 1 : 0));
    const want0 = camScore(upsampleRef(maps.subarray(0, 6), 1, 2, 3, h, w), mask);
    const want4 = camScore(upsampleRef(maps.subarray(24), 1, 2, 3, h, w), mask);
    assert.ok(near(result.perPhoto[0].model.energyInside, want0.energyInside, 1e-5));
    assert.is(result.perPhoto[0].model.pointingHit, true);
    assert.is(result.perPhoto[1].model.pointingHit, false);
    assert.ok(near(result.perPhoto[1].model.iou, want4.iou, 1e-9));
    assert.equal(result.tiles.map((t) => t.label), ['cat 90.0%', 'x'], 'tiles: the first photos that decode, mask or not');
    assert.is(result.tiles[0].cam.length, w * h);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
