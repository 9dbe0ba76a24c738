// The kernels added for the ONNX runner against float64 CPU references (test/reference/onnx-kernels.ts):
// transpose (ranks 1-6, every kind of perm, in slices of the first axis past one binding), broadcasting weighted
// sum (ranks up to 6, broadcast on either side, alpha/beta, in slices past one binding), batch normalisation in
// NHWC and NCHW order, the weighted NLL gather with ignore_index, and padding (constant, edge and reflect modes,
// negative pads cropping, ranks 1-6, in slices of the first axis past one binding), concatenation (ranks 1-6, any
// axis, in slices of the first axis past one binding), the activations and maths beyond ReLU (erf on both of its
// branches), broadcasting products, quotients, max, min, PRelu and powers, grouped convolution and its gradients (as
// the full one with a block-diagonal weight), local response normalisation (even window sizes too, which onnxruntime refuses) and
// layer normalisation (in ranges of rows past one binding); plus the shape and limit errors they promise.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelRuns, testGpu, withLimits } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { GpuLimitError, ShapeError } from '../src/gpu/errors.ts';
import { transpose } from '../src/kernels/transpose.ts';
import { broadcastAdd, broadcastAddStrided } from '../src/kernels/broadcast.ts';
import { batchNormInference } from '../src/kernels/batchnorm.ts';
import { nllGather } from '../src/kernels/nll.ts';
import { pad, type PadMode } from '../src/kernels/pad.ts';
import { concat } from '../src/kernels/concat.ts';
import { activationBackward, unary } from '../src/kernels/unary.ts';
import { broadcastBinary } from '../src/kernels/broadcast.ts';
import { conv2dGrouped, conv2dGroupedGradInput, conv2dGroupedGradWeight } from '../src/kernels/conv2d-grouped.ts';
import { lrn } from '../src/kernels/lrn.ts';
import { layerNorm } from '../src/kernels/layer-norm.ts';
import { conv2dGradInputRef, conv2dGradWeightRef, conv2dRef } from './reference/conv2d.ts';
import { setBindingLimitForTests } from '../src/kernels/windows.ts';
import { batchNormRef, broadcastAddRef, concatRef, erfRef, layerNormRef, nllRef, padRef, transposeRef } from './reference/onnx-kernels.ts';
import { Rng } from '../src/util/rng.ts';

const rng = new Rng(17);
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

