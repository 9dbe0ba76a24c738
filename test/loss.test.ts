// Fused softmax cross-entropy (mean over the batch) and its backward on the GPU against a float64 reference
// built from log-softmax, whose gradient is first checked by central finite differences. Huge logits,
// an upstream gradient, out-of-range labels (NaN loss, no out-of-bounds read), and the chunked path.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { softmaxCrossEntropy, softmaxCrossEntropyBackward } from '../src/kernels/loss.ts';
import { setBindingLimitForTests } from '../src/kernels/windows.ts';
import { Rng } from '../src/util/rng.ts';
import { softmaxCrossEntropyRef, softmaxCrossEntropyBackwardRef } from './reference/loss.ts';
import { numericGrad } from './reference/matmul.ts';

const rng = new Rng(5);
const labelsFor = (rows: number, cols: number) => Int32Array.from({ length: rows }, () => rng.int(cols));

test('reference: cross-entropy gradient matches finite differences', () => {
  for (const [rows, cols] of [[1, 1], [4, 3], [3, 19]]) {
    const x = Float64Array.from(rng.uniformArray(rows * cols, -3, 3));
    const labels = labelsFor(rows, cols);
    const dloss = 0.7;
    const { probs } = softmaxCrossEntropyRef(x, labels, rows, cols);
    const analytic = softmaxCrossEntropyBackwardRef(probs, labels, rows, cols, dloss);
    const numeric = numericGrad((xv) => dloss * softmaxCrossEntropyRef(xv, labels, rows, cols).loss, x);
    assertClose(analytic, numeric, { atol: 1e-7, rtol: 1e-6 }, `ref ${rows}x${cols}`);
  }
});

async function check(rows: number, cols: number, lo: number, hi: number, dlossValue: number | null): Promise<void> {
  const gpu = await testGpu();
  const x = rng.uniformArray(rows * cols, lo, hi);
  const labels = labelsFor(rows, cols);
  const xt = GpuTensor.from(gpu, [rows, cols], x);
  const lt = GpuTensor.from(gpu, [rows], labels, 'i32');
  const dl = dlossValue === null ? null : GpuTensor.from(gpu, [1], [dlossValue]);
  const { loss, probs } = softmaxCrossEntropy(gpu, xt, lt);
  assert.equal(loss.shape, [1]);
  assert.equal(probs.shape, [rows, cols]);
  const ref = softmaxCrossEntropyRef(x, labels, rows, cols);
  const what = `${rows}x${cols} logits in [${lo}, ${hi}) dloss ${dlossValue}`;
  assertClose(await loss.read(), [ref.loss], { atol: 1e-5 * Math.max(1, Math.abs(lo), Math.abs(hi)), rtol: 1e-5 }, `loss ${what}`);
  assertClose(await probs.read(), ref.probs, { atol: 1e-6, rtol: 1e-4 }, `probs ${what}`);
  const d = softmaxCrossEntropyBackward(gpu, probs, lt, dl);
  assertClose(await d.read(), softmaxCrossEntropyBackwardRef(ref.probs, labels, rows, cols, dlossValue ?? 1), { atol: 1e-6, rtol: 1e-4 }, `dlogits ${what}`);
  for (const t of [xt, lt, dl, loss, probs, d]) t?.release();
}

test('softmax cross-entropy matches the reference (C = 1, 19, 1000; with and without dloss)', async () => {
  await check(20, 19, -5, 5, null);
  await check(1, 1, -5, 5, 2);
  await check(7, 1000, -5, 5, -0.5);
  await check(130, 3, -5, 5, null);
});

test('softmax cross-entropy is stable for logits around 1000 and spread over 2000', async () => {
  await check(20, 19, 995, 1005, null);
  await check(4, 1000, -1000, 1000, 1.5);
  const gpu = await testGpu();
  // The labelled class far below the others: the true loss is 2000, not log(0) = infinity.
  const xt = GpuTensor.from(gpu, [1, 2], [1000, -1000]);
  const lt = GpuTensor.from(gpu, [1], [1], 'i32');
  const { loss, probs } = softmaxCrossEntropy(gpu, xt, lt);
  assertClose(await loss.read(), [2000], { rtol: 1e-6 }, 'loss of a confidently wrong prediction');
  for (const t of [xt, lt, loss, probs]) t.release();
});

test('out-of-range labels give a NaN loss and touch no other row', async () => {
  const gpu = await testGpu();
  const x = rng.uniformArray(3 * 4);
  const xt = GpuTensor.from(gpu, [3, 4], x);
  const lt = GpuTensor.from(gpu, [3], [1, 4, -1], 'i32');
  const { loss, probs } = softmaxCrossEntropy(gpu, xt, lt);
  assert.ok(Number.isNaN((await loss.read())[0]), 'a bad label must make the loss NaN');
  const ref = softmaxCrossEntropyRef(x, [1, 0, 0], 3, 4);
  assertClose(await probs.read(), ref.probs, { atol: 1e-6 }, 'probs are still computed');
  const d = await softmaxCrossEntropyBackward(gpu, probs, lt, null).read();
  // Row 0 has a valid label; rows 1 and 2 match no class.
  const want = Float64Array.from(ref.probs, (p, i) => (p - (i === 1 ? 1 : 0)) / 3);
  assertClose(d, want, { atol: 1e-6 }, 'dlogits with bad labels');
  for (const t of [xt, lt, loss, probs]) t.release();
});

test('softmax cross-entropy chunked past the binding limit', async () => {
  setBindingLimitForTests(4096);
  try {
    await check(300, 19, -5, 5, 0.5);
    await check(6, 700, -5, 5, null);
  } finally {
    setBindingLimitForTests(null);
  }
});

test('shape errors name the op and the shapes', async () => {
  const gpu = await testGpu();
  const x = GpuTensor.zeros(gpu, [4, 3]);
  const l = GpuTensor.zeros(gpu, [5], 'i32');
  const lf = GpuTensor.zeros(gpu, [4]);
  assert.throws(() => softmaxCrossEntropy(gpu, x, l), (e: Error) => e instanceof ShapeError && /softmax cross-entropy.*logits\[4,3\].*labels\[5\]/.test(e.message));
  assert.throws(() => softmaxCrossEntropy(gpu, x, lf as unknown as GpuTensor<'i32'>), (e: Error) => e instanceof ShapeError && /i32 labels/.test(e.message));
  assert.throws(() => softmaxCrossEntropyBackward(gpu, x, l, null), (e: Error) => e instanceof ShapeError && /backward.*probs\[4,3\].*labels\[5\]/.test(e.message));
  for (const t of [x, l, lf]) t.release();
});

test.run();
