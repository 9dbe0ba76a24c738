// Pooling (max, average, global average, global max), forward and backward, on the GPU against the float64 CPU
// references of test/reference/pool.ts, whose backwards are first checked by central finite differences.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelRuns, testGpu, withLimits } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { Rng } from '../src/util/rng.ts';
import {
  pool2dOutputShape,
  maxPool2dForward,
  maxPool2dBackward,
  avgPool2dForward,
  avgPool2dBackward,
  globalAvgPoolForward,
  globalAvgPoolBackward,
  globalMaxPoolForward,
  globalMaxPoolBackward,
  type Pool2dOptions,
} from '../src/kernels/pool.ts';
import * as ref from './reference/pool.ts';
import * as ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';

const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Distinct values in [-1, 1) spaced 2/n apart, shuffled: no ties, and no tie within a finite-difference step. */
function distinct(rng: Rng, n: number): Float32Array {
  const order = rng.shuffle(Array.from({ length: n }, (_, i) => i));
  return Float32Array.from(order, (i) => (2 * i) / n - 1);
}

interface Case {
  x: number[];
  o: Pool2dOptions;
}

// Batch > 1, odd sizes, kernel 2 and 3 (also non-square), stride 1 and 2 (overlapping windows), symmetric and
// asymmetric padding, ceil mode on and off (including a dropped last window), channels 1, 3, 4, 5, 64 and 512.
const CASES: Case[] = [
  { x: [2, 7, 9, 3], o: { kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1] } },
  { x: [3, 6, 5, 1], o: { kernel: [2, 2], stride: [1, 1], pad: [0, 0, 0, 0] } },
  { x: [2, 5, 7, 64], o: { kernel: [3, 3], stride: [2, 2], pad: [1, 0, 0, 1], ceilMode: true } },
  { x: [2, 4, 4, 512], o: { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] } },
  { x: [2, 3, 5, 512], o: { kernel: [3, 2], stride: [1, 2], pad: [1, 0, 2, 1], ceilMode: true } },
  { x: [2, 5, 5, 5], o: { kernel: [3, 3], stride: [3, 3], pad: [1, 1, 1, 1], ceilMode: true } },
  { x: [3, 9, 8, 3], o: { kernel: [2, 3], stride: [2, 1], pad: [0, 1, 1, 2], ceilMode: false } },
  { x: [2, 8, 11, 64], o: { kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1] } },
  { x: [2, 5, 6, 3], o: { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0], ceilMode: true } },
  // Stride past the kernel (cells no window covers), and a single output row over several rows.
  { x: [2, 8, 7, 3], o: { kernel: [2, 2], stride: [3, 3], pad: [0, 1, 1, 0] } },
  { x: [2, 3, 7, 4], o: { kernel: [3, 2], stride: [1, 3], pad: [0, 0, 0, 0] } },
];

// --- output sizes -------------------------------------------------------------------------------------------

test('output shape matches known PyTorch sizes and the window-counting reference', () => {
  const known: Array<[number[], Pool2dOptions, number[]]> = [
    [[1, 224, 224, 64], { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] }, [1, 112, 112, 64]],
    [[1, 112, 112, 64], { kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1] }, [1, 56, 56, 64]],
    [[1, 5, 5, 1], { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] }, [1, 2, 2, 1]],
    [[1, 5, 5, 1], { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0], ceilMode: true }, [1, 3, 3, 1]],
    // ceil((5+2-3)/3)+1 = 3, but the third window would start at row 5, inside the bottom padding: dropped.
    [[1, 5, 5, 1], { kernel: [3, 3], stride: [3, 3], pad: [1, 1, 1, 1], ceilMode: true }, [1, 2, 2, 1]],
    [[2, 7, 6, 3], { kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1], ceilMode: true }, [2, 4, 4, 3]],
  ];
  for (const [x, o, want] of known) assert.equal(pool2dOutputShape(x, o), want, `${x} ${JSON.stringify(o)}`);
  for (let H = 1; H <= 12; H++)
    for (const k of [1, 2, 3, 4])
      for (const s of [1, 2, 3])
        for (const [pb, pa] of [[0, 0], [1, 0], [0, 1], [1, 1], [2, 1], [3, 3]])
          for (const ceilMode of [false, true]) {
            if (pb >= k || pa >= k || H + pb + pa < k) continue;
            const o: Pool2dOptions = { kernel: [k, 1], stride: [s, 1], pad: [pb, 0, pa, 0], ceilMode };
            assert.equal(pool2dOutputShape([1, H, 1, 1], o), ref.outputShape([1, H, 1, 1], o), `H ${H} ${JSON.stringify(o)}`);
          }
});

