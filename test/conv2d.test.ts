// 2-D convolution forward and gradients on the GPU against the float64 CPU reference (test/reference/conv2d.ts),
// whose own gradients are first checked by central finite differences. Every shape runs twice: with the fast
// kernels the dispatcher picks, and with the plain ones forced, so both stay correct.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { Rng } from '../src/util/rng.ts';
import {
  conv2dForward, conv2dGradInput, conv2dGradWeight, conv2dGradBias, conv2dOutputShape, setConv2dPath,
  type Conv2dOptions,
} from '../src/kernels/conv2d.ts';
import {
  conv2dRef, conv2dGradInputRef, conv2dGradWeightRef, conv2dGradBiasRef,
} from './reference/conv2d.ts';

type Pad = [number, number, number, number];

test('reference gradients match central finite differences', () => {
  const rng = new Rng(7);
  const cases: Array<{ x: number[]; w: number[]; o: Conv2dOptions }> = [
    { x: [2, 5, 4, 3], w: [3, 2, 3, 2], o: { stride: [1, 1], pad: [1, 0, 2, 1] } },
    { x: [1, 6, 7, 2], w: [3, 3, 2, 3], o: { stride: [2, 3], pad: [0, 1, 1, 2] } },
  ];
  for (const { x: xs, w: ws, o } of cases) {
    const x = Float64Array.from(rng.uniformArray(xs.reduce((a, b) => a * b)));
    const w = Float64Array.from(rng.uniformArray(ws.reduce((a, b) => a * b)));
    const b = Float64Array.from(rng.uniformArray(ws[3]));
    const ys = conv2dOutputShape(xs, ws, o);
    const g = Float64Array.from(rng.uniformArray(ys.reduce((a, c) => a * c))); // dL/dy for L = sum(y * g)
    const loss = () => conv2dRef(x, xs, w, ws, b, o).reduce((s, v, i) => s + v * g[i], 0);
    const numeric = (arr: Float64Array, i: number) => {
      const h = 1e-5;
      const keep = arr[i];
      arr[i] = keep + h;
      const up = loss();
      arr[i] = keep - h;
      const down = loss();
      arr[i] = keep;
      return (up - down) / (2 * h);
    };
    const dx = conv2dGradInputRef(g, w, xs, ws, o);
    const dw = conv2dGradWeightRef(x, g, xs, ws, o);
    const db = conv2dGradBiasRef(g, ws[3]);
    for (let i = 0; i < x.length; i++) assert.ok(Math.abs(numeric(x, i) - dx[i]) < 1e-6, `dx[${i}] ${xs}`);
    for (let i = 0; i < w.length; i++) assert.ok(Math.abs(numeric(w, i) - dw[i]) < 1e-6, `dw[${i}] ${ws}`);
    for (let i = 0; i < b.length; i++) assert.ok(Math.abs(numeric(b, i) - db[i]) < 1e-6, `db[${i}]`);
  }
});

interface Case {
  x: number[];
  w: number[];
  stride: [number, number];
  pad: Pad;
  relu: boolean;
  bias: boolean;
}

const CASES: Case[] = [
  // RGB first layer (Cin 3): the small-channel forward path, per-lane taps in grad weight
  { x: [2, 9, 7, 3], w: [3, 3, 3, 8], stride: [1, 1], pad: [1, 1, 1, 1], relu: true, bias: true },
  // stride 2, asymmetric padding, Cout not a multiple of 32 (partial column block)
  { x: [3, 9, 8, 32], w: [3, 3, 32, 36], stride: [2, 2], pad: [0, 1, 1, 0], relu: false, bias: true },
  // 1x1
  { x: [2, 6, 5, 64], w: [1, 1, 64, 64], stride: [1, 1], pad: [0, 0, 0, 0], relu: true, bias: false },
  // 7x7 stride 2 (ResNet's stem shape, small)
  { x: [2, 11, 13, 8], w: [7, 7, 8, 12], stride: [2, 2], pad: [3, 3, 2, 2], relu: false, bias: false },
  // 512 channels in, small spatial
  { x: [2, 4, 3, 512], w: [3, 3, 512, 32], stride: [1, 1], pad: [1, 1, 1, 1], relu: true, bias: true },
  // 512 channels out
  { x: [1, 3, 5, 32], w: [3, 3, 32, 512], stride: [1, 1], pad: [1, 1, 1, 1], relu: false, bias: true },
  // many pixels (several workgroups), odd sizes, stride 2 in grad input with Cout % 32 == 0
  { x: [2, 23, 21, 32], w: [3, 3, 32, 64], stride: [2, 1], pad: [1, 0, 1, 2], relu: true, bias: false },
  // Cout not a multiple of 4 and Cin not a multiple of 4: plain kernels everywhere
  { x: [1, 6, 6, 5], w: [2, 3, 5, 5], stride: [1, 2], pad: [0, 1, 0, 2], relu: false, bias: true },
];