function shuffled(n: number): number[] {
  const p = [...Array(n).keys()];
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(rng.next() * (i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

test('transpose matches numpy.transpose for ranks 1-6', async () => {
  const gpu = await testGpu();
  const shapes = [[7], [3, 5], [2, 3, 4], [2, 5, 3, 4], [2, 3, 1, 4, 3], [2, 1, 3, 2, 3, 2], [3, 7, 9, 5]];
  for (const shape of shapes) {
    for (const perm of [shuffled(shape.length), [...Array(shape.length).keys()].reverse()]) {
      const x = rng.uniformArray(size(shape));
      const xt = GpuTensor.from(gpu, shape, x);
      const yt = transpose(gpu, xt, perm);
      assert.equal([...yt.shape], perm.map((p) => shape[p]));
      assertClose(await yt.read(), transposeRef(x, shape, perm), { atol: 0, rtol: 0 }, `transpose [${shape}] perm [${perm}]`);
      xt.release();
      yt.release();
    }
  }
  const x = GpuTensor.from(gpu, [2, 3], new Float32Array(6));
  assert.throws(() => transpose(gpu, x, [0, 0]), (e: Error) => e instanceof ShapeError && /transpose x\[2,3\] perm \[0,0\]: perm is not a permutation of 2 axes/.test(e.message));
  x.release();
});

test('broadcastAdd matches numpy broadcasting with alpha and beta', async () => {
  const gpu = await testGpu();
  const pairs: Array<[number[], number[], number, number]> = [
    [[5], [5], 1, 1],
    [[2, 3, 4, 5], [3, 1, 1], 1, 1],
    [[4, 5], [2, 1, 1, 5], 0.5, -2],
    [[1], [3, 4], 1, 1],
    [[2, 1, 3, 1, 2, 3], [3, 4, 2, 1], 2, 0.25],
    [[3, 1], [1, 6], 1, 3],
    [[], [2, 3], 1, 1],
  ];
  for (const [sa, sb, alpha, beta] of pairs) {
    const a = rng.uniformArray(size(sa));
    const b = rng.uniformArray(size(sb));
    const at = GpuTensor.from(gpu, sa, a);
    const bt = GpuTensor.from(gpu, sb, b);
    const yt = broadcastAdd(gpu, at, bt, alpha, beta);
    const want = broadcastAddRef(a, sa, b, sb, alpha, beta);
    assert.equal([...yt.shape], want.shape);
    assertClose(await yt.read(), want.y, { atol: 1e-6, rtol: 1e-6 }, `[${sa}] + [${sb}]`);
    for (const t of [at, bt, yt]) t.release();
  }
  const a = GpuTensor.from(gpu, [2, 3], new Float32Array(6));
  const b = GpuTensor.from(gpu, [4], new Float32Array(4));
  assert.throws(() => broadcastAdd(gpu, a, b), (e: Error) => e instanceof ShapeError && /a\[2,3\] and b\[4\] do not broadcast/.test(e.message));
  a.release();
  b.release();
});

test('broadcastAdd past one storage binding runs in slices of the first axis, small operands bound whole', async () => {
  const real = await testGpu();
  // y (6, 4, 5, 8): 640 bytes per image; bindings of 1500 bytes hold 2 (and 2 x 640 is 256-byte aligned): 3 slices
  const gpu = withLimits(real, { maxStorageBufferBindingSize: 1500 });
  const pairs: Array<[number[], number[]]> = [
    [[6, 4, 5, 8], [8]], // an activation and a bias (bound whole, repeated over every slice)
    [[6, 4, 5, 8], [6, 4, 5, 8]], // a residual sum: both sliced
    [[6, 1, 1, 8], [6, 4, 5, 8]], // a per-image operand small enough to bind whole, read from each slice's base
  ];
  for (const [sa, sb] of pairs) {
    const a = rng.uniformArray(size(sa));
    const b = rng.uniformArray(size(sb));
    const at = GpuTensor.from(gpu, sa, a);
    const bt = GpuTensor.from(gpu, sb, b);
    const before = kernelRuns(gpu, 'broadcast_binary');
    const yt = broadcastAdd(gpu, at, bt, 0.5, 2);
    assert.is(kernelRuns(gpu, 'broadcast_binary') - before, 3, `3 slices for [${sa}] + [${sb}]`);
    assertClose(await yt.read(), broadcastAddRef(a, sa, b, sb, 0.5, 2).y, { atol: 1e-6, rtol: 1e-6 }, `sliced [${sa}] + [${sb}]`);
    for (const t of [at, bt, yt]) t.release();
  }
  // An operand too large for one binding whose first axis is not outermost (a transposed view) is refused.
  const big = GpuTensor.from(gpu, [8, 6, 4, 5], rng.uniformArray(960));
  const zero = GpuTensor.from(gpu, [1], new Float32Array(1));
  assert.throws(
    () => broadcastAddStrided(gpu, [6, 8, 4, 5], { t: big, strides: [20, 120, 5, 1] }, { t: zero, strides: [0, 0, 0, 0] }),
    (e: Error) => e instanceof GpuLimitError && /does not have y's first axis outermost/.test(e.message),
  );
  big.release();
  zero.release();
});

test('batchNormInference matches ONNX BatchNormalization, channels last (NHWC) and at axis 1 (NCHW)', async () => {
  const gpu = await testGpu();
  for (const [shape, layout] of [[[2, 5, 3, 4], 'nhwc'], [[2, 4, 5, 3], 'nchw'], [[3, 7], 'nchw']] as const) {
    const C = layout === 'nhwc' ? shape[3] : shape[1];
    const axis = layout === 'nhwc' ? 3 : 1;
    const inner = layout === 'nhwc' ? 1 : size(shape.slice(2));
    const x = rng.uniformArray(size(shape));
    const p = { gamma: rng.uniformArray(C, 0.5, 1.5), beta: rng.uniformArray(C), mean: rng.uniformArray(C), variance: rng.uniformArray(C, 0.1, 2), epsilon: 1e-3 };
    const t = (v: Float32Array) => GpuTensor.from(gpu, [C], v);
    const ps = { gamma: t(p.gamma), beta: t(p.beta), mean: t(p.mean), variance: t(p.variance), epsilon: p.epsilon };
    const xt = GpuTensor.from(gpu, shape, x);
    const yt = batchNormInference(gpu, xt, ps, inner);
    assertClose(await yt.read(), batchNormRef(x, shape, axis, p), { atol: 1e-5, rtol: 1e-5 }, `batchnorm [${shape}] ${layout}`);
    for (const u of [xt, yt, ps.gamma, ps.beta, ps.mean, ps.variance]) u.release();
  }
});

test('transpose past one storage binding runs in slices of the first axis when the perm keeps it first', async () => {
  const real = await testGpu();
  // 640 bytes per image; bindings of 1500 bytes hold 2 images (2 x 640 is also 256-byte aligned): 3 slices
  const gpu = withLimits(real, { maxStorageBufferBindingSize: 1500 });
  const shape = [6, 4, 5, 8];
  const x = rng.uniformArray(size(shape));
  const xt = GpuTensor.from(gpu, shape, x);
  for (const perm of [[0, 2, 3, 1], [0, 3, 1, 2], [0, 1, 3, 2]]) {
    const before = kernelRuns(gpu, 'transpose');
    const yt = transpose(gpu, xt, perm);
    assert.is(kernelRuns(gpu, 'transpose') - before, 3, `3 slices for perm [${perm}]`);
    assertClose(await yt.read(), transposeRef(x, shape, perm), { atol: 0, rtol: 0 }, `sliced transpose perm [${perm}]`);
    yt.release();
  }
  assert.throws(
    () => transpose(gpu, xt, [1, 0, 2, 3]),
    (e: Error) => e instanceof GpuLimitError && /perm \[1,0,2,3\]: 3840 bytes exceed one storage binding, and this permutation moves the first axis/.test(e.message),
  );
  xt.release();
});

test('pad matches numpy.pad in every mode, negative pads cropping, ranks 1-6', async () => {
  const gpu = await testGpu();
  const cases: Array<[number[], number[], number[]]> = [
    [[7], [2], [3]],
    [[3, 5], [1, -2], [0, 4]],
    [[2, 3, 4], [0, 2, 1], [1, -1, 3]],
    [[2, 5, 3, 4], [0, 0, 1, 2], [0, 0, 2, 1]],
    [[2, 3, 4, 3, 3], [1, 0, -1, 2, 0], [0, 2, 3, -2, 1]],
    [[2, 2, 3, 2, 3, 4], [0, 1, 2, 1, 0, 3], [1, 0, 1, 1, 2, 0]],
  ];
  for (const [shape, begins, ends] of cases) {
    const x = rng.uniformArray(size(shape));
    const xt = GpuTensor.from(gpu, shape, x);
    for (const mode of ['constant', 'edge', 'reflect'] as PadMode[]) {
      const yt = pad(gpu, xt, { begins, ends, mode, value: 0.75 });
      const want = padRef(x, shape, begins, ends, mode, 0.75);
      assert.equal([...yt.shape], want.shape);
      assertClose(await yt.read(), want.y, { atol: 0, rtol: 0 }, `pad [${shape}] by [${begins}] / [${ends}] (${mode})`);
      yt.release();
    }
    xt.release();
  }
  const xt = GpuTensor.from(gpu, [2, 3], rng.uniformArray(6));
  assert.throws(() => pad(gpu, xt, { begins: [0, 3], ends: [0, 0], mode: 'reflect' }), (e: Error) => e instanceof ShapeError && /reflect mode pads axis 1 \(size 3\) by more than its size - 1/.test(e.message));
  assert.throws(() => pad(gpu, xt, { begins: [0, -2], ends: [0, -1], mode: 'constant' }), (e: Error) => e instanceof ShapeError && /the result \[2,0\] would be empty/.test(e.message));
  xt.release();
});

test('pad past one storage binding runs in slices of the first axis when that axis is not padded', async () => {
  const real = await testGpu();
  // x 512 bytes per image, y (6, 4, 6, 8) 768: bindings of 2000 bytes hold 2 of each, 256-byte aligned: 3 slices
  const gpu = withLimits(real, { maxStorageBufferBindingSize: 2000 });
  const shape = [6, 4, 4, 8];
  const x = rng.uniformArray(size(shape));
  const xt = GpuTensor.from(gpu, shape, x);
  for (const mode of ['constant', 'reflect'] as PadMode[]) {
    const before = kernelRuns(gpu, 'pad');
    const yt = pad(gpu, xt, { begins: [0, 1, 2, 0], ends: [0, -1, 0, 0], mode, value: -3 });
    assert.is(kernelRuns(gpu, 'pad') - before, 3, `3 slices (${mode})`);
    assertClose(await yt.read(), padRef(x, shape, [0, 1, 2, 0], [0, -1, 0, 0], mode, -3).y, { atol: 0, rtol: 0 }, `sliced pad (${mode})`);
    yt.release();
  }
  assert.throws(
    () => pad(gpu, xt, { begins: [1, 0, 0, 0], ends: [0, 0, 0, 0], mode: 'constant' }),
    (e: Error) => e instanceof GpuLimitError && /3584 bytes exceed one storage binding, and this pads the first axis/.test(e.message),
  );
  xt.release();
});

test('concat matches numpy.concatenate on every axis of ranks 1-6', async () => {
  const gpu = await testGpu();
  const cases: Array<[number[][], number]> = [
    [[[3], [5], [1]], 0],
    [[[2, 3], [2, 4]], 1],
    [[[2, 3, 4], [1, 3, 4], [3, 3, 4]], 0],
    [[[2, 5, 3, 4], [2, 2, 3, 4]], 1],
    [[[2, 3, 4, 3, 1], [2, 3, 4, 3, 2]], 4],
    [[[2, 1, 3, 2, 3, 2], [2, 1, 3, 1, 3, 2], [2, 1, 3, 3, 3, 2]], 3],
  ];
  for (const [shapes, axis] of cases) {
    const xs = shapes.map((shape) => ({ x: rng.uniformArray(size(shape)), shape }));
    const ts = xs.map(({ x, shape }) => GpuTensor.from(gpu, shape, x));
    const yt = concat(gpu, ts, axis);
    const want = concatRef(xs, axis);
    assert.equal([...yt.shape], want.shape);
    assertClose(await yt.read(), want.y, { atol: 0, rtol: 0 }, `concat ${shapes.map((s) => `[${s}]`).join(' ')} on axis ${axis}`);
    yt.release();
    ts.forEach((t) => t.release());
  }
  const a = GpuTensor.from(gpu, [2, 3], rng.uniformArray(6));
  const b = GpuTensor.from(gpu, [3, 3], rng.uniformArray(9));
  assert.throws(() => concat(gpu, [a, b], 1), (e: Error) => e instanceof ShapeError && /every dim but axis 1 must be equal/.test(e.message));
  a.release();
  b.release();
});

test('concat past one storage binding runs in slices of the first axis when joining along another', async () => {
  const real = await testGpu();
  // (6, 4, 4, 8) and (6, 4, 4, 8): 512 bytes per image each, y (6, 4, 4, 16) 1024: bindings of 2100 bytes hold
  // 2 images of each, 256-byte aligned: 3 slices per input
  const gpu = withLimits(real, { maxStorageBufferBindingSize: 2100 });
  const xs = [0, 1].map(() => ({ x: rng.uniformArray(6 * 128), shape: [6, 4, 4, 8] }));
  const ts = xs.map(({ x, shape }) => GpuTensor.from(gpu, shape, x));
  const before = kernelRuns(gpu, 'concat');
  const yt = concat(gpu, ts, 3);
  assert.is(kernelRuns(gpu, 'concat') - before, 6, '3 slices of each input');
  assertClose(await yt.read(), concatRef(xs, 3).y, { atol: 0, rtol: 0 }, 'sliced concat');
  yt.release();
  assert.throws(() => concat(gpu, ts, 0), (e: Error) => e instanceof GpuLimitError && /6144 bytes exceed one storage binding, and the join is along the first axis/.test(e.message));
  ts.forEach((t) => t.release());
});

test('sigmoid, tanh, leaky ReLU and clip match their definitions, at large magnitudes too', async () => {
  const gpu = await testGpu();
  const x = Float32Array.from([...rng.uniformArray(200, -3, 3), -100, -20, -9.5, 9.5, 20, 100, 0]);
  const xt = GpuTensor.from(gpu, [x.length], x);
  const check = async (y: GpuTensor, f: (v: number) => number, what: string) => {
    assertClose(await y.read(), Array.from(x, f), { atol: 1e-6, rtol: 1e-5 }, what);
    y.release();
  };
  await check(unary(gpu, xt, 'sigmoid'), (v) => 1 / (1 + Math.exp(-v)), 'sigmoid');
  await check(unary(gpu, xt, 'tanh'), Math.tanh, 'tanh');
  await check(unary(gpu, xt, 'leakyRelu', { alpha: 0.3 }), (v) => (v >= 0 ? v : 0.3 * v), 'leaky ReLU');
  await check(unary(gpu, xt, 'clip', { min: -0.5, max: 2 }), (v) => Math.min(2, Math.max(-0.5, v)), 'clip');
  await check(unary(gpu, xt, 'clip', { max: 0 }), (v) => Math.min(0, v), 'clip, max only');
  assert.throws(() => unary(gpu, xt, 'clip', { min: 1, max: 0 }), (e: Error) => e instanceof ShapeError && /min 1 is above max 0/.test(e.message));
  xt.release();
});

test('the maths and the activations of newer CNNs match their float64 definitions, erf on both of its branches', async () => {
  const gpu = await testGpu();
  // Both of erf's branches (below and above 0.5) densely, small arguments, and magnitudes where exp overflows.
  const x = Float32Array.from([...rng.uniformArray(300, -6, 6), ...rng.uniformArray(100, -0.6, 0.6), 1e-4, -3e-3, 0.4999, 0.5, -0.5001, -100, -30, 30, 100, 0]);
  const xt = GpuTensor.from(gpu, [x.length], x);
  const pos = Float32Array.from(x, (v) => Math.abs(v) + 0.01);
  const pt = GpuTensor.from(gpu, [pos.length], pos);
  const softplus = (v: number) => Math.max(v, 0) + Math.log1p(Math.exp(-Math.abs(v)));
  const elu = (v: number, a: number) => (v > 0 ? v : a * Math.expm1(v));
  const cases: Array<[Parameters<typeof unary>[2], (v: number) => number, object?, boolean?]> = [
    ['erf', erfRef],
    ['gelu', (v) => 0.5 * v * (1 + erfRef(v / Math.SQRT2))],
    ['geluTanh', (v) => 0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v ** 3)))],
    ['hardSigmoid', (v) => Math.min(1, Math.max(0, 0.2 * v + 0.5))],
    ['hardSigmoid', (v) => Math.min(1, Math.max(0, 0.3 * v + 0.4)), { alpha: 0.3, beta: 0.4 }],
    ['hardSwish', (v) => v * Math.min(1, Math.max(0, v / 6 + 0.5))],
    ['softplus', softplus],
    ['softsign', (v) => v / (1 + Math.abs(v))],
    ['mish', (v) => v * Math.tanh(softplus(v))],
    ['elu', (v) => elu(v, 1)],
    ['elu', (v) => elu(v, 0.5), { alpha: 0.5 }],
    ['selu', (v) => 1.0507009873554805 * elu(v, 1.6732632423543772)],
    ['neg', (v) => -v],
    ['abs', Math.abs],
    ['exp', Math.exp, {}, true],
    ['log', Math.log, {}, true],
    ['sqrt', Math.sqrt, {}, true],
    ['reciprocal', (v) => 1 / v, {}, true],
  ];
  // x's 410 values run one per invocation; its first 408 (a multiple of 4) on the vec4 kernel.
  const n4 = x.length - (x.length % 4);
  assert.ok(n4 < x.length);
  const x4 = GpuTensor.from(gpu, [n4], x.subarray(0, n4));
  const p4 = GpuTensor.from(gpu, [n4], pos.subarray(0, n4));
  for (const [op, f, options, positive] of cases) {
    for (const [t, kernel] of [[positive ? pt : xt, 'unary'], [positive ? p4 : x4, 'unary_vec4']] as const) {
      const input = (positive ? pos : x).subarray(0, t.size);
      const before = kernelRuns(gpu, kernel);
      const y = unary(gpu, t, op, options);
      assert.is(kernelRuns(gpu, kernel) - before, 1, kernel);
      const got = await y.read();
      const want = Array.from(input, f);
      // exp's arguments stay where f32 holds the result.
      const keep = (_: number, i: number) => op !== 'exp' || Math.abs(input[i]) < 80;
      assertClose(got.filter(keep), want.filter(keep), { atol: 2e-7, rtol: 2e-6 }, `${op} ${JSON.stringify(options ?? {})} (${kernel})`);
      y.release();
    }
  }
  [x4, p4].forEach((t) => t.release());
  // softplus's far negative tail (exp(x) itself, nearly) to its relative precision: log(1 + e) computed plainly
  // was 4e-4 off at -10 and rounds to 0 further out. 1e-5 allows exp's own error (3 + 2|x| ULP in WGSL: 7e-6 at -60).
  const tail = Float32Array.from([-5, -10, -20, -30, -60]);
  const tt = GpuTensor.from(gpu, [tail.length], tail);
  const sp = unary(gpu, tt, 'softplus');
  assertClose(await sp.read(), Array.from(tail, softplus), { atol: 0, rtol: 1e-5 }, 'softplus tail');
  [xt, pt, tt, sp].forEach((t) => t.release());
});