// --- the references' backwards against finite differences --------------------------------------------------

/** Central differences of f(x) = sum(dy * forward(x)) against the analytic gradient. */
function checkGradient(what: string, x: Float64Array, dy: ArrayLike<number>, forward: (x: Float64Array) => ArrayLike<number>, dx: ArrayLike<number>): void {
  const eps = 1e-6;
  const f = (v: Float64Array) => {
    const y = forward(v);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += dy[i] * y[i];
    return s;
  };
  const numeric = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + eps;
    const up = f(x);
    x[i] = keep - eps;
    const down = f(x);
    x[i] = keep;
    numeric[i] = (up - down) / (2 * eps);
  }
  assertClose(dx, numeric, { atol: 1e-7, rtol: 1e-6 }, what);
}

test('reference backwards match central finite differences', () => {
  const rng = new Rng(11);
  for (const { x: shape, o } of CASES.filter((c) => numel(c.x) < 2000)) {
    const x = Float64Array.from(distinct(rng, numel(shape)));
    const yShape = ref.outputShape(shape, o);
    const dy = Float64Array.from(rng.uniformArray(numel(yShape)));
    const { argmax } = ref.maxPool(x, shape, o);
    checkGradient(`max ${shape}`, x, dy, (v) => ref.maxPool(v, shape, o).y, ref.maxPoolBackward(dy, argmax, shape));
    for (const countIncludePad of [false, true]) {
      const g = { ...o, countIncludePad };
      checkGradient(`avg ${shape} ${countIncludePad}`, x, dy, (v) => ref.avgPool(v, shape, g).y, ref.avgPoolBackward(dy, shape, g));
    }
  }
  for (const shape of [[2, 3, 4, 5], [1, 1, 1, 3], [3, 5, 2, 1]]) {
    const x = Float64Array.from(distinct(rng, numel(shape)));
    const dy = Float64Array.from(rng.uniformArray(shape[0] * shape[3]));
    checkGradient(`global avg ${shape}`, x, dy, (v) => ref.globalAvgPool(v, shape), ref.globalAvgPoolBackward(dy, shape));
    const { argmax } = ref.globalMaxPool(x, shape);
    checkGradient(`global max ${shape}`, x, dy, (v) => ref.globalMaxPool(v, shape).y, ref.globalMaxPoolBackward(dy, argmax, shape));
  }
});

test('references give hand-computed values', () => {
  // Average of ones over 3x3 windows, stride 2, pad 1: 4 real cells of 9 (PyTorch's default count_include_pad).
  const ones = new Float64Array(9).fill(1);
  const g: ref.PoolGeometry = { kernel: [3, 3], stride: [2, 2], pad: [1, 1, 1, 1], countIncludePad: true };
  assert.equal(Array.from(ref.avgPool(ones, [1, 3, 3, 1], g).y), [4 / 9, 4 / 9, 4 / 9, 4 / 9]);
  assert.equal(Array.from(ref.avgPool(ones, [1, 3, 3, 1], { ...g, countIncludePad: false }).y), [1, 1, 1, 1]);
  // Ceil mode: the last window overhangs a 3x3 input with no padding; it divides only by its part inside.
  const ceil: ref.PoolGeometry = { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0], ceilMode: true, countIncludePad: true };
  assert.equal(Array.from(ref.avgPool(ones, [1, 3, 3, 1], ceil).y), [1, 1, 1, 1]);
  const m = ref.maxPool([1, 5, 5, 2, 0, 3], [1, 2, 3, 1], { kernel: [2, 2], stride: [1, 1], pad: [0, 0, 0, 0] });
  assert.equal(Array.from(m.y), [5, 5]);
  assert.equal(Array.from(m.argmax), [1, 1]); // the first 5 wins the tie in both windows
});

