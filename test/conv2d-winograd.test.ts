// The Winograd F(4x4, 3x3) path (src/kernels/conv2d-winograd.ts) for 3x3 stride-1 convolutions: forward, grad input
// and grad weight against the float64 CPU reference (and F(6x6, 3x3)'s forward and grad input), over shapes whose
// tiles overhang the output, asymmetric and wide padding (grad input turns pad p into 2 - p, negative past 2),
// batches split into chunks of images by the texture height and by the storage-binding limit (the grad weight then
// adds its products into dw in groups), the grad weight's two forms (products stored, or the output transform folded
// in for few tiles), and grids folded past the per-dimension workgroup limit. Each check also asserts that the
// Winograd kernels ran.

import { availableParallelism } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { asAdapter, kernelRuns, testGpu, withLimits } from './helpers/gpu.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { Rng } from '../src/util/rng.ts';
import {
  conv2dForward, conv2dGradInput, conv2dGradWeight, conv2dKernelNames, conv2dOutputShape, setConv2dPath,
  setWinogradGradWeightForm, setWinogradTile, type Conv2dOptions, type Conv2dPath,
} from '../src/kernels/conv2d.ts';
import type { WinogradTile } from '../src/kernels/conv2d-winograd.ts';
import { winogradGradWeightFolded } from '../src/kernels/conv2d-winograd-grad-weight.ts';
import { conv2dRef, conv2dGradInputRef, conv2dGradWeightRef } from './reference/conv2d.ts';

type Pad = [number, number, number, number];

// Winograd is what 'auto' takes on software adapters only (winogradSuitsChannels): force it, so it is tested on any.
// Tiles of 4x4 unless a test asks for 6x6 (which 'auto' takes for large outputs on a software adapter).
let previousPath: Conv2dPath = 'auto';
let previousTile: 'auto' | WinogradTile = 'auto';
test.before.each(() => {
  previousPath = setConv2dPath('winograd');
  previousTile = setWinogradTile(4);
});
test.after.each(() => {
  setConv2dPath(previousPath);
  setWinogradTile(previousTile);
});
const size = (s: number[]) => s.reduce((a, b) => a * b, 1);
// Winograd's transforms add a few float32 roundings: about 1e-6 of the output's scale at these sizes.
const TOL = { atol: 1e-3, rtol: 1e-3 };

/**
 * Runs all three directions on `gpu` (a view of the test device, maybe with lower limits) against the reference,
 * the forward and grad input expected to run `kernel` ('winograd' for 4x4 tiles, 'winograd6' for 6x6), the grad
 * weight `gradWeightKernel`.
 */
async function check(
  gpu: Gpu, xs: number[], Cout: number, pad: Pad, rng: Rng, kernel = 'winograd', gradWeightKernel = 'winograd',
): Promise<Map<string, number>> {
  const real = await testGpu();
  const ws = [3, 3, xs[3], Cout];
  const o: Conv2dOptions = { stride: [1, 1], pad };
  const names = conv2dKernelNames(gpu, xs, ws, o);
  const name = `x${xs} w${ws} pad ${pad}`;
  assert.is(names.forward, kernel, `${name}: forward`);
  assert.is(names.gradInput, kernel, `${name}: grad input`);
  assert.is(names.gradWeight, gradWeightKernel, `${name}: grad weight`);
  const ys = conv2dOutputShape(xs, ws, o);
  const x = rng.uniformArray(size(xs));
  const w = rng.uniformArray(size(ws));
  const b = rng.uniformArray(Cout);
  const g = rng.uniformArray(size(ys));
  const xt = GpuTensor.from(real, xs, x);
  const wt = GpuTensor.from(real, ws, w);
  const bt = GpuTensor.from(real, [Cout], b);
  const gt = GpuTensor.from(real, ys, g);
  const counts = new Map(real.batcher.counts.byKernel);
  const yt = conv2dForward(gpu, xt, wt, bt, { ...o, relu: true });
  const dxt = conv2dGradInput(gpu, gt, wt, xs, o);
  const dwt = conv2dGradWeight(gpu, xt, gt, ws, o);
  const ran = new Map([...real.batcher.counts.byKernel].map(([k, n]) => [k, n - (counts.get(k) ?? 0)]));
  assertClose(await yt.read(), conv2dRef(x, xs, w, ws, b, { ...o, relu: true }), TOL, `${name}: y`);
  assertClose(await dxt.read(), conv2dGradInputRef(g, w, xs, ws, o), TOL, `${name}: dx`);
  assertClose(await dwt.read(), conv2dGradWeightRef(x, g, xs, ws, o), TOL, `${name}: dw`);
  for (const t of [xt, wt, bt, gt, yt, dxt, dwt]) t.release();
  return ran;
}