test('the activations\' backwards (training MobileNets and EfficientNets) match their derivatives, one float and four per invocation', async () => {
  const gpu = await testGpu();
  const n = 410; // not a multiple of 4: one float per invocation; its first 408, four
  const x = Float32Array.from(rng.uniformArray(n, -5, 5));
  const dy = rng.uniformArray(n);
  const sig = Float32Array.from(x, (v) => 1 / (1 + Math.exp(-v)));
  const hsig = Float32Array.from(x, (v) => Math.min(1, Math.max(0, 0.3 * v + 0.4)));
  const clipped = Float32Array.from(x, (v) => Math.min(2, Math.max(-1, v)));
  const cases: Array<[Parameters<typeof activationBackward>[1], Float32Array, (s: number) => number, object]> = [
    ['sigmoid', sig, (y) => y * (1 - y), {}],
    ['hardSigmoid', hsig, (y) => (y > 0 && y < 1 ? 0.3 : 0), { alpha: 0.3 }],
    ['hardSwish', x, (v) => (v < -3 ? 0 : v > 3 ? 1 : v / 3 + 0.5), {}],
    ['clip', clipped, (y) => (y > -1 && y < 2 ? 1 : 0), { min: -1, max: 2 }],
  ];
  for (const [op, saved, slope, o] of cases) {
    for (const [size, kernel] of [[n, 'activation_backward'], [n - 2, 'activation_backward_vec4']] as const) {
      const [st, dt] = [GpuTensor.from(gpu, [size], saved.subarray(0, size)), GpuTensor.from(gpu, [size], dy.subarray(0, size))];
      const before = kernelRuns(gpu, kernel);
      const dx = activationBackward(gpu, op, st, dt, o);
      assert.is(kernelRuns(gpu, kernel) - before, 1, kernel);
      assertClose(await dx.read(), Array.from({ length: size }, (_, i) => dy[i] * slope(saved[i])), { atol: 1e-7, rtol: 1e-6 }, `${op} backward (${kernel})`);
      [st, dt, dx].forEach((t) => t.release());
    }
  }
});

