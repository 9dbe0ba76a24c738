// Matrix multiply, dense layer and row sums on the GPU against float64 CPU references, whose own gradients are
// checked by central finite differences first. Covers the three kernel paths (vec4 NN, vec4 NT, scalar general),
// every transpose combination, odd sizes, fused bias and relu, and the chunked path used for matrices larger
// than one storage binding (forced here with a tiny binding limit).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelRuns, testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { matmul, denseForward, denseBackward } from '../src/kernels/matmul.ts';
import { sumRows, meanAll } from '../src/kernels/reduce.ts';
import { setBindingLimitForTests } from '../src/kernels/windows.ts';
import { Rng } from '../src/util/rng.ts';
import { matmulRef, denseRef, denseBackwardRef, sumRowsRef, numericGrad, dotWith } from './reference/matmul.ts';

const rng = new Rng(7);
const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

test('reference: dense backward matches finite differences', () => {
  for (const [N, IN, OUT] of [[1, 1, 1], [3, 4, 5], [2, 7, 3]]) {
    const x = f64(rng.uniformArray(N * IN));
    const w = f64(rng.uniformArray(IN * OUT));
    const b = f64(rng.uniformArray(OUT));
    const dy = f64(rng.uniformArray(N * OUT));
    const g = denseBackwardRef(x, w, dy, N, IN, OUT);
    const tol = { atol: 1e-7, rtol: 1e-6 };
    assertClose(g.dx, numericGrad((xv) => dotWith(denseRef(xv, w, b, N, IN, OUT), dy), x), tol, 'ref dx');
    assertClose(g.dw, numericGrad((wv) => dotWith(denseRef(x, wv, b, N, IN, OUT), dy), w), tol, 'ref dw');
    assertClose(g.db, numericGrad((bv) => dotWith(denseRef(x, w, bv, N, IN, OUT), dy), b), tol, 'ref db');
  }
});

test('reference: transposed operands equal explicitly transposed matrices', () => {
  const [M, K, N] = [3, 5, 4];
  const a = rng.uniformArray(M * K);
  const b = rng.uniformArray(K * N);
  const aT = Float64Array.from({ length: K * M }, (_, i) => a[(i % M) * K + Math.floor(i / M)]); // (K, M)
  const bT = Float64Array.from({ length: N * K }, (_, i) => b[(i % K) * N + Math.floor(i / K)]); // (N, K)
  const want = matmulRef(a, [M, K], b, [K, N]);
  assertClose(matmulRef(aT, [K, M], bT, [N, K], { transA: true, transB: true }), want, { atol: 1e-12 }, 'ref TT');
  assertClose(matmulRef(aT, [K, M], b, [K, N], { transA: true }), want, { atol: 1e-12 }, 'ref TN');
});

async function checkMatmul(M: number, K: number, N: number, transA: boolean, transB: boolean, withBias: boolean, relu: boolean): Promise<void> {
  const gpu = await testGpu();
  const aShape: [number, number] = transA ? [K, M] : [M, K];
  const bShape: [number, number] = transB ? [N, K] : [K, N];
  const a = rng.uniformArray(M * K);
  const b = rng.uniformArray(K * N);
  const bias = withBias ? rng.uniformArray(N) : null;
  const at = GpuTensor.from(gpu, aShape, a);
  const bt = GpuTensor.from(gpu, bShape, b);
  const biast = bias ? GpuTensor.from(gpu, [N], bias) : null;
  const c = matmul(gpu, at, bt, { transA, transB, bias: biast, relu });
  assert.equal(c.shape, [M, N]);
  const want = matmulRef(a, aShape, b, bShape, { transA, transB, bias, relu });
  assertClose(await c.read(), want, { atol: 1e-5 * Math.sqrt(K + 1), rtol: 1e-4 }, `matmul M${M} K${K} N${N} tA${transA} tB${transB} bias${withBias} relu${relu}`);
  for (const t of [at, bt, biast, c]) t?.release();
}

