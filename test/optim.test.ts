// SGD (plain, momentum, Nesterov, weight decay) and Adam / AdamW steps on the GPU against float64 references of
// PyTorch's algorithms, over several iterations with changing gradients, plus the chunked path.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelRuns, testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { sgdStep, adamStep, type SgdOptions, type AdamOptions } from '../src/kernels/optim.ts';
import { setBindingLimitForTests } from '../src/kernels/windows.ts';
import { Rng } from '../src/util/rng.ts';
import { sgdRef, adamRef } from './reference/optim.ts';

const rng = new Rng(21);
const STEPS = 6;

async function checkSgd(n: number, o: SgdOptions, withVelocity: boolean): Promise<void> {
  const gpu = await testGpu();
  const p0 = rng.uniformArray(n);
  const p = Float64Array.from(p0);
  const v = withVelocity ? new Float64Array(n) : null;
  const pt = GpuTensor.from(gpu, [n], p0);
  const vt = withVelocity ? GpuTensor.zeros(gpu, [n]) : null;
  for (let step = 0; step < STEPS; step++) {
    const g = rng.uniformArray(n);
    const gt = GpuTensor.from(gpu, [n], g);
    sgdStep(gpu, pt, gt, vt, o);
    sgdRef(p, g, v, o, step === 0);
    gt.release();
  }
  const what = `sgd n${n} ${JSON.stringify(o)}`;
  assertClose(await pt.read(), p, { atol: 1e-6, rtol: 1e-5 }, what);
  if (vt && o.momentum !== 0) assertClose(await vt.read(), v!, { atol: 1e-6, rtol: 1e-5 }, `${what} velocity`);
  pt.release();
  vt?.release();
}

async function checkAdam(n: number, o: AdamOptions): Promise<void> {
  const gpu = await testGpu();
  const p0 = rng.uniformArray(n);
  const [p, m, v] = [Float64Array.from(p0), new Float64Array(n), new Float64Array(n)];
  const pt = GpuTensor.from(gpu, [n], p0);
  const [mt, vt] = [GpuTensor.zeros(gpu, [n]), GpuTensor.zeros(gpu, [n])];
  for (let t = 1; t <= STEPS; t++) {
    const g = rng.uniformArray(n, -0.1 * t, 0.1 * t);
    const gt = GpuTensor.from(gpu, [n], g);
    adamStep(gpu, pt, gt, mt, vt, t, o);
    adamRef(p, g, m, v, t, o);
    gt.release();
  }
  const what = `adam n${n} ${JSON.stringify(o)}`;
  assertClose(await pt.read(), p, { atol: 2e-6, rtol: 1e-5 }, what);
  assertClose(await mt.read(), m, { atol: 1e-7, rtol: 1e-5 }, `${what} m`);
  assertClose(await vt.read(), v, { atol: 1e-9, rtol: 1e-4 }, `${what} v`);
  for (const t of [pt, mt, vt]) t.release();
}

test('sgd matches PyTorch semantics over several steps', async () => {
  // sizes that are multiples of 4 take sgd_vec4.wgsl, the others sgd.wgsl: every option on both
  const gpu = await testGpu();
  const vec4Runs = () => kernelRuns(gpu, 'sgd_vec4');
  const before = vec4Runs();
  await checkSgd(33, { lr: 0.1, momentum: 0 }, false);
  await checkSgd(7, { lr: 0.05, momentum: 0.9, nesterov: true }, true);
  await checkSgd(130, { lr: 0.01, momentum: 0.5, weightDecay: 0.1 }, true);
  await checkSgd(19, { lr: 0.01, momentum: 0, weightDecay: 0.01 }, true); // a velocity given without momentum is left alone
  assert.is(vec4Runs() - before, 0, 'sizes not a multiple of 4: one float per invocation');
  await checkSgd(1000, { lr: 0.05, momentum: 0.9 }, true);
  await checkSgd(32, { lr: 0.1, momentum: 0 }, false);
  await checkSgd(8, { lr: 0.05, momentum: 0.9, nesterov: true }, true);
  await checkSgd(132, { lr: 0.01, momentum: 0.5, weightDecay: 0.1 }, true);
  await checkSgd(20, { lr: 0.01, momentum: 0, weightDecay: 0.01 }, true);
  assert.is(vec4Runs() - before, 5 * STEPS, 'multiples of 4: four per invocation');
});

test('adam and adamw match PyTorch semantics over several steps', async () => {
  // sizes that are multiples of 4 take adam_vec4.wgsl, the others adam.wgsl: every option on both
  const gpu = await testGpu();
  const vec4Runs = () => kernelRuns(gpu, 'adam_vec4');
  const before = vec4Runs();
  await checkAdam(999, { lr: 1e-3 });
  await checkAdam(7, { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6 });
  await checkAdam(33, { lr: 1e-2, weightDecay: 0.1 });
  await checkAdam(33, { lr: 1e-2, weightDecay: 0.1, decoupled: true });
  assert.is(vec4Runs() - before, 0, 'sizes not a multiple of 4: one float per invocation');
  await checkAdam(1000, { lr: 1e-3 });
  await checkAdam(8, { lr: 1e-2, beta1: 0.8, beta2: 0.99, eps: 1e-6 });
  await checkAdam(36, { lr: 1e-2, weightDecay: 0.1 });
  await checkAdam(36, { lr: 1e-2, weightDecay: 0.1, decoupled: true });
  assert.is(vec4Runs() - before, 4 * STEPS, 'multiples of 4: four per invocation');
});

test('optimizer steps chunked past the binding limit', async () => {
  setBindingLimitForTests(4096);
  try {
    await checkSgd(3001, { lr: 0.05, momentum: 0.9, nesterov: true }, true);
    await checkSgd(3004, { lr: 0.05, momentum: 0.9, nesterov: true }, true); // vec4, in chunks
    await checkAdam(3001, { lr: 1e-2, weightDecay: 0.01, decoupled: true });
    await checkAdam(3004, { lr: 1e-2, weightDecay: 0.01, decoupled: true }); // vec4, in chunks
  } finally {
    setBindingLimitForTests(null);
  }
});

test('bad arguments are refused, naming the shapes', async () => {
  const gpu = await testGpu();
  const p = GpuTensor.zeros(gpu, [4]);
  const g = GpuTensor.zeros(gpu, [5]);
  const ok = GpuTensor.zeros(gpu, [4]);
  assert.throws(() => sgdStep(gpu, p, g, null, { lr: 1, momentum: 0 }), (e: Error) => e instanceof ShapeError && /sgd.*param\[4\].*grad\[5\]/.test(e.message));
  assert.throws(() => sgdStep(gpu, p, ok, null, { lr: 1, momentum: 0.9 }), /needs a velocity/);
  assert.throws(() => adamStep(gpu, p, g, ok, ok, 1, { lr: 1 }), (e: Error) => e instanceof ShapeError && /adam.*param\[4\].*grad\[5\]/.test(e.message));
  assert.throws(() => adamStep(gpu, p, ok, ok, ok, 0, { lr: 1 }), /1-based/);
  for (const t of [p, g, ok]) t.release();
});

test.run();