test('broadcasting products and quotients match numpy', async () => {
  const gpu = await testGpu();
  const mulRef = (a: ArrayLike<number>, sa: number[], b: ArrayLike<number>, sb: number[], f: (x: number, y: number) => number) => {
    // broadcastAddRef with alpha 1, beta 0 and 0, 1 picks each operand's broadcast value; combine them with f.
    const ea = broadcastAddRef(a, sa, Array(size(sb)).fill(0), sb, 1, 0).y;
    const eb = broadcastAddRef(Array(size(sa)).fill(0), sa, b, sb, 0, 1).y;
    return ea.map((v, i) => f(v, eb[i]));
  };
  for (const [sa, sb] of [[[2, 3, 4], [3, 1]], [[4], [2, 3, 4]], [[2, 1, 5], [1, 3, 1]]] as number[][][]) {
    const a = rng.uniformArray(size(sa));
    const b = Float32Array.from(rng.uniformArray(size(sb), 0.5, 2), (v, i) => (i % 2 ? -v : v)); // away from 0
    const at = GpuTensor.from(gpu, sa, a);
    const bt = GpuTensor.from(gpu, sb, b);
    const prod = broadcastBinary(gpu, at, bt, 'mul');
    assertClose(await prod.read(), mulRef(a, sa, b, sb, (x, y) => x * y), { atol: 1e-7, rtol: 1e-6 }, `[${sa}] * [${sb}]`);
    const quot = broadcastBinary(gpu, at, bt, 'div');
    assertClose(await quot.read(), mulRef(a, sa, b, sb, (x, y) => x / y), { atol: 1e-7, rtol: 1e-6 }, `[${sa}] / [${sb}]`);
    for (const [op, f] of [['max', Math.max], ['min', Math.min], ['prelu', (x: number, y: number) => (x >= 0 ? x : y * x)]] as const) {
      const y = broadcastBinary(gpu, at, bt, op);
      // max and min pick a value; PRelu's product rounds to f32.
      assertClose(await y.read(), mulRef(a, sa, b, sb, f), op === 'prelu' ? { atol: 1e-7, rtol: 1e-6 } : { atol: 0, rtol: 0 }, `${op}([${sa}], [${sb}])`);
      y.release();
    }
    [at, bt, prod, quot].forEach((t) => t.release());
  }
});

