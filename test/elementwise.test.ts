// Elementwise add, scale, in-place axpy and fill on the GPU against float64 references, over odd sizes, a size
// past one 256-thread workgroup grid row, and the chunked path for tensors past one binding.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { add, scale, axpyInPlace, fill } from '../src/kernels/elementwise.ts';
import { setBindingLimitForTests } from '../src/kernels/windows.ts';
import { Rng } from '../src/util/rng.ts';
import { addRef, scaleRef, axpyRef } from './reference/elementwise.ts';

const rng = new Rng(3);

async function checkAll(shape: number[]): Promise<void> {
  const gpu = await testGpu();
  const n = shape.reduce((a, b) => a * b, 1);
  const a = rng.uniformArray(n);
  const b = rng.uniformArray(n);
  const at = GpuTensor.from(gpu, shape, a);
  const bt = GpuTensor.from(gpu, shape, b);
  const sum = add(gpu, at, bt);
  assert.equal(sum.shape, shape);
  assertClose(await sum.read(), addRef(a, b), {}, `add ${shape}`);
  const scaled = scale(gpu, at, -2.5);
  assertClose(await scaled.read(), scaleRef(a, -2.5), {}, `scale ${shape}`);
  // Accumulating twice, as two gradient contributions would be.
  axpyInPlace(gpu, at, bt, 0.5);
  axpyInPlace(gpu, at, bt, -3);
  assertClose(await at.read(), axpyRef(axpyRef(a, b, 0.5), b, -3), {}, `axpy ${shape}`);
  fill(gpu, bt, 1.25);
  assertClose(await bt.read(), new Float64Array(n).fill(1.25), { atol: 0 }, `fill ${shape}`);
  for (const t of [at, bt, sum, scaled]) t.release();
}

test('add, scale, axpy and fill match the reference', async () => {
  for (const shape of [[1], [7], [3, 33], [2, 5, 5, 19], [70001]]) await checkAll(shape);
});

test('elementwise ops chunked past the binding limit', async () => {
  setBindingLimitForTests(4096);
  try {
    await checkAll([3001]);
    await checkAll([7, 130]);
  } finally {
    setBindingLimitForTests(null);
  }
});

test('fill writes integer tensors exactly and refuses values their dtype cannot hold', async () => {
  const gpu = await testGpu();
  const it = GpuTensor.zeros(gpu, [5], 'i32');
  fill(gpu, it, -7);
  assert.equal(Array.from(await it.read()), [-7, -7, -7, -7, -7]);
  const ut = GpuTensor.zeros(gpu, [3], 'u32');
  fill(gpu, ut, 4000000000);
  assert.equal(Array.from(await ut.read()), [4000000000, 4000000000, 4000000000]);
  assert.throws(() => fill(gpu, it, 0.5), /not a valid i32/);
  assert.throws(() => fill(gpu, ut, -1), /not a valid u32/);
  it.release();
  ut.release();
});

test('shape errors name the op and both shapes', async () => {
  const gpu = await testGpu();
  const a = GpuTensor.zeros(gpu, [2, 3]);
  const b = GpuTensor.zeros(gpu, [3, 2]);
  assert.throws(() => add(gpu, a, b), (e: Error) => e instanceof ShapeError && /add.*a\[2,3\].*b\[3,2\]/.test(e.message));
  assert.throws(() => axpyInPlace(gpu, a, b, 1), (e: Error) => e instanceof ShapeError && /axpy.*y\[2,3\].*x\[3,2\]/.test(e.message));
  a.release();
  b.release();
});

test.run();