async function checkCase(c: Case, path: 'auto' | 'direct', rng: Rng, view?: Gpu): Promise<void> {
  const gpu = view ?? (await testGpu());
  const previous = setConv2dPath(path);
  try {
    const o: Conv2dOptions = { stride: c.stride, pad: c.pad };
    const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
    const ys = conv2dOutputShape(c.x, c.w, o);
    const x = rng.uniformArray(size(c.x));
    const w = rng.uniformArray(size(c.w));
    const b = c.bias ? rng.uniformArray(c.w[3]) : null;
    const g = rng.uniformArray(size(ys));
    const xt = GpuTensor.from(gpu, c.x, x);
    const wt = GpuTensor.from(gpu, c.w, w);
    const bt = b ? GpuTensor.from(gpu, [c.w[3]], b) : null;
    const gt = GpuTensor.from(gpu, ys, g);
    const yt = conv2dForward(gpu, xt, wt, bt, { ...o, relu: c.relu });
    const dxt = conv2dGradInput(gpu, gt, wt, c.x, o);
    const dwt = conv2dGradWeight(gpu, xt, gt, c.w, o);
    const dbt = conv2dGradBias(gpu, gt);
    const name = `${path} x${c.x} w${c.w} stride ${c.stride} pad ${c.pad}`;
    assert.equal([...yt.shape], ys, `${name}: y shape`);
    assert.equal([...dxt.shape], c.x, `${name}: dx shape`);
    assert.equal([...dwt.shape], c.w, `${name}: dw shape`);
    const tol = { atol: 1e-3, rtol: 1e-3 };
    assertClose(await yt.read(), conv2dRef(x, c.x, w, c.w, b, { ...o, relu: c.relu }), tol, `${name}: y`);
    assertClose(await dxt.read(), conv2dGradInputRef(g, w, c.x, c.w, o), tol, `${name}: dx`);
    assertClose(await dwt.read(), conv2dGradWeightRef(x, g, c.x, c.w, o), tol, `${name}: dw`);
    assertClose(await dbt.read(), conv2dGradBiasRef(g, c.w[3]), tol, `${name}: db`);
    for (const t of [xt, wt, bt, gt, yt, dxt, dwt, dbt]) t?.release();
  } finally {
    setConv2dPath(previous);
  }
}

test('fast kernels match the reference (forward, grad input, grad weight, grad bias)', async () => {
  const rng = new Rng(11);
  for (const c of CASES) await checkCase(c, 'auto', rng);
});

test('plain kernels match the reference', async () => {
  const rng = new Rng(12);
  for (const c of CASES) await checkCase(c, 'direct', rng);
});

test('grids past the per-dimension workgroup limit fold into y', async () => {
  const real = await testGpu();
  // The same device, seen through a limit of 3 workgroups per dimension: every grid below folds.
  const limits = { ...real.limits, maxComputeWorkgroupsPerDimension: 3 };
  const gpu = Object.create(real, { limits: { value: limits } }) as Gpu;
  const rng = new Rng(14);
  for (const c of [CASES[0], CASES[6]]) {
    await checkCase(c, 'auto', rng, gpu);
    await checkCase(c, 'direct', rng, gpu);
  }
});

test('batches past the storage-binding limit are split into chunks of images', async () => {
  const real = await testGpu();
  // The same device, seen through a 40,000-byte binding limit: one image of x (25,600 bytes) per chunk.
  const limits = { ...real.limits, maxStorageBufferBindingSize: 40000 };
  const gpu = Object.create(real, { limits: { value: limits } }) as typeof real;
  const rng = new Rng(13);
  const xs = [5, 10, 10, 64];
  const ws = [1, 1, 64, 32];
  const ys = [5, 10, 10, 32];
  const o: Conv2dOptions = { stride: [1, 1], pad: [0, 0, 0, 0] };
  const x = rng.uniformArray(5 * 10 * 10 * 64);
  const w = rng.uniformArray(64 * 32);
  const g = rng.uniformArray(5 * 10 * 10 * 32);
  const xt = GpuTensor.from(real, xs, x);
  const wt = GpuTensor.from(real, ws, w);
  const gt = GpuTensor.from(real, ys, g);
  const dispatches = real.batcher.counts.dispatches;
  const yt = conv2dForward(gpu, xt, wt, null, o);
  assert.is(real.batcher.counts.dispatches - dispatches, 5, 'forward ran in 5 chunks');
  const dxt = conv2dGradInput(gpu, gt, wt, xs, o);
  const dwt = conv2dGradWeight(gpu, xt, gt, ws, o);
  const tol = { atol: 1e-3, rtol: 1e-3 };
  assertClose(await yt.read(), conv2dRef(x, xs, w, ws, null, o), tol, 'chunked y');
  assertClose(await dxt.read(), conv2dGradInputRef(g, w, xs, ws, o), tol, 'chunked dx');
  assertClose(await dwt.read(), conv2dGradWeightRef(x, g, xs, ws, o), tol, 'chunked dw');
  for (const t of [xt, wt, gt, yt, dxt, dwt]) t.release();
});

test('a channel mismatch is refused, naming the op and both shapes', async () => {
  const gpu = await testGpu();
  const x = GpuTensor.zeros(gpu, [1, 4, 4, 3]);
  const w = GpuTensor.zeros(gpu, [3, 3, 4, 8]);
  const o: Conv2dOptions = { stride: [1, 1], pad: [1, 1, 1, 1] };
  assert.throws(
    () => conv2dForward(gpu, x, w, null, o),
    (e: Error) => e instanceof ShapeError && /conv2d/.test(e.message) && /x\[1,4,4,3\]/.test(e.message) && /w\[3,3,4,8\]/.test(e.message),
  );
  const dy = GpuTensor.zeros(gpu, [1, 4, 4, 9]);
  assert.throws(
    () => conv2dGradInput(gpu, dy, w, [1, 4, 4, 4], o),
    (e: Error) => e instanceof ShapeError && /grad input/.test(e.message) && /dy\[1,4,4,9\]/.test(e.message),
  );
  for (const t of [x, w, dy]) t.release();
});

test.run();