/** A one-node ONNX model (opset 19) running MaxPool or AveragePool over an NCHW input. */
function onnxPoolModel(op: 'MaxPool' | 'AveragePool', g: ref.PoolGeometry): Uint8Array {
  const { onnx } = onnxProto;
  const attribute = [
    { name: 'kernel_shape', type: onnx.AttributeProto.AttributeType.INTS, ints: g.kernel },
    { name: 'strides', type: onnx.AttributeProto.AttributeType.INTS, ints: g.stride },
    { name: 'pads', type: onnx.AttributeProto.AttributeType.INTS, ints: g.pad }, // top, left, bottom, right
    { name: 'ceil_mode', type: onnx.AttributeProto.AttributeType.INT, i: g.ceilMode ? 1 : 0 },
  ];
  if (op === 'AveragePool') {
    attribute.push({ name: 'count_include_pad', type: onnx.AttributeProto.AttributeType.INT, i: g.countIncludePad ? 1 : 0 });
  }
  const dim = ['n', 'c', 'h', 'w'].map((dimParam) => ({ dimParam }));
  const value = (name: string) => ({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim } } } });
  const model = onnx.ModelProto.create({
    irVersion: 8,
    opsetImport: [{ domain: '', version: 19 }],
    graph: { name: op, node: [{ opType: op, input: ['x'], output: ['y'], attribute }], input: [value('x')], output: [value('y')] },
  });
  return onnx.ModelProto.encode(model).finish();
}

const toNchw = (x: ArrayLike<number>, [N, H, W, C]: readonly number[]): Float32Array => {
  const out = new Float32Array(N * C * H * W);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) out[((n * C + c) * H + h) * W + w] = x[((n * H + h) * W + w) * C + c];
  return out;
};

test('the reference agrees with onnxruntime MaxPool and AveragePool (padding, ceil mode, countIncludePad)', async () => {
  const rng = new Rng(12);
  for (const { x: shape, o } of CASES.filter((c) => numel(c.x) < 5000)) {
    const x = rng.uniformArray(numel(shape));
    for (const [op, g] of [
      ['MaxPool', o],
      ['AveragePool', { ...o, countIncludePad: false }],
      ['AveragePool', { ...o, countIncludePad: true }],
    ] as const) {
      const session = await ort.InferenceSession.create(onnxPoolModel(op, g));
      const [N, H, W, C] = shape;
      const { y: got } = await session.run({ x: new ort.Tensor('float32', toNchw(x, shape), [N, C, H, W]) });
      const want = op === 'MaxPool' ? ref.maxPool(x, shape, g) : ref.avgPool(x, shape, g);
      const [, OH, OW] = want.shape;
      const label = `${op} ${shape} ${JSON.stringify(g)}`;
      assert.equal([...got.dims], [N, C, OH, OW], label);
      assertClose(got.data as Float32Array, toNchw(want.y, want.shape), { atol: 1e-6, rtol: 1e-5 }, label);
      await session.release();
    }
  }
});

// --- GPU against the references ----------------------------------------------------------------------------

test('max pooling forward (values and argmax) and backward match the reference', async () => {
  const gpu = await testGpu();
  const rng = new Rng(21);
  for (const { x: shape, o } of CASES) {
    const label = `${shape} ${JSON.stringify(o)}`;
    const x = distinct(rng, numel(shape));
    const want = ref.maxPool(x, shape, o);
    const dy = rng.uniformArray(want.y.length);
    const xt = GpuTensor.from(gpu, shape, x);
    const dyt = GpuTensor.from(gpu, want.shape, dy);
    const { y, argmax } = maxPool2dForward(gpu, xt, o);
    assert.equal([...y.shape], want.shape, label);
    const dx = maxPool2dBackward(gpu, dyt, argmax!, shape);
    assertClose(await y.read(), want.y, { atol: 0, rtol: 0 }, `maxpool y ${label}`);
    assert.equal(Array.from(await argmax!.read()), Array.from(want.argmax), `maxpool argmax ${label}`);
    assertClose(await dx.read(), ref.maxPoolBackward(dy, want.argmax, shape), { atol: 1e-6, rtol: 1e-6 }, `maxpool dx ${label}`);
    for (const t of [xt, dyt, y, argmax!, dx]) t.release();
  }
});