test('broadcast powers match Math.pow: any exponent of positive bases, integer exponents of negative ones', async () => {
  const gpu = await testGpu();
  // Every base against every exponent: bases (n, 1), exponents (1, m).
  const bases = Float32Array.from([...rng.uniformArray(40, -3, 3), 0.001, -0.002, 2, -2, 1, -1]);
  const exps = Float32Array.from([2, 3, 0.5, 1, 0, -1, -2, -3, 4, 5, -5, 1.5, -0.5, 2.25, 7]);
  const bt = GpuTensor.from(gpu, [bases.length, 1], bases);
  const et = GpuTensor.from(gpu, [1, exps.length], exps);
  const y = broadcastBinary(gpu, bt, et, 'pow');
  const got = await y.read();
  const want: number[] = [];
  const keep: boolean[] = [];
  for (const b of bases) {
    for (const e of exps) {
      want.push(Math.pow(b, e));
      // Fractional powers of negative bases are NaN, whose value WGSL leaves open: not compared.
      keep.push(b >= 0 || Number.isInteger(e));
    }
  }
  assertClose(got.filter((_, i) => keep[i]), want.filter((_, i) => keep[i]), { atol: 0, rtol: 3e-6 }, 'pow');
  [bt, et, y].forEach((t) => t.release());
});

