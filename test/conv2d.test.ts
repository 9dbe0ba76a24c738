// 2-D convolution forward and gradients on the GPU against the float64 CPU reference (test/reference/conv2d.ts),
// whose own gradients are first checked by central finite differences. Every shape runs four times: with the fast
// kernels including every Winograd form (elsewhere weights read through textures where the shapes allow), with
// the implicit-GEMM kernels (no Winograd), with the fast kernels reading weights from storage buffers, and with
// the plain ones forced, so all stay correct. test/conv2d-winograd.test.ts covers the Winograd path in depth.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asAdapter, kernelRuns, testGpu } from './helpers/gpu.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { ShapeError } from '../src/gpu/errors.ts';
import { Rng } from '../src/util/rng.ts';
import { f16ToF32, f32ToF16 } from '../src/onnx/tensor.ts';
import { sgdStep } from '../src/kernels/optim.ts';
import { scale } from '../src/kernels/elementwise.ts';
import {
  conv2dForward, conv2dGradInput, conv2dGradWeight, conv2dGradBias, conv2dKernelNames, conv2dOutputShape, setConv2dPath,
  setConv2dWeightFormat,
  type Conv2dOptions, type Conv2dPath, winogradGradWeightForm, winogradSuitsChannels, winogradTileFor,
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
  { x: [1, 3, 5, 64], w: [3, 3, 64, 512], stride: [1, 1], pad: [1, 1, 1, 1], relu: false, bias: true },
  // many pixels (several workgroups), odd sizes, stride 2 in grad input with Cout % 32 == 0
  { x: [2, 23, 21, 64], w: [3, 3, 64, 64], stride: [2, 1], pad: [1, 0, 1, 2], relu: true, bias: false },
  // x and w through textures in the forward (rows of W * Cin floats 256-byte aligned), stride 2, padding
  { x: [2, 9, 8, 64], w: [3, 3, 64, 64], stride: [2, 2], pad: [1, 0, 1, 2], relu: true, bias: true },
  // Cout not a multiple of 4 and Cin not a multiple of 4: plain kernels everywhere
  { x: [1, 6, 6, 5], w: [2, 3, 5, 5], stride: [1, 2], pad: [0, 1, 0, 2], relu: false, bias: true },
];

async function checkCase(c: Case, path: Conv2dPath, rng: Rng, view?: Gpu): Promise<void> {
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
  for (const c of CASES) await checkCase(c, 'winograd', rng);
});

test('implicit-GEMM kernels (no Winograd) match the reference', async () => {
  const rng = new Rng(19);
  for (const c of CASES) await checkCase(c, 'gemm', rng);
});

test('fast kernels with weights in storage buffers (no textures) match the reference', async () => {
  const rng = new Rng(15);
  for (const c of CASES) await checkCase(c, 'storage', rng);
});