test('max pooling: ties go to the first cell in scan order, padding is never chosen', async () => {
  const gpu = await testGpu();
  const rng = new Rng(22);
  for (const { x: shape, o } of CASES.slice(0, 6)) {
    // Few distinct values: many ties; all negative, so a padding cell taken as 0 would win.
    const x = Float32Array.from({ length: numel(shape) }, () => -1 - rng.int(3));
    const want = ref.maxPool(x, shape, o);
    const xt = GpuTensor.from(gpu, shape, x);
    const { y, argmax } = maxPool2dForward(gpu, xt, o);
    assertClose(await y.read(), want.y, { atol: 0, rtol: 0 }, `tied y ${shape}`);
    assert.equal(Array.from(await argmax!.read()), Array.from(want.argmax), `tied argmax ${shape}`);
    assert.ok((await y.read()).every((v) => v < 0), 'padding must not enter the max');
    for (const t of [xt, y, argmax!]) t.release();
  }
});

test('max pooling without saved indices gives the same values', async () => {
  const gpu = await testGpu();
  const { x: shape, o } = CASES[2];
  const x = distinct(new Rng(23), numel(shape));
  const xt = GpuTensor.from(gpu, shape, x);
  const { y, argmax } = maxPool2dForward(gpu, xt, o, false);
  assert.is(argmax, null);
  assertClose(await y.read(), ref.maxPool(x, shape, o).y, { atol: 0, rtol: 0 }, 'maxpool y without argmax');
  xt.release();
  y.release();
});

test('average pooling forward and backward match the reference, with and without countIncludePad', async () => {
  const gpu = await testGpu();
  const rng = new Rng(31);
  for (const { x: shape, o } of CASES) {
    for (const countIncludePad of [false, true]) {
      const g = { ...o, countIncludePad };
      const label = `${shape} ${JSON.stringify(g)}`;
      const x = rng.uniformArray(numel(shape));
      const want = ref.avgPool(x, shape, g);
      const dy = rng.uniformArray(want.y.length);
      const xt = GpuTensor.from(gpu, shape, x);
      const dyt = GpuTensor.from(gpu, want.shape, dy);
      const y = avgPool2dForward(gpu, xt, g);
      const dx = avgPool2dBackward(gpu, dyt, shape, g);
      assert.equal([...y.shape], want.shape, label);
      assertClose(await y.read(), want.y, {}, `avgpool y ${label}`);
      assertClose(await dx.read(), ref.avgPoolBackward(dy, shape, g), {}, `avgpool dx ${label}`);
      for (const t of [xt, dyt, y, dx]) t.release();
    }
  }
});

test('global average and max pooling match the reference, up to VGG19 and ResNet50 feature sizes', async () => {
  const gpu = await testGpu();
  const rng = new Rng(41);
  for (const shape of [[2, 3, 4, 5], [3, 1, 1, 3], [2, 7, 7, 64], [20, 14, 14, 512], [20, 7, 7, 2048]]) {
    const [N, , , C] = shape;
    const x = distinct(rng, numel(shape));
    const dy = rng.uniformArray(N * C);
    const xt = GpuTensor.from(gpu, shape, x);
    const dyt = GpuTensor.from(gpu, [N, C], dy);

    const vec4Runs = () => kernelRuns(gpu, 'global_avgpool');
    const before = vec4Runs();
    const avg = globalAvgPoolForward(gpu, xt);
    // 4 channels per invocation where C % 4 == 0, the whole-plane 2-D pool otherwise: both checked here
    assert.is(vec4Runs() - before, C % 4 === 0 ? 1 : 0, `global avg kernel for C = ${C}`);
    const davg = globalAvgPoolBackward(gpu, dyt, shape);
    assert.equal([...avg.shape], [N, C]);
    assertClose(await avg.read(), ref.globalAvgPool(x, shape), {}, `global avg y ${shape}`);
    assertClose(await davg.read(), ref.globalAvgPoolBackward(dy, shape), {}, `global avg dx ${shape}`);

    const want = ref.globalMaxPool(x, shape);
    const max = globalMaxPoolForward(gpu, xt);
    const dmax = globalMaxPoolBackward(gpu, dyt, max.argmax, shape);
    assert.equal([...max.y.shape], [N, C]);
    assert.equal([...max.argmax.shape], [N, C]);
    assertClose(await max.y.read(), want.y, { atol: 0, rtol: 0 }, `global max y ${shape}`);
    assert.equal(Array.from(await max.argmax.read()), Array.from(want.argmax), `global max argmax ${shape}`);
    assertClose(await dmax.read(), ref.globalMaxPoolBackward(dy, want.argmax, shape), { atol: 0, rtol: 0 }, `global max dx ${shape}`);
    for (const t of [xt, dyt, avg, davg, max.y, max.argmax, dmax]) t.release();
  }
});

