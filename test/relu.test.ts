// ReLU forward and backward on the GPU against a float64 CPU reference.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { reluForward, reluBackward } from '../src/kernels/relu.ts';
import { Rng } from '../src/util/rng.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { setBindingLimitForTests } from '../src/kernels/windows.ts';

test('relu forward and backward match the CPU reference', async () => {
  const gpu = await testGpu();
  const rng = new Rng(1);
  for (const shape of [[1], [7, 5], [2, 13, 11, 3], [70001]]) {
    const n = shape.reduce((a, b) => a * b, 1);
    const x = rng.uniformArray(n);
    const dy = rng.uniformArray(n);
    const xt = GpuTensor.from(gpu, shape, x);
    const dyt = GpuTensor.from(gpu, shape, dy);
    const yt = reluForward(gpu, xt);
    const dxt = reluBackward(gpu, yt, dyt);
    assertClose(await yt.read(), Array.from(x, (v) => Math.max(v, 0)), {}, `relu ${shape}`);
    assertClose(await dxt.read(), Array.from(x, (v, i) => (v > 0 ? dy[i] : 0)), {}, `relu backward ${shape}`);
    for (const t of [xt, dyt, yt, dxt]) t.release();
  }
});

test('relu runs a tensor larger than one binding in windows, every element right', async () => {
  const gpu = await testGpu();
  const rng = new Rng(2);
  const n = 5000; // with 4 KiB bindings: windows of 960 elements (1024 less the alignment margin), the last partial
  const x = rng.uniformArray(n);
  const dy = rng.uniformArray(n);
  const xt = GpuTensor.from(gpu, [n], x);
  const dyt = GpuTensor.from(gpu, [n], dy);
  setBindingLimitForTests(4096);
  try {
    const yt = reluForward(gpu, xt);
    const dxt = reluBackward(gpu, yt, dyt);
    // exact: ReLU only copies or zeroes, so any element a window missed or wrote twice shows
    assert.equal(Array.from(await yt.read()), Array.from(x, (v) => Math.max(v, 0)));
    assert.equal(Array.from(await dxt.read()), Array.from(x, (v, i) => (v > 0 ? dy[i] : 0)));
    yt.release();
    dxt.release();
  } finally {
    setBindingLimitForTests(null);
    xt.release();
    dyt.release();
  }
});

test('relu backward refuses mismatched shapes, naming them', async () => {
  const gpu = await testGpu();
  const y = GpuTensor.zeros(gpu, [2, 3]);
  const dy = GpuTensor.zeros(gpu, [3, 2]);
  assert.throws(() => reluBackward(gpu, y, dy), (e: Error) => e instanceof ShapeError && /y\[2,3\].*dy\[3,2\]/.test(e.message));
  y.release();
  dy.release();
});

test.run();