test('the texture kernels are the ones picked where the shapes allow', async () => {
  const gpu = await testGpu();
  if (!gpu.hasSubgroups) return; // no octet kernels at all on this adapter: the plain ones ran above
  const o: Conv2dOptions = { stride: [1, 1], pad: [1, 1, 1, 1] };
  const namesOn = (view: Gpu, path: Conv2dPath, x: number[], w: number[]) => {
    const previous = setConv2dPath(path);
    try { return conv2dKernelNames(view, x, w, o); } finally { setConv2dPath(previous); }
  };
  const names = (path: Conv2dPath, x: number[], w: number[]) => namesOn(gpu, path, x, w);
  // 'auto' chooses by the kind of adapter: these checks view this device as a software one (and as a GPU below)
  const softwareView = asAdapter(gpu, true);
  const onSoftware = (x: number[], w: number[]) => namesOn(softwareView, 'auto', x, w);
  // Winograd's grad weight (of 512 x channels) is stored from 128 tiles on a software adapter and from 64 on a GPU,
  // folded below; under 'auto' a GPU takes the implicit GEMM instead of folding, under 'winograd' it folds too
  const software = { isSoftware: true };
  const hardware = { isSoftware: false };
  assert.is(winogradGradWeightForm(software, 'auto', 63, 512), 'folded');
  assert.is(winogradGradWeightForm(software, 'auto', 127, 512), 'folded');
  assert.is(winogradGradWeightForm(software, 'auto', 128, 512), 'stored');
  assert.is(winogradGradWeightForm(hardware, 'auto', 63, 512), null);
  assert.is(winogradGradWeightForm(hardware, 'winograd', 63, 512), 'folded');
  assert.is(winogradGradWeightForm(hardware, 'auto', 64, 512), 'stored');
  assert.is(winogradGradWeightForm(hardware, 'winograd', 64, 512), 'stored');
  // Over many tiles a software adapter runs the products of fewer than 128 x channels by the forward's kernel
  assert.is(winogradGradWeightForm(software, 'auto', 128, 64), 'gemm');
  assert.is(winogradGradWeightForm(software, 'auto', 128, 128), 'stored');
  assert.is(winogradGradWeightForm(hardware, 'auto', 64, 64), 'stored');
  assert.is(winogradGradWeightForm(software, 'auto', 127, 64), 'folded');
  assert.is(onSoftware([1, 3, 5, 64], [3, 3, 64, 512]).forward, 'winograd6');  // one 6x6 tile: 0.89 of two 4x4's points
  // This device seen as a software adapter and as a GPU: 2 tiles, folded on the one, implicit GEMM on the other
  const gradWeightOn = (view: Gpu) => {
    const previous = setConv2dPath('auto');
    try { return conv2dKernelNames(view, [1, 3, 5, 64], [3, 3, 64, 512], o).gradWeight; } finally { setConv2dPath(previous); }
  };
  assert.is(gradWeightOn(asAdapter(gpu, true)), 'winograd');
  assert.is(gradWeightOn(asAdapter(gpu, false)), 'conv2d_grad_weight_tex');
  // 6x6 Winograd tiles on a software adapter where they cover the output with at most 0.92 of 4x4 tiles' points for
  // the forward and grad input, 0.85 for the grad weight's forms over many tiles
  for (const direction of ['forward', 'gradInput', 'gradWeight'] as const) {
    assert.is(winogradTileFor(software, direction, 224, 224), 6);  // 0.82
    assert.is(winogradTileFor(software, direction, 112, 112), 6);
    assert.is(winogradTileFor(software, direction, 56, 56), direction === 'gradWeight' ? 4 : 6);  // 0.91
    assert.is(winogradTileFor(software, direction, 28, 28), direction === 'gradWeight' ? 4 : 6);  // 0.91
    assert.is(winogradTileFor(software, direction, 14, 14), 4);    // 1.0
    assert.is(winogradTileFor(hardware, direction, 224, 224), 4);
  }
  assert.is(onSoftware([1, 56, 56, 256], [3, 3, 256, 256]).forward, 'winograd6');
  assert.is(onSoftware([1, 56, 56, 256], [3, 3, 256, 256]).gradInput, 'winograd6');
  assert.is(onSoftware([1, 56, 56, 256], [3, 3, 256, 256]).gradWeight, 'winograd');  // many tiles: stored, 4x4
  assert.is(onSoftware([1, 14, 14, 512], [3, 3, 512, 512]).forward, 'winograd');
  assert.is(onSoftware([1, 224, 224, 64], [3, 3, 64, 64]).forward, 'winograd6');
  assert.is(onSoftware([1, 224, 224, 64], [3, 3, 64, 64]).gradInput, 'winograd6');
  assert.is(onSoftware([1, 224, 224, 64], [3, 3, 64, 64]).gradWeight, 'winograd6');  // many tiles: stored, 6x6
  assert.is(onSoftware([1, 28, 28, 512], [3, 3, 512, 512]).gradWeight, 'winograd');  // folded: 4x4 tiles only
  // On a GPU 'auto' takes Winograd only from 256 channels in and out; a software adapter takes it at any count
  assert.ok(winogradSuitsChannels(software, 'auto', 64, 64));
  assert.not.ok(winogradSuitsChannels(hardware, 'auto', 128, 256));
  assert.not.ok(winogradSuitsChannels(hardware, 'auto', 512, 128));
  assert.ok(winogradSuitsChannels(hardware, 'auto', 256, 256));
  assert.ok(winogradSuitsChannels(hardware, 'winograd', 64, 64));
  const gpuView = asAdapter(gpu, false);
  assert.equal(namesOn(gpuView, 'auto', [1, 3, 5, 64], [3, 3, 64, 512]), {
    forward: 'conv2d_tex', gradInput: 'conv2d_grad_input_tex', gradWeight: 'conv2d_grad_weight_tex',
  });
  assert.equal(namesOn(gpuView, 'winograd', [1, 3, 5, 64], [3, 3, 64, 512]), {
    forward: 'winograd', gradInput: 'winograd', gradWeight: 'winograd',
  });
  // 256 channels over 64 tiles (batch 4 of 16x16): Winograd in all three directions on a GPU too
  assert.equal(namesOn(gpuView, 'auto', [4, 16, 16, 256], [3, 3, 256, 256]), {
    forward: 'winograd', gradInput: 'winograd', gradWeight: 'winograd',
  });
  assert.is(onSoftware([4, 16, 16, 64], [3, 3, 64, 64]).gradWeight, 'winograd');  // 64 tiles
  // Under 'winograd', 3x3 stride-1 convolutions whose channels suit the product kernels take Winograd's forward
  // (Cin % 32, Cout % 64), grad input (Cout % 32, Cin % 64) and grad weight (as the forward).
  // (4x4 or 6x6 tiles by the adapter: winogradTileFor, tested above)
  assert.match(names('winograd', [1, 3, 5, 64], [3, 3, 64, 512]).forward, /^winograd6?$/);  // CASES[5]
  assert.match(names('winograd', [1, 3, 5, 64], [3, 3, 64, 512]).gradInput, /^winograd6?$/);
  assert.is(names('winograd', [1, 3, 5, 64], [3, 3, 64, 512]).gradWeight, 'winograd');
  assert.is(names('winograd', [2, 4, 3, 512], [3, 3, 512, 32]).forward, 'conv2d');  // CASES[4]: Cout 32
  assert.is(names('winograd', [1, 3, 5, 32], [3, 3, 32, 512]).gradInput, 'conv2d_grad_input');  // dx has 32 channels
  // Winograd's transforms read x through an activation texture: rows of 5 * 32 floats are not 256-byte aligned
  assert.is(names('winograd', [1, 3, 5, 32], [3, 3, 32, 512]).forward, 'conv2d');
  assert.is(names('winograd', [2, 6, 5, 64], [1, 1, 64, 64]).forward, 'conv2d_tex');  // CASES[2]: 1x1
  // 'gemm' keeps the implicit-GEMM kernels; CASES[2] (1x1, 64 -> 64) and CASES[7] take the texture forward and
  // grad input in the tests above
  assert.is(names('gemm', [2, 6, 5, 64], [1, 1, 64, 64]).forward, 'conv2d_tex');
  assert.is(names('gemm', [2, 9, 8, 64], [3, 3, 64, 64]).forward, 'conv2d_tex');
  assert.is(names('gemm', [2, 6, 5, 64], [1, 1, 64, 64]).gradInput, 'conv2d_grad_input_tex');
  assert.is(names('gemm', [2, 9, 8, 64], [3, 3, 64, 64]).gradInput, 'conv2d_grad_input_tex');
  // CASES[5] (Cout 512) and CASES[6]: texture kernels both ways
  assert.is(names('gemm', [1, 3, 5, 64], [3, 3, 64, 512]).gradInput, 'conv2d_grad_input_tex');
  assert.is(names('gemm', [2, 23, 21, 64], [3, 3, 64, 64]).gradInput, 'conv2d_grad_input_tex');
  assert.is(names('gemm', [1, 3, 5, 64], [3, 3, 64, 512]).forward, 'conv2d_tex');
  assert.is(names('storage', [1, 3, 5, 64], [3, 3, 64, 512]).forward, 'conv2d');
  // x rows of 5 * 32 floats are not 256-byte aligned for a texture copy: the storage forward
  assert.is(names('gemm', [1, 3, 5, 32], [3, 3, 32, 512]).forward, 'conv2d');
  // Cin 32: the texture grad input takes whole 64-channel blocks of Cin, so the storage kernel
  assert.is(names('gemm', [1, 3, 5, 32], [3, 3, 32, 512]).gradInput, 'conv2d_grad_input');
  assert.is(names('storage', [2, 6, 5, 64], [1, 1, 64, 64]).gradInput, 'conv2d_grad_input');
  // Cout 36: texture rows would not be 256-byte aligned, so the storage kernel
  assert.is(names('gemm', [3, 9, 8, 32], [3, 3, 32, 36]).forward, 'conv2d');
  // Grad weight: textures when both x's and dy's rows are 256-byte aligned (CASES[2], [5], [6], [7]), with odd
  // widths (5, 21) for its 2-pixel steps; storage kernels otherwise (dy rows of 3 * 32 floats) and for 3 channels
  assert.is(names('gemm', [2, 6, 5, 64], [1, 1, 64, 64]).gradWeight, 'conv2d_grad_weight_tex');
  assert.is(names('gemm', [1, 3, 5, 64], [3, 3, 64, 512]).gradWeight, 'conv2d_grad_weight_tex');
  assert.is(names('gemm', [2, 23, 21, 64], [3, 3, 64, 64]).gradWeight, 'conv2d_grad_weight_tex');
  assert.is(names('gemm', [2, 4, 3, 512], [3, 3, 512, 32]).gradWeight, 'conv2d_grad_weight');
  assert.is(names('gemm', [2, 9, 7, 3], [3, 3, 3, 8]).gradWeight, 'conv2d_grad_weight');
  assert.is(names('storage', [2, 6, 5, 64], [1, 1, 64, 64]).gradWeight, 'conv2d_grad_weight');
});

