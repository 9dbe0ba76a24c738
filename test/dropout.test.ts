// Inverted dropout on the GPU: the keep rate is checked statistically (within 5 standard deviations of the
// binomial), kept elements are scaled by 1/(1-rate), the same seed gives the same mask (also across chunking),
// another seed another mask, inference is the identity, and the backward is dy * mask.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { dropoutForward, dropoutBackward } from '../src/kernels/dropout.ts';
import { setBindingLimitForTests } from '../src/kernels/windows.ts';
import { Rng } from '../src/util/rng.ts';
import { applyMaskRef, maskValues } from './reference/dropout.ts';

const rng = new Rng(9);

test('training: keep rate, mask values, y = x * mask, backward = dy * mask', async () => {
  const gpu = await testGpu();
  for (const [rate, shape] of [[0.5, [20, 512]], [0.1, [7, 33]], [0.9, [100000]], [0, [13]]] as const) {
    const n = shape.reduce((a: number, b: number) => a * b, 1);
    const x = rng.uniformArray(n);
    const dy = rng.uniformArray(n);
    const xt = GpuTensor.from(gpu, shape, x);
    const dyt = GpuTensor.from(gpu, shape, dy);
    const { y, mask } = dropoutForward(gpu, xt, rate, 1234, true);
    assert.ok(mask, 'training returns a mask');
    const m = (await mask.read()) as Float32Array;
    const [dropped, kept] = maskValues(rate);
    assert.ok(m.every((v) => v === dropped || Math.abs(v - kept) <= 1e-6 * kept), `mask holds only 0 and 1/(1-rate) for rate ${rate}`);
    const keptCount = m.reduce((s, v) => s + (v !== 0 ? 1 : 0), 0);
    const sd = Math.sqrt(n * rate * (1 - rate));
    assert.ok(Math.abs(keptCount - n * (1 - rate)) <= 5 * sd + 1e-9, `rate ${rate}: kept ${keptCount} of ${n}, expected ${n * (1 - rate)} +- ${5 * sd}`);
    assertClose(await y.read(), applyMaskRef(x, m), {}, `y rate ${rate}`);
    const dx = dropoutBackward(gpu, dyt, mask);
    assertClose(await dx.read(), applyMaskRef(dy, m), {}, `dx rate ${rate}`);
    for (const t of [xt, dyt, y, mask, dx]) t.release();
  }
});

test('masks: same seed same mask (also when chunked), other seed other mask, no pattern between halves', async () => {
  const gpu = await testGpu();
  const n = 4096;
  const xt = GpuTensor.from(gpu, [n], new Float32Array(n).fill(1));
  const draw = async (seed: number) => {
    const { y, mask } = dropoutForward(gpu, xt, 0.5, seed, true);
    const m = (await mask!.read()) as Float32Array;
    y.release();
    mask!.release();
    return m;
  };
  const a = await draw(42);
  const b = await draw(42);
  const c = await draw(43);
  assert.equal(Array.from(a), Array.from(b), 'same seed, same mask');
  setBindingLimitForTests(4096);
  try {
    assert.equal(Array.from(await draw(42)), Array.from(a), 'the mask does not depend on chunking');
  } finally {
    setBindingLimitForTests(null);
  }
  const agree = (p: Float32Array, q: Float32Array) => p.reduce((s, v, i) => s + (v === q[i] ? 1 : 0), 0) / p.length;
  // Independent masks at rate 0.5 agree on about half the elements; identical or complementary ones on 1 or 0.
  const sd = 0.5 / Math.sqrt(n);
  assert.ok(Math.abs(agree(a, c) - 0.5) < 5 * sd, `seeds 42 and 43 agree on ${agree(a, c)}`);
  assert.ok(Math.abs(agree(a.subarray(0, n / 2), a.subarray(n / 2)) - 0.5) < 5 * sd * Math.SQRT2, 'the two halves of one mask are unrelated');
  xt.release();
});

test('inference is the identity and returns no mask', async () => {
  const gpu = await testGpu();
  const x = rng.uniformArray(37);
  const xt = GpuTensor.from(gpu, [37], x);
  const { y, mask } = dropoutForward(gpu, xt, 0.5, 1, false);
  assert.is(mask, null);
  assert.ok(y !== xt, 'a new tensor the caller owns');
  assertClose(await y.read(), x, { atol: 0 }, 'inference');
  xt.release();
  y.release();
});

test('bad rates and mismatched shapes are refused', async () => {
  const gpu = await testGpu();
  const x = GpuTensor.zeros(gpu, [4]);
  const m = GpuTensor.zeros(gpu, [5]);
  assert.throws(() => dropoutForward(gpu, x, 1, 0, true), /rate must be in \[0, 1\)/);
  assert.throws(() => dropoutForward(gpu, x, -0.1, 0, true), /rate/);
  assert.throws(() => dropoutBackward(gpu, x, m), (e: Error) => e instanceof ShapeError && /dropout backward.*dy\[4\].*mask\[5\]/.test(e.message));
  x.release();
  m.release();
});

test.run();