test('layer normalisation matches float64 per row, with and without bias, in ranges of rows past one binding', async () => {
  const real = await testGpu();
  for (const [rows, cols, limit] of [[12, 8, 0], [6, 50, 0], [10, 16, 600]]) {
    const gpu = limit ? withLimits(real, { maxStorageBufferBindingSize: limit }) : real;
    // Rows far from zero: the two-pass variance must not lose them.
    const x = Float32Array.from(rng.uniformArray(rows * cols), (v, i) => v + 100 * Math.floor(i / cols));
    const scale = rng.uniformArray(cols, 0.5, 1.5);
    const bias = rng.uniformArray(cols);
    const [xt, st, bt] = [[x, [rows, cols]], [scale, [cols]], [bias, [cols]]].map(([v, shape]) => GpuTensor.from(gpu, shape as number[], v as Float32Array));
    for (const withBias of [true, false]) {
      const before = kernelRuns(gpu, 'layer_norm');
      const { y, mean, invStd } = layerNorm(gpu, xt, cols, st, withBias ? bt : undefined, 1e-5);
      if (limit) assert.ok(kernelRuns(gpu, 'layer_norm') - before > 1, 'several ranges of rows');
      const want = layerNormRef(x, cols, scale, withBias ? bias : undefined, 1e-5);
      assertClose(await y.read(), want.y, { atol: 1e-5, rtol: 1e-5 }, `y ${rows}x${cols} bias ${withBias}`);
      assertClose(await mean.read(), want.mean, { atol: 1e-5, rtol: 1e-6 }, 'mean');
      assertClose(await invStd.read(), want.invStd, { atol: 0, rtol: 1e-4 }, 'invStd');
      [y, mean, invStd].forEach((t) => t.release());
    }
    assert.throws(() => layerNorm(gpu, xt, cols + 1, st, bt, 1e-5), (e: Error) => e instanceof ShapeError && /are not rows of/.test(e.message));
    [xt, st, bt].forEach((t) => t.release());
  }
});