test('packed weight textures are reused while the weights stay the same and repacked after any write to them', async () => {
  const gpu = await testGpu();
  if (!gpu.hasSubgroups) return; // no texture kernels on this adapter
  const rng = new Rng(16);
  const xs = [2, 5, 4, 64]; // rows of 4 * 64 floats: the forward reads x through a texture too
  const ws = [3, 3, 64, 64];
  const o: Conv2dOptions = { stride: [1, 1], pad: [1, 1, 1, 1] };
  const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
  const x = rng.uniformArray(size(xs));
  const g = rng.uniformArray(size(conv2dOutputShape(xs, ws, o)));
  const w1 = rng.uniformArray(size(ws));
  const w2 = rng.uniformArray(size(ws));
  const xt = GpuTensor.from(gpu, xs, x);
  const gt = GpuTensor.from(gpu, conv2dOutputShape(xs, ws, o), g);
  const wa = GpuTensor.from(gpu, ws, w1);
  const wb = GpuTensor.from(gpu, ws, w2);
  const tol = { atol: 1e-3, rtol: 1e-3 };
  // Every kernel that fills a weight texture: the implicit GEMM's packings and Winograd's transforms (packed as they go).
  const packs = () => kernelRuns(gpu, 'conv2d_weight_pack', 'conv2d_weight_pack_grad_input', 'winograd_weights', 'winograd6_weights');
  const ref = (w: ArrayLike<number>) => conv2dRef(x, xs, w, ws, null, o);

  // Two weights of one shape recorded back to back: each dispatch must see its own weights.
  let before = packs();
  const ya = conv2dForward(gpu, xt, wa, null, o);
  const yb = conv2dForward(gpu, xt, wb, null, o);
  const dxa = conv2dGradInput(gpu, gt, wa, xs, o);
  const dxb = conv2dGradInput(gpu, gt, wb, xs, o);
  assert.is(packs() - before, 4, 'each weight packed once per layout');
  // Unchanged weights: no packing at all the second time.
  before = packs();
  const ya1 = conv2dForward(gpu, xt, wa, null, o);
  const dxa1 = conv2dGradInput(gpu, gt, wa, xs, o);
  assert.is(packs() - before, 0, 'unchanged weights are not packed again');
  // An upload into the weights: packed again, and the forward sees the new values.
  wa.write(w2);
  before = packs();
  const ya2 = conv2dForward(gpu, xt, wa, null, o);
  assert.is(packs() - before, 1, 'packed again after an upload');
  // A kernel writing the weights in place, as the optimizer does: w -= 0.5 * grad.
  const grad = rng.uniformArray(size(ws));
  const gradT = GpuTensor.from(gpu, ws, grad);
  sgdStep(gpu, wa, gradT, null, { lr: 0.5, momentum: 0 });
  const w3 = Float32Array.from(w2, (v, i) => v - 0.5 * grad[i]);
  const ya3 = conv2dForward(gpu, xt, wa, null, o);
  const dxa3 = conv2dGradInput(gpu, gt, wa, xs, o);
  // A pooled buffer handed to a new tensor that a kernel fills: never mistaken for the weights it held before.
  wb.release();
  const wc = scale(gpu, wa, 2);
  const yc = conv2dForward(gpu, xt, wc, null, o);

  assertClose(await ya.read(), ref(w1), tol, 'first weights');
  assertClose(await yb.read(), ref(w2), tol, 'second weights');
  assertClose(await dxa.read(), conv2dGradInputRef(g, w1, xs, ws, o), tol, 'grad input, first weights');
  assertClose(await dxb.read(), conv2dGradInputRef(g, w2, xs, ws, o), tol, 'grad input, second weights');
  assertClose(await ya1.read(), ref(w1), tol, 'reused texture');
  assertClose(await dxa1.read(), conv2dGradInputRef(g, w1, xs, ws, o), tol, 'reused grad-input texture');
  assertClose(await ya2.read(), ref(w2), tol, 'after an upload');
  assertClose(await ya3.read(), ref(w3), tol, 'after an in-place optimizer step');
  assertClose(await dxa3.read(), conv2dGradInputRef(g, w3, xs, ws, o), tol, 'grad input after an in-place optimizer step');
  assertClose(await yc.read(), ref(w3.map((v) => 2 * v)), tol, 'a new tensor in a reused buffer');
  for (const t of [xt, gt, wa, ya, yb, dxa, dxb, ya1, dxa1, ya2, gradT, ya3, dxa3, wc, yc]) t.release();
});

