// The device layer's promises: requests past the adapter's limits fail with a GpuLimitError that names the op
// and the sizes (never a silent zero), a broken shader is reported as itself, a wrong adapter choice is one
// clear error, the wait policy follows the adapter unless GRAFT_WAIT sets it, and an unknown GRAFT_WAIT or
// GRAFT_CONV is one clear error too.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { testGpu } from './helpers/gpu.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { GpuLimitError, GpuValidationError } from '../src/gpu/errors.ts';
import { packParams } from '../src/kernels/params.ts';
import { adapterWaitPolicy, waitPolicy } from '../src/gpu/wait.ts';

test('a tensor larger than maxBufferSize is refused before anything is allocated', async () => {
  const gpu = await testGpu();
  const elements = Math.floor(gpu.limits.maxBufferSize / 4) + 1;
  assert.throws(
    () => GpuTensor.empty(gpu, [elements], 'f32', 'huge'),
    (e: Error) => e instanceof GpuLimitError && /huge: a buffer of .* exceeds this adapter's maxBufferSize/.test(e.message),
  );
});

test('a binding past maxStorageBufferBindingSize names the kernel and shapes', async () => {
  const gpu = await testGpu();
  const elements = gpu.limits.maxStorageBufferBindingSize / 4 + 1024;
  const x = GpuTensor.empty(gpu, [elements]);
  // A kernel bound straight to the whole tensor (reluForward itself would split it into windows that fit).
  const kernel = gpu.pipelines.get('relu', { WG: 256 });
  assert.throws(
    () => gpu.batcher.dispatch({ kernel, what: `relu x[${elements}]`, params: packParams([['u32', elements]]), buffers: [x.binding, x.binding], workgroups: [1] }),
    (e: Error) => e instanceof GpuLimitError && new RegExp(`relu x\\[${elements}\\].*maxStorageBufferBindingSize`).test(e.message),
  );
  x.release();
});

test('more workgroups than the adapter allows per dimension is refused', async () => {
  const gpu = await testGpu();
  const y = GpuTensor.empty(gpu, [4]);
  const kernel = gpu.pipelines.get('relu', { WG: 256 });
  const tooMany = (gpu.limits.maxComputeWorkgroupsPerDimension ?? 65535) + 1;
  assert.throws(
    () => gpu.batcher.dispatch({ kernel, what: 'relu x[4]', params: packParams([['u32', 4]]), buffers: [y.binding, y.binding], workgroups: [tooMany] }),
    (e: Error) => e instanceof GpuLimitError && /relu x\[4\]: needs \d+x1x1 workgroups/.test(e.message),
  );
  y.release();
});

test('a shader that does not compile is reported with its name and the compiler message', async () => {
  const gpu = await testGpu();
  const code = `struct Params { n: u32 }
@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> out: array<f32>;
@compute @workgroup_size(1) fn main() { out[0] = undefined_thing; }`;
  const kernel = gpu.pipelines.fromCode('broken_on_purpose', code);
  const t = GpuTensor.zeros(gpu, [1]);
  let error: unknown;
  try {
    gpu.batcher.dispatch({ kernel, what: 'broken_on_purpose t[1]', params: packParams([['u32', 1]]), buffers: [t.binding], workgroups: [1] });
    await gpu.sync();
  } catch (e) {
    error = e;
  }
  assert.ok(error instanceof GpuValidationError, `expected a GpuValidationError, got ${error}`);
  assert.match((error as Error).message, /broken_on_purpose/);
  assert.match((error as Error).message, /undefined_thing/);
  t.release();
});

test('GRAFT_ADAPTER naming an adapter that is not there is one clear error', () => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "import('./src/gpu/device.ts').then(m => m.getGpu()).catch(e => { console.error(e.message); process.exit(3); })"], {
    encoding: 'utf8',
    env: { ...process.env, GRAFT_ADAPTER: 'no-such-gpu-xyz' },
  });
  assert.is(r.status, 3, r.stderr);
  assert.match(r.stderr, /GRAFT_ADAPTER='no-such-gpu-xyz' does not match the adapter found/);
});

test('waits are polite on a software adapter and spin on a GPU, unless GRAFT_WAIT chooses', async () => {
  assert.is(adapterWaitPolicy({ isSoftware: true }), 'polite');
  assert.is(adapterWaitPolicy({ isSoftware: false }), 'spin');
  const gpu = await testGpu();
  if (!process.env.GRAFT_WAIT) assert.is(waitPolicy(), adapterWaitPolicy(gpu.adapter));
  // In a child process, GRAFT_WAIT set to the policy this adapter would not take wins over the adapter's.
  const other = adapterWaitPolicy(gpu.adapter) === 'spin' ? 'polite' : 'spin';
  const script =
    "const d = await import('./src/gpu/device.ts'); const w = await import('./src/gpu/wait.ts'); " +
    'await d.getGpu({ quiet: true }); console.log(w.waitPolicy()); process.exit(0);';
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    env: { ...process.env, GRAFT_WAIT: other },
  });
  assert.is(r.status, 0, r.stderr);
  assert.is(r.stdout.trim(), other);
});

test('GRAFT_WAIT and GRAFT_CONV with an unknown value are refused with the accepted ones', () => {
  const load = (env: Record<string, string>) =>
    // the modules that read them: the device layer (GRAFT_WAIT, in wait.ts) and the conv kernels (GRAFT_CONV)
    spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e',
      "await import('./src/gpu/device.ts'); await import('./src/kernels/conv2d.ts')"], {
      encoding: 'utf8',
      env: { ...process.env, ...env },
    });
  let r = load({ GRAFT_WAIT: 'sleep' });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /GRAFT_WAIT='sleep': expected 'polite' or 'spin'/);
  r = load({ GRAFT_CONV: 'fft' });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /GRAFT_CONV='fft': expected 'auto' \(the default\), 'winograd', 'gemm', 'direct' or 'storage'/);
  r = load({ GRAFT_CONV: 'GEMM', GRAFT_WAIT: 'Spin' });
  assert.is(r.status, 0, r.stderr);
});

test.run();