test('grouped and depthwise convolution and its gradients equal the full one\'s with a block-diagonal weight, in chunks of images too', async () => {
  const real = await testGpu();
  // The 8-channel cases run under bindings of 1100 bytes: x is 512 bytes per image and y 128 or 512, so 2 images
  // fit, at 256-byte aligned offsets, and the batch of 6 runs in 3 chunks.
  for (const [G, cin, cout, stride, pad] of [[3, 6, 12, 1, [1, 1, 1, 1]], [8, 8, 8, 2, [1, 0, 1, 2]], [4, 8, 16, 1, [0, 1, 0, 1]]] as Array<[number, number, number, number, [number, number, number, number]]>) {
    const xShape = [6, 4, 4, cin];
    const wShape = [3, 3, cin / G, cout];
    const x = rng.uniformArray(size(xShape));
    const w = rng.uniformArray(size(wShape));
    const bias = rng.uniformArray(cout);
    // The full weight: input channel ci reaches output channel co only inside their group.
    const full = new Float32Array(9 * cin * cout);
    const cinG = cin / G;
    const coutG = cout / G;
    for (let k = 0; k < 9; k++) for (let co = 0; co < cout; co++) for (let j = 0; j < cinG; j++) {
      full[(k * cin + Math.floor(co / coutG) * cinG + j) * cout + co] = w[(k * cinG + j) * cout + co];
    }
    const o = { stride: [stride, stride] as [number, number], pad, relu: true };
    const want = conv2dRef(x, xShape, full, [3, 3, cin, cout], bias, o);
    const gpu = cin === 8 ? withLimits(real, { maxStorageBufferBindingSize: 1100 }) : real;
    const [xt, wt, bt] = [GpuTensor.from(gpu, xShape, x), GpuTensor.from(gpu, wShape, w), GpuTensor.from(gpu, [cout], bias)];
    // Depthwise (one input channel per output) runs on its own vectorised kernel.
    const kernel = G === cin && G === cout ? 'conv2d_depthwise' : 'conv2d_direct';
    const before = kernelRuns(gpu, kernel);
    const yt = conv2dGrouped(gpu, xt, wt, bt, { ...o, groups: G });
    const runs = kernelRuns(gpu, kernel) - before;
    assert.is(runs, cin === 8 ? 3 : 1, `chunks for groups ${G}`);
    assertClose(await yt.read(), want, { atol: 1e-5, rtol: 1e-5 }, `groups ${G}, ${cin} -> ${cout}, stride ${stride}`);
    // Backward (the training graph's grouped conv): dx is the full convolution's with the block-diagonal weight; dw
    // is the full one's restricted to each output channel's group, here summed over chunks of images.
    const dy = rng.uniformArray(size(yt.shape));
    const dyt = GpuTensor.from(gpu, yt.shape, dy);
    const dx = conv2dGroupedGradInput(gpu, dyt, wt, xShape, { ...o, groups: G });
    assertClose(await dx.read(), conv2dGradInputRef(dy, full, xShape, [3, 3, cin, cout], o), { atol: 1e-5, rtol: 1e-5 }, `dx, groups ${G}`);
    const before2 = kernelRuns(gpu, 'conv2d_grad_weight_direct');
    const dw = conv2dGroupedGradWeight(gpu, xt, dyt, wShape, { ...o, groups: G });
    assert.is(kernelRuns(gpu, 'conv2d_grad_weight_direct') - before2, cin === 8 ? 3 : 1, 'grad weight chunks');
    const dwFull = conv2dGradWeightRef(x, dy, xShape, [3, 3, cin, cout], o);
    const dwWant = Array.from({ length: size(wShape) }, (_, i) => {
      const co = i % cout;
      const j = Math.floor(i / cout) % cinG;
      const k = Math.floor(i / (cout * cinG));
      return dwFull[(k * cin + Math.floor(co / coutG) * cinG + j) * cout + co];
    });
    assertClose(await dw.read(), dwWant, { atol: 1e-5, rtol: 1e-5 }, `dw, groups ${G}`);
    [xt, wt, bt, yt, dyt, dx, dw].forEach((t) => t.release());
  }
  const xt = GpuTensor.from(real, [1, 4, 4, 6], rng.uniformArray(96));
  const wt = GpuTensor.from(real, [3, 3, 2, 4], rng.uniformArray(72));
  assert.throws(() => conv2dGrouped(real, xt, wt, null, { stride: [1, 1], pad: [0, 0, 0, 0], groups: 4 }), (e: Error) => e instanceof ShapeError && /Cin 6 and Cout 4 must be multiples of the groups/.test(e.message));
  assert.throws(() => conv2dGrouped(real, xt, wt, null, { stride: [1, 1], pad: [0, 0, 0, 0], groups: 2 }), (e: Error) => e instanceof ShapeError && /w holds 2 input channels per group, x has 6 in 2 groups/.test(e.message));
  xt.release();
  wt.release();
});

test('depthwise convolution on its vectorised kernel: 3x3 at stride 1 (its straight-line path) and 2, 5x5, 1x3, output rows not a multiple of 4', async () => {
  const gpu = await testGpu();
  const cases: Array<[number[], number, number, number, [number, number, number, number], boolean]> = [
    // [N, H, W, C], KH, KW, stride, pads, bias + ReLU
    [[2, 7, 9, 8], 3, 3, 1, [1, 1, 1, 1], true],
    [[2, 9, 10, 12], 3, 3, 2, [1, 1, 0, 1], false],
    [[1, 8, 7, 4], 5, 5, 1, [2, 2, 2, 2], true],
    [[1, 6, 11, 8], 1, 3, 1, [0, 0, 0, 2], false],
    [[2, 5, 6, 4], 3, 3, 1, [0, 0, 0, 0], true],
  ];
  for (const [xShape, KH, KW, stride, pad, extras] of cases) {
    const C = xShape[3];
    const x = rng.uniformArray(size(xShape));
    const w = rng.uniformArray(KH * KW * C); // (KH, KW, 1, C)
    const bias = rng.uniformArray(C);
    // The full weight: channel c reaches only itself.
    const full = new Float32Array(KH * KW * C * C);
    for (let k = 0; k < KH * KW; k++) for (let c = 0; c < C; c++) full[(k * C + c) * C + c] = w[k * C + c];
    const o = { stride: [stride, stride] as [number, number], pad, relu: extras };
    const want = conv2dRef(x, xShape, full, [KH, KW, C, C], extras ? bias : null, o);
    const [xt, wt, bt] = [GpuTensor.from(gpu, xShape, x), GpuTensor.from(gpu, [KH, KW, 1, C], w), GpuTensor.from(gpu, [C], bias)];
    const before = kernelRuns(gpu, 'conv2d_depthwise');
    const yt = conv2dGrouped(gpu, xt, wt, extras ? bt : null, { ...o, groups: C });
    assert.is(kernelRuns(gpu, 'conv2d_depthwise') - before, 1, 'the depthwise kernel ran');
    assertClose(await yt.read(), want, { atol: 1e-5, rtol: 1e-5 }, `depthwise ${KH}x${KW} stride ${stride} on [${xShape}]`);
    [xt, wt, bt, yt].forEach((t) => t.release());
  }
});