test('Winograd forward, grad input and grad weight match the reference', async () => {
  const gpu = await testGpu();
  if (!gpu.hasSubgroups) return; // the product kernels shuffle within octets: the implicit GEMM or plain kernels run
  const rng = new Rng(31);
  // 9x7: tiles of 4x4 overhang the output by 3 rows and 1 column; Cout 128 is two 64-column blocks
  let ran = await check(gpu, [2, 9, 7, 64], 128, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_gemm'), 2, 'forward and grad input each ran the products once');
  assert.is(ran.get('winograd_grad_weight_folded'), 1, '6 tiles: the grad weight folds its output transform in');
  assert.is(ran.get('winograd_grad_weight') ?? 0, 0);
  // 128 tiles over the batch: on a GPU the grad weight stores its 36 products, then transforms them; on a software
  // adapter, with 64 x channels, it runs them by the forward's product kernel over the tiles (V transposed, D blocked)
  ran = await check(asAdapter(gpu, false), [8, 16, 16, 64], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_grad_weight'), 1);
  assert.is(ran.get('winograd_grad_weight_output'), 1);
  assert.is(ran.get('winograd_grad_weight_folded') ?? 0, 0);
  ran = await check(asAdapter(gpu, true), [8, 16, 16, 64], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_input_t'), 1);
  assert.is(ran.get('winograd_dy_b'), 1);
  assert.is(ran.get('winograd_gemm'), 3, 'forward, grad input and the grad weight\'s products');
  assert.is(ran.get('winograd_grad_weight_output'), 1);
  assert.is(ran.get('winograd_grad_weight') ?? 0, 0);
  // 128 x channels: the stored form on a software adapter too
  ran = await check(asAdapter(gpu, true), [8, 16, 16, 128], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_grad_weight'), 1);
  // asymmetric and wide padding: grad input pads 2 - p, so 2 becomes 0 and 0 becomes 2
  await check(gpu, [1, 10, 11, 64], 64, [0, 2, 1, 0], rng);
  await check(gpu, [6, 12, 13, 64], 64, [2, 0, 0, 1], rng); // 12x12 outputs: 54 tiles
  // 512 channels both ways (VGG19's deep layers, small image)
  await check(gpu, [1, 6, 5, 512], 512, [1, 1, 1, 1], rng);
  // 63 tiles, Cin and Cout 64: the folded grad weight splits them into 3 slices (few octets otherwise), added by sumRows
  ran = await check(gpu, [7, 12, 12, 64], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_grad_weight_folded'), 1);
  assert.is((ran.get('sum_rows') ?? 0) + (ran.get('sum_rows_vec4') ?? 0), 1, 'the slices of the folded grad weight added');
});

test('Winograd F(6x6, 3x3) matches the reference in all three directions, in chunks too, and gives way to F(4x4) where it does not fit', async () => {
  const gpu = await testGpu();
  if (!gpu.hasSubgroups) return;
  const rng = new Rng(36);
  setWinogradTile(6);
  // 13x11 outputs: 6x6 tiles overhang by 5 rows and 1 column; Cout 128 is two 64-column blocks. 24 tiles of 4x4:
  // the grad weight folds, which only 4x4 tiles do
  let ran = await check(gpu, [2, 13, 11, 64], 128, [1, 1, 1, 1], rng, 'winograd6', 'winograd');
  assert.is(ran.get('winograd6_input'), 2, 'forward (x) and grad input (dy) transformed by 6x6 tiles');
  assert.is(ran.get('winograd6_output'), 2);
  assert.is(ran.get('winograd_input'), 1, 'the folded grad weight keeps 4x4 tiles');
  // asymmetric and wide padding (grad input pads 2 - p), and 512 channels both ways (rounding grows with them)
  await check(gpu, [1, 10, 11, 64], 64, [0, 2, 1, 0], rng, 'winograd6');
  await check(gpu, [1, 8, 7, 512], 512, [1, 1, 1, 1], rng, 'winograd6');
  // 200 tiles of 4x4 (two 40x40 images): the grad weight takes 6x6 tiles too, stored (a GPU) or run by the
  // forward's product kernel (a software adapter, 64 x channels)
  ran = await check(asAdapter(gpu, false), [2, 40, 40, 64], 64, [1, 1, 1, 1], rng, 'winograd6', 'winograd6');
  assert.is(ran.get('winograd6_input'), 3, 'forward, grad input and grad weight');
  assert.is(ran.get('winograd6_dy'), 1);
  assert.is(ran.get('winograd6_grad_weight_output'), 1);
  assert.is(ran.get('winograd_input') ?? 0, 0);
  ran = await check(asAdapter(gpu, true), [2, 40, 40, 64], 64, [1, 1, 1, 1], rng, 'winograd6', 'winograd6');
  assert.is(ran.get('winograd6_input_t'), 1);
  assert.is(ran.get('winograd6_dy_b'), 1);
  assert.is(ran.get('winograd6_grad_weight_output'), 1);
  // A 700,000-byte binding limit: one image of x or y (409,600 bytes) per chunk, 3 chunks each way; one slice of
  // 6x6 tiles' grad-weight products (64 * 64 * 64 floats, 1,048,576 bytes) does not fit, 4x4 tiles' (589,824) do
  const narrow = withLimits(asAdapter(gpu, false), { maxStorageBufferBindingSize: 700000 });
  ran = await check(narrow, [3, 40, 40, 64], 64, [1, 1, 1, 1], rng, 'winograd6', 'winograd');
  assert.is(ran.get('winograd_gemm'), 3 + 3, 'forward and grad input ran 3 chunks each');
  // A texture limit of 576 texels holds 4x4 tiles' V and M at 64 channels (9 * 64 texels wide) but not 6x6 ones'
  // (16 * 64): F(4x4) runs in all three directions instead
  await check(withLimits(gpu, { maxTextureDimension2D: 576 }), [2, 40, 36, 64], 64, [1, 1, 1, 1], rng, 'winograd', 'winograd');
});

test('each Winograd grad-weight form can be forced (bench:ab) and matches the reference', async () => {
  const gpu = await testGpu();
  if (!gpu.hasSubgroups) return;
  const rng = new Rng(37);
  // 2 images of 10x9: 18 tiles, which 'auto' folds on either kind of adapter under 'winograd'
  const software = asAdapter(gpu, true);
  const kernelOf = { folded: 'winograd_grad_weight_folded', stored: 'winograd_grad_weight', gemm: 'winograd_input_t' };
  for (const form of ['stored', 'gemm', 'folded'] as const) {
    const previous = setWinogradGradWeightForm(form);
    try {
      const ran = await check(software, [2, 10, 9, 64], 64, [1, 1, 1, 1], rng);
      for (const [each, kernel] of Object.entries(kernelOf)) {
        assert.is(ran.get(kernel) ?? 0, each === form ? 1 : 0, `forced ${form}: ${kernel}`);
      }
    } finally {
      setWinogradGradWeightForm(previous);
    }
  }
});

test('the folded Winograd grad weight slices its tiles for a GPU, not for a software driver\'s few threads', async () => {
  const gpu = await testGpu();
  if (!gpu.hasSubgroups) return;
  const rng = new Rng(35);
  // 32 tiles (two 16x16 images), 256 x 256 channels: 64 octets of 32 x 32 per slice. A GPU wants 1024 octets, so
  // two slices of 16 tiles, added by sumRows; a software driver wants two workgroups (16 octets) per CPU thread.
  const xs = [2, 16, 16, 256];
  const x = GpuTensor.from(gpu, xs, rng.uniformArray(size(xs)));
  const dy = GpuTensor.from(gpu, xs, rng.uniformArray(size(xs)));
  const o: Conv2dOptions = { stride: [1, 1], pad: [1, 1, 1, 1] };
  const sums = (view: Gpu) => {
    const before = new Map(gpu.batcher.counts.byKernel);
    conv2dGradWeight(view, x, dy, [3, 3, 256, 256], o).release(); // under 'winograd' (before.each): folded on both
    const ran = (k: string) => kernelRuns(gpu, k) - (before.get(k) ?? 0);
    assert.is(ran('winograd_grad_weight_folded'), 1);
    return ran('sum_rows') + ran('sum_rows_vec4');
  };
  assert.is(sums(asAdapter(gpu, false)), 1, 'a GPU: two slices added');
  assert.is(sums(asAdapter(gpu, true)), 16 * availableParallelism() > 64 ? 1 : 0, 'a software driver: two slices only past 4 CPU threads');
  x.release();
  dy.release();
});

test('Winograd splits batches into chunks by texture height and by binding size, and folds its grids', async () => {
  const real = await testGpu();
  if (!real.hasSubgroups) return;
  const rng = new Rng(32);
  // A texture limit of 576 texels (9 * 64, the V and M textures' width for 64 channels, and x's activation texture
  // width at 36 pixels): 40x36 outputs make 90 tiles per image, so 6 images per chunk and 3 chunks for 15 images.
  // Seen as a GPU, the grad weight stores its products; as a software adapter it runs them over the tiles by the
  // forward's product kernel (64 x channels), slice by slice of tiles.
  const onGpu = asAdapter(real, false);
  const onSoftware = asAdapter(real, true);
  const tall = withLimits(onGpu, { maxTextureDimension2D: 576 });
  let ran = await check(tall, [15, 40, 36, 64], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_input'), 3 * 3, 'forward (x), grad input (dy) and grad weight (x) ran 3 chunks each');
  assert.is(ran.get('winograd_grad_weight_output'), 1, 'all products fit one buffer: one output transform');
  // The same limit on a software adapter: V transposed for 64 tiles is 36 * 64 / 4 = 576 texels wide, so chunks of
  // 6, 6 and 3 images (540, 540 and 270 tiles) run in 9, 9 and 5 slices of 64 tiles (60 or 54 real, then zeros)
  ran = await check(withLimits(onSoftware, { maxTextureDimension2D: 576 }), [15, 40, 36, 64], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_input_t'), 9 + 9 + 5);
  assert.is(ran.get('winograd_grad_weight_output'), 1, 'all 23 slices\' products fit one buffer');
  // A 700,000-byte binding limit: one image of x or y (409,600 bytes) per chunk, and room for only one slice of the
  // grad weight's products (589,824 bytes), so each chunk's products are added into dw before the next.
  ran = await check(withLimits(onGpu, { maxStorageBufferBindingSize: 700000 }), [3, 40, 40, 64], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_gemm'), 3 + 3, 'forward and grad input ran 3 chunks each');
  assert.is(ran.get('winograd_grad_weight_output'), 3, 'the grad weight added 3 groups of products into dw');
  ran = await check(withLimits(onSoftware, { maxStorageBufferBindingSize: 700000 }), [3, 40, 40, 64], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_gemm'), 3 + 3 + 3, 'forward, grad input and grad weight ran 3 chunks each');
  assert.is(ran.get('winograd_grad_weight_output'), 3, 'the grad weight added 3 groups of products into dw');
  // At most 3 workgroups per dimension: every grid folds into y.
  const folded = withLimits(real, { maxComputeWorkgroupsPerDimension: 3 });
  await check(folded, [4, 16, 16, 64], 64, [1, 1, 1, 1], rng);
  await check(folded, [2, 8, 8, 64], 64, [1, 1, 1, 1], rng);
  ran = await check(withLimits(onSoftware, { maxComputeWorkgroupsPerDimension: 3 }), [8, 16, 16, 64], 64, [1, 1, 1, 1], rng);
  assert.is(ran.get('winograd_input_t'), 1);
});

test('the folded Winograd grad weight adds the slices of several chunks of images', async () => {
  const gpu = await testGpu();
  if (!gpu.hasSubgroups) return;
  const rng = new Rng(34);
  // Chunks given directly (the limits that split a batch this small would also rule Winograd out): one image each.
  const xs = [3, 12, 12, 64];
  const ws = [3, 3, 64, 64];
  const o: Conv2dOptions = { stride: [1, 1], pad: [1, 1, 1, 1] };
  const x = rng.uniformArray(size(xs));
  const g = rng.uniformArray(size(xs));
  const xt = GpuTensor.from(gpu, xs, x);
  const gt = GpuTensor.from(gpu, xs, g);
  const shape = { N: 3, H: 12, W: 12, K: 64, OH: 12, OW: 12, C: 64, padTop: 1, padLeft: 1, tile: 4 as const };
  const before = kernelRuns(gpu, 'winograd_grad_weight_folded');
  const dwt = winogradGradWeightFolded(gpu, 'test', shape, [[0, 1], [1, 1], [2, 1]], xt, gt);
  assert.is(kernelRuns(gpu, 'winograd_grad_weight_folded') - before, 3);
  assert.equal([...dwt.shape], ws);
  assertClose(await dwt.read(), conv2dGradWeightRef(x, g, xs, ws, o), TOL, 'dw over 3 chunks');
  for (const t of [xt, gt, dwt]) t.release();
});

test('the Winograd weight transform is cached per weight tensor and redone after the weights change', async () => {
  const gpu = await testGpu();
  if (!gpu.hasSubgroups) return;
  const rng = new Rng(33);
  const xs = [1, 8, 8, 64];
  const ws = [3, 3, 64, 64];
  const o: Conv2dOptions = { stride: [1, 1], pad: [1, 1, 1, 1] };
  const x = rng.uniformArray(size(xs));
  const w1 = rng.uniformArray(size(ws));
  const w2 = rng.uniformArray(size(ws));
  const xt = GpuTensor.from(gpu, xs, x);
  const wt = GpuTensor.from(gpu, ws, w1);
  const transforms = () => kernelRuns(gpu, 'winograd_weights');
  const before = transforms();
  const y1 = conv2dForward(gpu, xt, wt, null, o);
  const y2 = conv2dForward(gpu, xt, wt, null, o);
  assert.is(transforms() - before, 1, 'transformed once for two forwards');
  wt.write(w2);
  const y3 = conv2dForward(gpu, xt, wt, null, o);
  assert.is(transforms() - before, 2, 'transformed again after an upload');
  assertClose(await y1.read(), conv2dRef(x, xs, w1, ws, null, o), TOL, 'first');
  assertClose(await y2.read(), conv2dRef(x, xs, w1, ws, null, o), TOL, 'cached');
  assertClose(await y3.read(), conv2dRef(x, xs, w2, ws, null, o), TOL, 'after the upload');
  for (const t of [xt, wt, y1, y2, y3]) t.release();
});

test.run();