test('f16 weights: the forward uses exactly the half-precision weights, the grad input the f32 ones', async () => {
  const gpu = await testGpu();
  const rng = new Rng(17);
  const previous = setConv2dWeightFormat('f16');
  // The implicit-GEMM forward stores the weights themselves as f16 (Winograd stores their transform: the VGG19 test
  // in conv2d-f16-vgg.test.ts bounds that).
  const previousPath = setConv2dPath('gemm');
  try {
    // Texture kernels in both directions (Cout % 64 == 0; see the kernel-choice test). Cout 192 and 128: several
    // 64-column blocks, so a packing that mixed up blocks or lanes would show.
    const shapes: Array<{ x: number[]; w: number[]; o: Conv2dOptions }> = [
      { x: [2, 7, 6, 64], w: [3, 3, 64, 192], o: { stride: [1, 1], pad: [1, 1, 1, 1] } },
      { x: [1, 9, 8, 128], w: [3, 3, 128, 128], o: { stride: [2, 2], pad: [0, 1, 1, 0] } },
    ];
    for (const { x: xs, w: ws, o } of shapes) {
      assert.is(conv2dKernelNames(gpu, xs, ws, o).forward, 'conv2d_tex');
      const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
      const ys = conv2dOutputShape(xs, ws, o);
      const x = rng.uniformArray(size(xs));
      const w = rng.uniformArray(size(ws));
      const g = rng.uniformArray(size(ys));
      const wHalf = w.map((v) => f16ToF32(f32ToF16(v))); // each weight rounded to half precision, as stored
      const xt = GpuTensor.from(gpu, xs, x);
      const wt = GpuTensor.from(gpu, ws, w);
      const gt = GpuTensor.from(gpu, ys, g);
      const yt = conv2dForward(gpu, xt, wt, null, o);
      const dxt = conv2dGradInput(gpu, gt, wt, xs, o);
      const name = `f16 x${xs} w${ws}`;
      const y = (await yt.read()) as Float32Array;
      const tight = { atol: 1e-4, rtol: 1e-4 };
      // Equal, to f32 rounding, to the convolution with the rounded weights: the packing put every weight in place.
      assertClose(y, conv2dRef(x, xs, wHalf, ws, null, o), tight, `${name}: y against the rounded weights`);
      // And not equal to the one with exact weights: the rounding is really there (an f32 texture lands within 1e-5).
      const exact = conv2dRef(x, xs, w, ws, null, o);
      const worst = y.reduce((m, v, i) => Math.max(m, Math.abs(v - exact[i])), 0);
      assert.ok(worst > 1e-4, `${name}: f16 weights made no difference (worst error ${worst})`);
      // The gradient kernels read f32 weights whatever the forward stores.
      assertClose(await dxt.read(), conv2dGradInputRef(g, w, xs, ws, o), tight, `${name}: dx against the f32 weights`);
      for (const t of [xt, wt, gt, yt, dxt]) t.release();
    }
  } finally {
    setConv2dWeightFormat(previous);
    setConv2dPath(previousPath);
  }
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
  for (const c of [CASES[0], CASES[6], CASES[7]]) {
    await checkCase(c, 'winograd', rng, gpu);
    await checkCase(c, 'storage', rng, gpu);
    await checkCase(c, 'direct', rng, gpu);
  }
});