test('LRN matches its definition for odd and even windows, in chunks of images too', async () => {
  const real = await testGpu();
  // (6, 2, 4, 8): 256 bytes per image, so bindings of 600 bytes hold 2 images: 3 chunks.
  const gpu = withLimits(real, { maxStorageBufferBindingSize: 600 });
  const shape = [6, 2, 4, 8];
  const C = 8;
  const x = rng.uniformArray(size(shape), -2, 2);
  const xt = GpuTensor.from(gpu, shape, x);
  for (const o of [{ size: 5, alpha: 1e-4, beta: 0.75, bias: 1 }, { size: 4, alpha: 0.3, beta: 0.5, bias: 2 }, { size: 1, alpha: 1, beta: 1, bias: 1 }]) {
    const want = Array.from(x, (v, i) => {
      const c = i % C;
      let sum = 0;
      for (let k = Math.max(0, c - Math.floor((o.size - 1) / 2)); k <= Math.min(C - 1, c + Math.ceil((o.size - 1) / 2)); k++) sum += x[i - c + k] ** 2;
      return v / (o.bias + (o.alpha / o.size) * sum) ** o.beta;
    });
    const before = kernelRuns(gpu, 'lrn');
    const yt = lrn(gpu, xt, o);
    assert.is(kernelRuns(gpu, 'lrn') - before, 3, `3 chunks, size ${o.size}`);
    assertClose(await yt.read(), want, { atol: 1e-6, rtol: 1e-5 }, `LRN size ${o.size}`);
    yt.release();
  }
  xt.release();
});

test('batchNormInference past one storage binding runs in chunks (binding limit lowered for the test)', async () => {
  const gpu = await testGpu();
  const shape = [3, 7, 9, 11]; // 2079 elements, bindings of 256 elements: 9 chunks, channel runs straddling them
  const x = rng.uniformArray(size(shape));
  const C = 11;
  const p = { gamma: rng.uniformArray(C, 0.5, 1.5), beta: rng.uniformArray(C), mean: rng.uniformArray(C), variance: rng.uniformArray(C, 0.1, 2), epsilon: 1e-5 };
  const t = (v: Float32Array) => GpuTensor.from(gpu, [C], v);
  const ps = { gamma: t(p.gamma), beta: t(p.beta), mean: t(p.mean), variance: t(p.variance), epsilon: p.epsilon };
  const xt = GpuTensor.from(gpu, shape, x);
  setBindingLimitForTests(1024);
  let yt: GpuTensor;
  try {
    yt = batchNormInference(gpu, xt, ps, 1);
  } finally {
    setBindingLimitForTests(null);
  }
  assertClose(await yt.read(), batchNormRef(x, shape, 3, p), { atol: 1e-5, rtol: 1e-5 }, 'chunked batchnorm');
  for (const u of [xt, yt, ps.gamma, ps.beta, ps.mean, ps.variance]) u.release();
});

test('nllGather matches the weighted NLL terms, with and without class weights and ignore_index', async () => {
  const gpu = await testGpu();
  const R = 9;
  const C = 5;
  const logp = rng.uniformArray(R * C, -4, 0);
  const labels = [0, 4, -100, 2, 3, 1, -100, 4, 0];
  const weight = rng.uniformArray(C, 0.1, 2);
  const lt = GpuTensor.from(gpu, [R, C], logp);
  const lab = GpuTensor.from(gpu, [R], labels, 'i32');
  const wt = GpuTensor.from(gpu, [C], weight);
  for (const [w, ignore] of [[wt, -100], [null, -100], [wt, null]] as const) {
    if (ignore === null) lab.write(labels.map((l) => (l < 0 ? 1 : l)));
    const used = ignore === null ? labels.map((l) => (l < 0 ? 1 : l)) : labels;
    const { loss, weight: wsum } = nllGather(gpu, lt, lab, w, ignore);
    const want = nllRef(logp, R, C, used, w ? weight : null, ignore);
    assertClose(await loss.read(), want.loss, { atol: 1e-6, rtol: 1e-6 }, 'nll loss');
    assertClose(await wsum.read(), want.weight, { atol: 0, rtol: 1e-6 }, 'nll weight');
    loss.release();
    wsum.release();
  }
  const short = GpuTensor.from(gpu, [R - 1], new Int32Array(R - 1), 'i32');
  assert.throws(() => nllGather(gpu, lt, short, null, null), (e: Error) => e instanceof ShapeError && /expected \(R, C\) and \(R\)/.test(e.message));
  for (const t of [lt, lab, wt, short]) t.release();
});

test.run();