test('batches past one storage binding or the grid run in chunks of images, with argmax into the whole x', async () => {
  const real = await testGpu();
  const rng = new Rng(51);
  // (5, 9, 8, 16): 4608 bytes of x per image. Bindings of 10000 bytes hold 2 images: every kernel runs the 5 as
  // 2 + 2 + 1. A grid of 20 rows of workgroups holds 2 images of 9 rows (the 3x3 pool's outputs, and the average
  // backward's inputs, whatever the pool), 5 of the 2x2 pool's 4 output rows, and the max backward's 1 per image.
  const shape = [5, 9, 8, 16];
  const pools = [{ kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] }, { kernel: [3, 3], stride: [1, 1], pad: [1, 1, 1, 1] }] as Pool2dOptions[];
  const views = [
    { gpu: withLimits(real, { maxStorageBufferBindingSize: 10000 }), chunks: [[3, 3, 3, 3], [3, 3, 3, 3]] },
    { gpu: withLimits(real, { maxComputeWorkgroupsPerDimension: 20 }), chunks: [[1, 1, 1, 3], [3, 1, 3, 3]] },
  ];
  for (const [v, { gpu, chunks }] of views.entries()) {
    for (const [p, o] of pools.entries()) {
      const label = `view ${v} ${JSON.stringify(o)}`;
      const x = distinct(rng, numel(shape));
      const want = ref.maxPool(x, shape, o);
      const dy = rng.uniformArray(want.y.length);
      const xt = GpuTensor.from(gpu, shape, x);
      const dyt = GpuTensor.from(gpu, want.shape, dy);
      const runs = () => [kernelRuns(gpu, 'maxpool2d'), kernelRuns(gpu, 'maxpool2d_backward'), kernelRuns(gpu, 'avgpool2d'), kernelRuns(gpu, 'avgpool2d_backward')];
      const before = runs();
      const { y, argmax } = maxPool2dForward(gpu, xt, o);
      const dx = maxPool2dBackward(gpu, dyt, argmax!, shape);
      const avg = avgPool2dForward(gpu, xt, o);
      const davg = avgPool2dBackward(gpu, dyt, shape, o);
      assert.equal(runs().map((n, i) => n - before[i]), chunks[p], `chunks of max fwd, max bwd, avg fwd, avg bwd, ${label}`);
      assertClose(await y.read(), want.y, { atol: 0, rtol: 0 }, `maxpool y ${label}`);
      // indices into the whole x, not the chunk's: images 2..4 hold indices past the first chunk's
      assert.equal(Array.from(await argmax!.read()), Array.from(want.argmax), `maxpool argmax ${label}`);
      assertClose(await dx.read(), ref.maxPoolBackward(dy, want.argmax, shape), { atol: 1e-6, rtol: 1e-6 }, `maxpool dx ${label}`);
      assertClose(await avg.read(), ref.avgPool(x, shape, o).y, {}, `avgpool y ${label}`);
      assertClose(await davg.read(), ref.avgPoolBackward(dy, shape, o), {}, `avgpool dx ${label}`);
      for (const t of [xt, dyt, y, argmax!, dx, avg, davg]) t.release();
    }
  }
  // Global average pooling: (9, 3, 4, 16), 768 bytes of x and 64 of y per image; bindings of 4000 bytes would hold
  // 5 images, but chunks must start 256-byte aligned in y too, so they take 4: 4 + 4 + 1.
  const gshape = [9, 3, 4, 16];
  const gpu = withLimits(real, { maxStorageBufferBindingSize: 4000 });
  const x = rng.uniformArray(numel(gshape));
  const xt = GpuTensor.from(gpu, gshape, x);
  const before = kernelRuns(gpu, 'global_avgpool');
  const g = globalAvgPoolForward(gpu, xt);
  assert.is(kernelRuns(gpu, 'global_avgpool') - before, 3, 'global avgpool in 3 chunks');
  assertClose(await g.read(), ref.globalAvgPool(x, gshape), {}, 'global avgpool in chunks');
  xt.release();
  g.release();
});