test('matmul matches the reference for odd sizes and every transpose', async () => {
  const sizes = [[1, 1, 1], [7, 33, 130], [130, 7, 33], [33, 130, 7], [1, 130, 1]];
  for (const [M, K, N] of sizes) {
    for (const transA of [false, true]) {
      for (const transB of [false, true]) await checkMatmul(M, K, N, transA, transB, M === 7, M === 130);
    }
  }
});

test('matmul fast paths (NN and NT vec4) with edge rows and columns, bias and relu', async () => {
  const gpu = await testGpu();
  const before = { ...Object.fromEntries(gpu.batcher.counts.byKernel) };
  // K, N multiples of 4 pick the NN path (M <= 8: 8-row kernel, else the 32-row subgroup kernel); M, N not
  // multiples of the tiles exercise the clamped edges.
  for (const [M, K, N] of [[1, 4, 4], [9, 36, 516], [20, 512, 20], [130, 132, 8], [3, 4, 1028], [8, 12, 12], [33, 8, 136]]) {
    await checkMatmul(M, K, N, false, false, true, true);
    await checkMatmul(M, K, N, false, false, false, false);
    await checkMatmul(M, K, N + 3, false, true, true, false); // NT: any N
  }
  const used = (k: string) => kernelRuns(gpu, k) - (before[k] ?? 0);
  assert.ok(used('matmul') >= 4, `NN path (8 rows) used ${used('matmul')} times`);
  if (gpu.hasSubgroups) assert.ok(used('matmul_sg') >= 6, `NN path (32 rows, subgroups) used ${used('matmul_sg')} times`);
  assert.ok(used('matmul_nt') >= 5, `NT path used ${used('matmul_nt')} times`);
});

test('matmul splits operands past the binding limit into chunks (M, N and K) with the same result', async () => {
  const gpu = await testGpu();
  setBindingLimitForTests(4096); // 1024 floats per binding
  try {
    const before = gpu.batcher.counts.dispatches;
    // NN: K chunks accumulate (bias and relu only once, at the end); NT: N and M chunks; general: all.
    await checkMatmul(70, 200, 96, false, false, true, true);
    await checkMatmul(5, 1500, 8, false, false, true, false);
    await checkMatmul(33, 300, 70, false, true, true, true);
    await checkMatmul(33, 130, 70, true, false, true, true);
    await checkMatmul(45, 130, 33, true, true, false, false);
    assert.ok(gpu.batcher.counts.dispatches - before > 20, 'the chunked path should have issued many dispatches');
  } finally {
    setBindingLimitForTests(null);
  }
});

test('matmul with an empty reduction gives the bias', async () => {
  const gpu = await testGpu();
  const a = GpuTensor.from(gpu, [3, 0], []);
  const b = GpuTensor.from(gpu, [0, 4], []);
  const bias = GpuTensor.from(gpu, [4], [1, -2, 3, -4]);
  const c = matmul(gpu, a, b, { bias, relu: true });
  assertClose(await c.read(), [1, 0, 3, 0, 1, 0, 3, 0, 1, 0, 3, 0], {}, 'K=0');
  for (const t of [a, b, bias, c]) t.release();
});

test('dense forward and backward match the reference', async () => {
  const gpu = await testGpu();
  for (const [N, IN, OUT] of [[20, 512, 19], [1, 7, 3], [8, 64, 32], [5, 33, 1]]) {
    const x = rng.uniformArray(N * IN);
    const w = rng.uniformArray(IN * OUT);
    const b = rng.uniformArray(OUT);
    const dy = rng.uniformArray(N * OUT);
    const [xt, wt, bt, dyt] = [GpuTensor.from(gpu, [N, IN], x), GpuTensor.from(gpu, [IN, OUT], w), GpuTensor.from(gpu, [OUT], b), GpuTensor.from(gpu, [N, OUT], dy)];
    const tol = { atol: 1e-5 * Math.sqrt(Math.max(IN, N)), rtol: 1e-4 };
    const y = denseForward(gpu, xt, wt, bt);
    assertClose(await y.read(), denseRef(x, w, b, N, IN, OUT), tol, `dense ${N}x${IN}->${OUT}`);
    const ref = denseBackwardRef(x, w, dy, N, IN, OUT);
    const g = denseBackward(gpu, xt, wt, dyt, { input: true, weight: true, bias: true });
    assertClose(await g.dx!.read(), ref.dx, tol, 'dense dx');
    assertClose(await g.dw!.read(), ref.dw, tol, 'dense dw');
    assertClose(await g.db!.read(), ref.db, tol, 'dense db');
    const only = denseBackward(gpu, xt, wt, dyt, { input: false, weight: true, bias: false });
    assert.equal(Object.keys(only), ['dw'], 'only the asked-for gradient is computed');
    for (const t of [xt, wt, bt, dyt, y, g.dx!, g.dw!, g.db!, only.dw!]) t.release();
  }
});

