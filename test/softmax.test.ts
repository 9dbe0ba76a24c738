// Softmax and log-softmax over the last axis, forward and backward, on the GPU against float64 references whose
// backwards are first checked by central finite differences. Class counts 1, 19 and 1000, any rank, huge logits
// (numerical stability), and the chunked path for tensors past one binding.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { softmax, softmaxBackward, logSoftmax, logSoftmaxBackward } from '../src/kernels/softmax.ts';
import { setBindingLimitForTests } from '../src/kernels/windows.ts';
import { Rng } from '../src/util/rng.ts';
import { softmaxRef, logSoftmaxRef, softmaxBackwardRef, logSoftmaxBackwardRef } from './reference/softmax.ts';
import { numericGrad, dotWith } from './reference/matmul.ts';

const rng = new Rng(11);
const f64 = (a: ArrayLike<number>) => Float64Array.from(a);

test('reference: softmax and log-softmax backwards match finite differences', () => {
  for (const [rows, cols] of [[1, 1], [2, 5], [3, 19]]) {
    const x = f64(rng.uniformArray(rows * cols, -3, 3));
    const dy = f64(rng.uniformArray(rows * cols));
    const tol = { atol: 1e-7, rtol: 1e-6 };
    const y = softmaxRef(x, rows, cols);
    assertClose(softmaxBackwardRef(y, dy, rows, cols), numericGrad((xv) => dotWith(softmaxRef(xv, rows, cols), dy), x), tol, 'ref softmax');
    const ly = logSoftmaxRef(x, rows, cols);
    assertClose(logSoftmaxBackwardRef(ly, dy, rows, cols), numericGrad((xv) => dotWith(logSoftmaxRef(xv, rows, cols), dy), x), tol, 'ref log_softmax');
  }
});

async function check(shape: number[], lo: number, hi: number): Promise<void> {
  const gpu = await testGpu();
  const cols = shape[shape.length - 1];
  const n = shape.reduce((a, b) => a * b, 1);
  const rows = n / cols;
  const x = rng.uniformArray(n, lo, hi);
  const dy = rng.uniformArray(n);
  const xt = GpuTensor.from(gpu, shape, x);
  const dyt = GpuTensor.from(gpu, shape, dy);
  const y = softmax(gpu, xt);
  const ly = logSoftmax(gpu, xt);
  assert.equal(y.shape, shape);
  const yRef = softmaxRef(x, rows, cols);
  const lyRef = logSoftmaxRef(x, rows, cols);
  const yGot = await y.read();
  const lyGot = await ly.read();
  assert.ok(yGot.every(Number.isFinite) && lyGot.every(Number.isFinite), `finite outputs for ${shape} in [${lo}, ${hi})`);
  assertClose(yGot, yRef, { atol: 1e-6, rtol: 1e-4 }, `softmax ${shape}`);
  // Log-probabilities are compared absolutely: their error is that of the shift, a few ulps of the logits.
  assertClose(lyGot, lyRef, { atol: 2e-6 * Math.max(1, Math.abs(hi), Math.abs(lo)) * Math.log2(cols + 1), rtol: 1e-5 }, `log_softmax ${shape}`);
  // Backwards from the GPU's own forward outputs, as autodiff would run them.
  const dx = softmaxBackward(gpu, y, dyt);
  const ldx = logSoftmaxBackward(gpu, ly, dyt);
  assertClose(await dx.read(), softmaxBackwardRef(yGot, dy, rows, cols), { atol: 1e-5, rtol: 1e-4 }, `softmax backward ${shape}`);
  assertClose(await ldx.read(), logSoftmaxBackwardRef(lyGot, dy, rows, cols), { atol: 1e-5 * Math.sqrt(cols), rtol: 1e-4 }, `log_softmax backward ${shape}`);
  for (const t of [xt, dyt, y, ly, dx, ldx]) t.release();
}

test('softmax and log-softmax match the reference for C = 1, 19, 1000 and any rank', async () => {
  for (const shape of [[4, 1], [20, 19], [3, 1000], [2, 3, 5, 19], [19], [130, 7]]) await check(shape, -4, 4);
});

test('softmax is stable for huge logits (1000, -1000, spread of 2000)', async () => {
  await check([5, 19], 995, 1005);
  await check([5, 19], -1005, -995);
  await check([3, 1000], -1000, 1000);
  const gpu = await testGpu();
  const xt = GpuTensor.from(gpu, [1, 3], [1000, 0, -1000]);
  const y = softmax(gpu, xt);
  const ly = logSoftmax(gpu, xt);
  assertClose(await y.read(), [1, 0, 0], { atol: 1e-7 }, 'saturated softmax');
  assertClose(await ly.read(), [0, -1000, -2000], { atol: 1e-3, rtol: 1e-6 }, 'saturated log_softmax keeps the exact log-probabilities');
  for (const t of [xt, y, ly]) t.release();
});

test('softmax over rows chunked past the binding limit', async () => {
  setBindingLimitForTests(4096);
  try {
    await check([300, 19], -4, 4);
    await check([6, 700], -4, 4); // one row per chunk
  } finally {
    setBindingLimitForTests(null);
  }
});

test('softmax backward refuses mismatched shapes, naming them', async () => {
  const gpu = await testGpu();
  const y = GpuTensor.zeros(gpu, [2, 3]);
  const dy = GpuTensor.zeros(gpu, [3, 2]);
  assert.throws(() => softmaxBackward(gpu, y, dy), (e: Error) => e instanceof ShapeError && /softmax backward.*y\[2,3\].*dy\[3,2\]/.test(e.message));
  assert.throws(() => logSoftmaxBackward(gpu, y, dy), (e: Error) => e instanceof ShapeError && /log_softmax backward.*y\[2,3\].*dy\[3,2\]/.test(e.message));
  y.release();
  dy.release();
});

test.run();