// --- errors ------------------------------------------------------------------------------------------------

test('bad shapes and options are refused with a ShapeError naming the op and shapes', async () => {
  const gpu = await testGpu();
  const o: Pool2dOptions = { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] };
  const x3 = GpuTensor.zeros(gpu, [4, 4, 3]);
  const x = GpuTensor.zeros(gpu, [2, 4, 4, 3]);
  const dy = GpuTensor.zeros(gpu, [2, 2, 2, 3]);
  const dyBad = GpuTensor.zeros(gpu, [2, 3, 2, 3]);
  const argmax = GpuTensor.zeros(gpu, [2, 2, 2, 3], 'i32');
  const argmaxF = GpuTensor.zeros(gpu, [2, 2, 2, 3], 'f32');
  const argmaxBad = GpuTensor.zeros(gpu, [2, 2, 2, 4], 'i32');
  const g = GpuTensor.zeros(gpu, [2, 3]);
  const gBad = GpuTensor.zeros(gpu, [2, 4]);
  const gArg = GpuTensor.zeros(gpu, [2, 3], 'i32');
  const refused = (f: () => unknown, pattern: RegExp) =>
    assert.throws(f, (e: Error) => e instanceof ShapeError && pattern.test(e.message), String(pattern));

  refused(() => maxPool2dForward(gpu, x3, o), /maxpool2d: x must be NHWC \(rank 4\), got \[4,4,3\]/);
  refused(() => avgPool2dForward(gpu, x3, o), /avgpool2d.*\[4,4,3\]/);
  refused(() => maxPool2dForward(gpu, x, { ...o, kernel: [5, 2] }), /maxpool2d.*x\[2,4,4,3\].*kernel \[5,2\].*does not fit/);
  refused(() => maxPool2dForward(gpu, x, { ...o, pad: [2, 0, 0, 0] }), /pad must be smaller than the kernel/);
  refused(() => maxPool2dForward(gpu, x, { ...o, stride: [0, 2] }), /stride/);
  refused(() => maxPool2dForward(gpu, x, { ...o, kernel: [1.5, 2] }), /kernel/);
  refused(() => pool2dOutputShape([2, 4, 4, 3], { ...o, pad: [0, 0, 0] as unknown as Pool2dOptions['pad'] }), /pad/);
  refused(() => maxPool2dBackward(gpu, dy, argmaxBad, [2, 4, 4, 3]), /maxpool2d backward.*dy\[2,2,2,3\].*argmax\[2,2,2,4\]/);
  refused(() => maxPool2dBackward(gpu, dy, argmaxF as unknown as GpuTensor<'i32'>, [2, 4, 4, 3]), /argmax must be i32/);
  refused(() => maxPool2dBackward(gpu, dy, argmax, [2, 4, 4, 5]), /batch and channels.*input \[2,4,4,5\]/);
  refused(() => maxPool2dBackward(gpu, dy, argmax, [4, 4, 3]), /rank 4/);
  refused(() => avgPool2dBackward(gpu, dyBad, [2, 4, 4, 3], o), /avgpool2d backward: dy\[2,3,2,3\].*\[2,2,2,3\]/);
  refused(() => globalAvgPoolForward(gpu, x3), /global avgpool.*\[4,4,3\]/);
  refused(() => globalAvgPoolBackward(gpu, gBad, [2, 4, 4, 3]), /global avgpool backward.*dy\[2,4\].*input \[2,4,4,3\]/);
  refused(() => globalMaxPoolForward(gpu, x3), /global maxpool.*\[4,4,3\]/);
  refused(() => globalMaxPoolBackward(gpu, g, argmaxBad, [2, 4, 4, 3]), /global maxpool backward.*argmax\[2,2,2,4\]/);
  refused(() => globalMaxPoolBackward(gpu, gBad, gArg, [2, 4, 4, 3]), /global maxpool backward.*dy\[2,4\]/);
  for (const t of [x3, x, dy, dyBad, argmax, argmaxF, argmaxBad, g, gBad, gArg]) t.release();
});

test.run();