test('batches past the storage-binding limit are split into chunks of images', async () => {
  const real = await testGpu();
  // The same device, seen through a 40,000-byte binding limit: one image of x (25,600 bytes) per chunk.
  const limits = { ...real.limits, maxStorageBufferBindingSize: 40000 };
  const gpu = Object.create(real, { limits: { value: limits } }) as typeof real;
  const rng = new Rng(13);
  // Cout 32: storage-weight kernels; Cout 64: texture kernels, whose one texture serves every chunk
  for (const Cout of [32, 64]) {
    const xs = [5, 10, 10, 64];
    const ws = [1, 1, 64, Cout];
    const ys = [5, 10, 10, Cout];
    const o: Conv2dOptions = { stride: [1, 1], pad: [0, 0, 0, 0] };
    const x = rng.uniformArray(5 * 10 * 10 * 64);
    const w = rng.uniformArray(64 * Cout);
    const g = rng.uniformArray(5 * 10 * 10 * Cout);
    const xt = GpuTensor.from(real, xs, x);
    const wt = GpuTensor.from(real, ws, w);
    const gt = GpuTensor.from(real, ys, g);
    const dispatches = real.batcher.counts.dispatches;
    const yt = conv2dForward(gpu, xt, wt, null, o);
    // the texture kernel also packs the weights into their texture first: one more dispatch
    const packs = Cout === 64 ? 1 : 0;
    assert.is(real.batcher.counts.dispatches - dispatches, 5 + packs, `Cout ${Cout}: forward ran in 5 chunks`);
    const dxt = conv2dGradInput(gpu, gt, wt, xs, o);
    const dwt = conv2dGradWeight(gpu, xt, gt, ws, o);
    const tol = { atol: 1e-3, rtol: 1e-3 };
    assertClose(await yt.read(), conv2dRef(x, xs, w, ws, null, o), tol, `Cout ${Cout}: chunked y`);
    assertClose(await dxt.read(), conv2dGradInputRef(g, w, xs, ws, o), tol, `Cout ${Cout}: chunked dx`);
    assertClose(await dwt.read(), conv2dGradWeightRef(x, g, xs, ws, o), tol, `Cout ${Cout}: chunked dw`);
    for (const t of [xt, wt, gt, yt, dxt, dwt]) t.release();
  }
});