test('sumRows over any rank and meanAll, including tall inputs reduced in passes and chunks', async () => {
  const gpu = await testGpu();
  const vec4Runs = () => kernelRuns(gpu, 'sum_rows_vec4');
  // columns in multiples of 4 take sum_rows_vec4.wgsl (a bias gradient's 512 channels, passes of 256 rows), others sum_rows.wgsl
  for (const shape of [[5], [3, 7], [2, 5, 5, 19], [5000, 3], [70001, 1], [1030, 2], [6, 8], [2, 7, 7, 512], [1030, 4], [20000, 12]]) {
    const C = shape[shape.length - 1];
    const n = shape.reduce((p, q) => p * q, 1);
    const x = rng.uniformArray(n);
    const xt = GpuTensor.from(gpu, shape, x);
    const before = vec4Runs();
    const s = sumRows(gpu, xt);
    assert.is(vec4Runs() > before, C % 4 === 0, `sumRows ${shape}: four columns per invocation`);
    assert.equal(s.shape, [C]);
    assertClose(await s.read(), sumRowsRef(x, n / C, C), { atol: 1e-5 * Math.sqrt(n), rtol: 1e-4 }, `sumRows ${shape}`);
    const m = meanAll(gpu, xt);
    assert.equal(m.shape, [1]);
    assertClose(await m.read(), [sumRowsRef(x, n, 1)[0] / n], { atol: 1e-6 * Math.sqrt(n) }, `meanAll ${shape}`);
    for (const t of [xt, s, m]) t.release();
  }
  setBindingLimitForTests(4096);
  try {
    for (const C of [7, 8]) {
      const x = rng.uniformArray(3000 * C);
      const xt = GpuTensor.from(gpu, [3000, C], x);
      const s = sumRows(gpu, xt);
      assertClose(await s.read(), sumRowsRef(x, 3000, C), { atol: 1e-3 }, `sumRows chunked, ${C} columns`);
      for (const t of [xt, s]) t.release();
    }
  } finally {
    setBindingLimitForTests(null);
  }
});

test('shape errors name the op and both shapes', async () => {
  const gpu = await testGpu();
  const a = GpuTensor.zeros(gpu, [2, 3]);
  const b = GpuTensor.zeros(gpu, [4, 5]);
  const bias = GpuTensor.zeros(gpu, [3]);
  assert.throws(() => matmul(gpu, a, b), (e: Error) => e instanceof ShapeError && /matmul.*a\[2,3\].*b\[4,5\]/.test(e.message));
  assert.throws(() => matmul(gpu, a, a, { transB: true, bias }), (e: Error) => e instanceof ShapeError && /matmul.*bias\[3\]/.test(e.message));
  assert.throws(() => denseForward(gpu, a, b, null), (e: Error) => e instanceof ShapeError && /dense.*x\[2,3\].*w\[4,5\]/.test(e.message));
  const dy = GpuTensor.zeros(gpu, [2, 4]);
  const w = GpuTensor.zeros(gpu, [3, 5]);
  assert.throws(() => denseBackward(gpu, a, w, dy, { input: true, weight: true, bias: true }), (e: Error) => e instanceof ShapeError && /dense backward.*dy\[2,4\]/.test(e.message));
  for (const t of [a, b, bias, dy, w]) t.release();
});

test.run();