test('the texture forward, grad input and grad weight split batches into chunks that fit their activation textures', async () => {
  const real = await testGpu();
  if (!real.hasSubgroups) return; // no texture kernels on this adapter
  // The same device, seen through a 512-texel texture limit (the blocked weight texture's row is 512 texels wide):
  // 2 images of 200 rows per activation texture, so 3 chunks.
  const limits = { ...real.limits, maxTextureDimension2D: 512 };
  const gpu = Object.create(real, { limits: { value: limits } }) as Gpu;
  const rng = new Rng(18);
  const xs = [5, 200, 4, 64];
  const ws = [1, 1, 64, 64];
  const o: Conv2dOptions = { stride: [1, 1], pad: [0, 0, 0, 0] };
  assert.is(conv2dKernelNames(gpu, xs, ws, o).forward, 'conv2d_tex');
  assert.is(conv2dKernelNames(gpu, xs, ws, o).gradInput, 'conv2d_grad_input_tex');
  const x = rng.uniformArray(5 * 200 * 4 * 64);
  const w = rng.uniformArray(64 * 64);
  const b = rng.uniformArray(64);
  const xt = GpuTensor.from(real, xs, x);
  const wt = GpuTensor.from(real, ws, w);
  const bt = GpuTensor.from(real, [64], b);
  const dispatches = real.batcher.counts.dispatches;
  const yt = conv2dForward(gpu, xt, wt, bt, { ...o, relu: true });
  assert.is(real.batcher.counts.dispatches - dispatches, 1 + 3, 'forward packed its weights, then ran in 3 chunks');
  assertClose(await yt.read(), conv2dRef(x, xs, w, ws, b, { ...o, relu: true }), { atol: 1e-3, rtol: 1e-3 }, 'y');
  const g = rng.uniformArray(5 * 200 * 4 * 64); // dy has x's shape here (1x1, 64 -> 64)
  const gt = GpuTensor.from(real, xs, g);
  const before = real.batcher.counts.dispatches;
  const dxt = conv2dGradInput(gpu, gt, wt, xs, o);
  assert.is(real.batcher.counts.dispatches - before, 1 + 3, 'grad input packed its weights, then ran in 3 chunks');
  assertClose(await dxt.read(), conv2dGradInputRef(g, w, xs, ws, o), { atol: 1e-3, rtol: 1e-3 }, 'dx');
  // Grad weight reads x and dy, of the same row width here, from two textures at once.
  assert.is(conv2dKernelNames(gpu, xs, ws, o).gradWeight, 'conv2d_grad_weight_tex');
  const runs = () => kernelRuns(real, 'conv2d_grad_weight_tex');
  const runsBefore = runs();
  const dwt = conv2dGradWeight(gpu, xt, gt, ws, o);
  assert.is(runs() - runsBefore, 3, 'grad weight ran in 3 chunks');
  assertClose(await dwt.read(), conv2dGradWeightRef(x, g, xs, ws, o), { atol: 1e-3, rtol: 1e-3 }, 'dw');
  for (const t of [xt, wt, bt, yt, gt, dxt, dwt]) t.release();
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
