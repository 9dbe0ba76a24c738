// 2-D convolution (dilation 1, groups 1) and its gradients: shape checks, the choice of kernel, Params packing
// and dispatch. Layouts: x (N, H, W, Cin), w (KH, KW, Cin, Cout), y (N, OH, OW, Cout). Padding is
// [top, left, bottom, right]; OH = floor((H + top + bottom - KH) / strideH) + 1.
//
// 3x3 stride-1 convolutions (all of VGG19's but the RGB first layer, most of ResNet's) go by
// Winograd's F(4x4, 3x3) in all three directions where the channels suit its product kernels
// (src/kernels/conv2d-winograd.ts; F(6x6, 3x3) for large outputs on a software adapter, winogradTileFor): a quarter of the multiply-adds; 1.8x (forward, 14x14x512, batch 1) to 3.6x
// (grad weight, 56x56x256, batch 8) the implicit GEMM below in `npm run bench:kernels` on llvmpipe (the README's
// kernel section); on a GPU (an NVIDIA H200) only from 256 channels (winogradSuitsChannels) and for a grad weight over
// enough tiles (winogradGradWeightForm). Otherwise each
// direction has a fast kernel (octets of 8 lanes sharing loads through subgroupShuffle, big register tiles; see
// shaders/conv2d.wgsl) used when the adapter has subgroups of at least 8 lanes and the channel counts fit it, and a
// plain kernel that handles every shape (and is the oracle in tests):
//   forward      conv2d_tex.wgsl (x and w in textures; Cin % 32 == 0, Cout % 64 == 0), else conv2d.wgsl
//                (Cin % 32 == 0), conv2d_small_cin.wgsl (any Cin, e.g. the RGB first layer),
//                fallback conv2d_direct.wgsl
//   grad input   conv2d_grad_input_tex.wgsl (dy and w in textures; Cin % 64 == 0, Cout % 32 == 0), else
//                conv2d_grad_input.wgsl (Cout % 32 == 0) on weights transposed by conv2d_weight_transpose.wgsl;
//                fallback conv2d_grad_input_direct.wgsl
//   grad weight  conv2d_grad_weight_tex.wgsl (x and dy in textures, 4 pixels per accumulator write; Cin % 4 == 0),
//                else conv2d_grad_weight.wgsl (any Cin); both split the pixels into slices whose partial sums
//                are added by sumRows; fallback conv2d_grad_weight_direct.wgsl. (A first texture version, reading
//                sampled textures one pixel at a time, was 1.5-2.3x slower than the storage kernel.)
// The texture kernels read read-only storage textures (src/kernels/conv2d-texture.ts fills them).
//   grad bias    sumRows (src/kernels/reduce.ts) over dy viewed as (N * OH * OW, Cout)
// Batches whose tensors would pass maxStorageBufferBindingSize are processed in chunks of images.

import type { Gpu } from '../gpu/device.ts';
import type { Binding } from '../gpu/batcher.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { envChoice } from '../gpu/env.ts';
import { expectRank } from './shapes.ts';
import { adapterGrid, packParams } from './params.ts';
import { sumRows } from './reduce.ts';
import { batchChunks, imageRange, splitChunks, sumSlices } from './conv2d-chunks.ts';
import { winogradChunks, winogradConv, type WinogradShape, type WinogradTile } from './conv2d-winograd.ts';
import {
  foldedSliceCapacity, winogradGradWeight, winogradGradWeightFolded, winogradGradWeightGemm,
} from './conv2d-winograd-grad-weight.ts';
import {
  activationTexture, activationTextureFits, blockedWeightTexture, blockedWeightTextureFits, imagesPerActivationTexture,
  gradInputWeightTexture, gradInputWeightTextureFits, winogradWeightTexture,
  type WeightTextureFormat,
} from './conv2d-texture.ts';

export interface Conv2dOptions {
  stride: [number, number];
  /** top, left, bottom, right */
  pad: [number, number, number, number];
}

/**
 * Which kernels to use: 'auto' picks the fast ones where they apply (Winograd's for 3x3 stride 1 where the channels
 * suit it, except on a GPU for fewer than 256 channels, winogradSuitsChannels, or a grad weight over few tiles,
 * winogradGradWeightForm); 'winograd' is the same but takes Winograd wherever it applies (tests, A/B bench); 'gemm' never takes Winograd (the implicit-GEMM
 * texture kernels); 'direct' forces the plain ones (tests); 'storage' uses the fast kernels that read everything from
 * storage buffers rather than textures (the forward's and grad input's weights and activations, grad weight's x and
 * dy: tests, A/B bench).
 */
export type Conv2dPath = 'auto' | 'winograd' | 'gemm' | 'direct' | 'storage';
/** GRAFT_CONV=winograd|gemm|... (default auto) chooses the kernels for the whole process. */
let forcedPath: Conv2dPath = envChoice<Conv2dPath>('GRAFT_CONV', ['auto', 'winograd', 'gemm', 'direct', 'storage'], 'auto');

/** Forces a choice of kernels (for tests and the bench's cross-checks); returns the previous setting. */
export function setConv2dPath(path: Conv2dPath): Conv2dPath {
  const previous = forcedPath;
  forcedPath = path;
  return previous;
}

/**
 * How the forward texture kernel stores weights: 'f32' (default, exact) or 'f16' (rounded to half precision and
 * packed 8 to a texel: half the weight fetches and bytes; arithmetic stays f32). The gradient kernels always read
 * f32 weights: training takes the f32 weights' gradients at the f16 forward's activations (mixed-precision training
 * would read the same half copy in both).
 */
/** GRAFT_WEIGHTS=f16 (or f32, the default) chooses the weight format for the whole process. */
let weightFormat: WeightTextureFormat = envChoice<WeightTextureFormat>('GRAFT_WEIGHTS', ['f32', 'f16'], 'f32');

/** Sets how the forward texture kernel stores weights; returns the previous setting. */
export function setConv2dWeightFormat(format: WeightTextureFormat): WeightTextureFormat {
  const previous = weightFormat;
  weightFormat = format;
  return previous;
}

const WG = 64;
/** Pixels per octet in conv2d.wgsl / conv2d_grad_input.wgsl / conv2d_small_cin.wgsl (their `const TM`). */
const TM = 16;
/** Output channels per octet in conv2d.wgsl / conv2d_grad_input.wgsl (32 * their `const TN`). */
const COLS = 64;
const TM_SMALL = 32;

/** [N, OH, OW, Cout] for x (N, H, W, Cin) and w (KH, KW, Cin, Cout). */
export function conv2dOutputShape(xShape: readonly number[], wShape: readonly number[], o: Conv2dOptions): number[] {
  const [N, H, W] = xShape;
  const [KH, KW, , Cout] = wShape;
  const OH = Math.floor((H + o.pad[0] + o.pad[2] - KH) / o.stride[0]) + 1;
  const OW = Math.floor((W + o.pad[1] + o.pad[3] - KW) / o.stride[1]) + 1;
  return [N, OH, OW, Cout];
}

export interface Dims {
  N: number; H: number; W: number; Cin: number;
  KH: number; KW: number; Cout: number;
  OH: number; OW: number;
}

function checkOptions(op: string, o: Conv2dOptions): void {
  const ok =
    o.stride.length === 2 && o.stride.every((s) => Number.isInteger(s) && s >= 1) &&
    o.pad.length === 4 && o.pad.every((p) => Number.isInteger(p) && p >= 0);
  if (!ok) throw new ShapeError(`${op}: stride must be two integers >= 1 and pad four integers >= 0, got stride ${fmtShape(o.stride)} pad ${fmtShape(o.pad)}`);
}

/** Validates x and w shapes against each other and the options; returns all sizes. */
function dims(op: string, xShape: readonly number[], wShape: readonly number[], o: Conv2dOptions): Dims {
  checkOptions(op, o);
  const shapes = `x${fmtShape(xShape)}, w${fmtShape(wShape)}`;
  if (xShape.length !== 4) throw new ShapeError(`${op}: x must be (N, H, W, Cin), got ${shapes}`);
  if (wShape.length !== 4) throw new ShapeError(`${op}: w must be (KH, KW, Cin, Cout), got ${shapes}`);
  const [N, H, W, Cin] = xShape;
  const [KH, KW, wCin, Cout] = wShape;
  if (wCin !== Cin) throw new ShapeError(`${op}: x has ${Cin} channels but w expects ${wCin}: ${shapes}`);
  const [, OH, OW] = conv2dOutputShape(xShape, wShape, o);
  if (OH < 1 || OW < 1 || KH < 1 || KW < 1 || Cout < 1 || Cin < 1 || N < 1) {
    throw new ShapeError(`${op}: empty output or kernel for ${shapes}, stride ${fmtShape(o.stride)}, pad ${fmtShape(o.pad)}`);
  }
  return { N, H, W, Cin, KH, KW, Cout, OH, OW };
}

function what(op: string, tensors: Record<string, readonly number[]>, o: Conv2dOptions): string {
  const list = Object.entries(tensors).map(([k, s]) => `${k}${fmtShape(s)}`).join(' ');
  return `${op} ${list} stride ${fmtShape(o.stride)} pad ${fmtShape(o.pad)}`;
}

/** True when the octet kernels can run: subgroups of at least 8 lanes (they shuffle within groups of 8). */
function octetsAvailable(gpu: Gpu): boolean {
  if (forcedPath === 'direct' || !gpu.hasSubgroups) return false;
  const info = (gpu.device as unknown as { adapterInfo?: { subgroupMinSize?: number } }).adapterInfo;
  const min = info?.subgroupMinSize;
  // Unknown minimum: trust the feature (every subgroup implementation we know runs 8 lanes or more in compute).
  return min === undefined || (min >= 8 && min % 8 === 0);
}

// --- kernel choice -------------------------------------------------------------------------------------

/** The Winograd shapes of the forward (x to y) and the grad input (dy to dx), for 3x3 stride-1 convolutions. */
function winogradForward(d: Dims, o: Conv2dOptions, tile: WinogradTile): WinogradShape {
  return { N: d.N, H: d.H, W: d.W, K: d.Cin, OH: d.OH, OW: d.OW, C: d.Cout, padTop: o.pad[0], padLeft: o.pad[1], tile };
}
function winogradGradInput(d: Dims, o: Conv2dOptions, tile: WinogradTile): WinogradShape {
  // dx = dy correlated with w turned 180 degrees: the padding becomes 2 - pad (negative: dy's edge is skipped)
  return {
    N: d.N, H: d.OH, W: d.OW, K: d.Cout, OH: d.H, OW: d.W, C: d.Cin, padTop: 2 - o.pad[0], padLeft: 2 - o.pad[1], tile,
  };
}

/** A direction run by Winograd (conv2d-winograd.ts): its shape, tile size included, and chunks of images. */
interface WinogradPlan {
  shape: WinogradShape;
  chunks: Array<[number, number]>;
}

/** How to run a direction by Winograd, or null when it does not apply. */
function winogradPlan(gpu: Gpu, op: string, d: Dims, o: Conv2dOptions, shape: WinogradShape): WinogradPlan | null {
  if ((forcedPath !== 'auto' && forcedPath !== 'winograd') || !octetsAvailable(gpu)) return null;
  if (d.KH !== 3 || d.KW !== 3 || o.stride[0] !== 1 || o.stride[1] !== 1) return null;
  if (!winogradSuitsChannels(gpu.adapter, forcedPath, d.Cin, d.Cout)) return null;
  const chunks = winogradChunks(gpu, op, shape);
  return chunks ? { shape, chunks } : null;
}

/** `plan` for this tile, or for 4x4 tiles where 6x6 ones do not fit the adapter (their textures are wider). */
function planOrSmallerTile(tile: WinogradTile, plan: (tile: WinogradTile) => WinogradPlan | null): WinogradPlan | null {
  return plan(tile) ?? (tile === 6 ? plan(4) : null);
}

function forwardPlan(gpu: Gpu, d: Dims, o: Conv2dOptions): WinogradPlan | null {
  return planOrSmallerTile(winogradTileFor(gpu.adapter, 'forward', d.OH, d.OW),
    (tile) => winogradPlan(gpu, 'conv2d', d, o, winogradForward(d, o, tile)));
}

function gradInputPlan(gpu: Gpu, d: Dims, o: Conv2dOptions): WinogradPlan | null {
  return planOrSmallerTile(winogradTileFor(gpu.adapter, 'gradInput', d.H, d.W),
    (tile) => winogradPlan(gpu, 'conv2d grad input', d, o, winogradGradInput(d, o, tile)));
}

/** GRAFT_WINOGRAD_TILE=4|6 (default auto) forces the Winograd tile for the process (the folded grad weight's is 4). */
let forcedTile = envChoice<'auto' | '4' | '6'>('GRAFT_WINOGRAD_TILE', ['auto', '4', '6'], 'auto');

/** Forces the Winograd tile (tests, A/B bench); returns the previous setting. */
export function setWinogradTile(tile: 'auto' | WinogradTile): 'auto' | WinogradTile {
  const previous = forcedTile === 'auto' ? 'auto' : (Number(forcedTile) as WinogradTile);
  forcedTile = tile === 'auto' ? 'auto' : (String(tile) as '4' | '6');
  return previous;
}

/** The direction of a convolution a Winograd tile is chosen for. */
export type Conv2dDirection = 'forward' | 'gradInput' | 'gradWeight';

/**
 * The Winograd tile for a convolution whose output (for the grad input, input) is OH x OW, in `direction`: 6x6 where
 * its tiles cover the output with at most WINOGRAD6_MOST_WORK[direction] of F(4x4, 3x3)'s points (64 per 6x6 tile
 * against 36 per 4x4: 0.79 when both tile the output exactly, 0.82 at 224x224 and 112x112, 0.91 at 56x56 and 28x28,
 * 1.0 at 14x14), on a software adapter.
 */
export function winogradTileFor(
  adapter: { isSoftware: boolean }, direction: Conv2dDirection, OH: number, OW: number,
): WinogradTile {
  if (forcedTile !== 'auto') return Number(forcedTile) as WinogradTile;
  if (!adapter.isSoftware) return 4;
  const work = (tile: number) => Math.ceil(OH / tile) * Math.ceil(OW / tile) * (tile + 2) ** 2;
  return work(6) <= WINOGRAD6_MOST_WORK[direction] * work(4) ? 6 : 4;
}

/**
 * The most work (6x6 tiles' points over 4x4's) at which a direction takes 6x6 tiles. A 6x6 tile stores a fifth fewer
 * values per output and does 1.78 multiply-adds per output where 4x4 does 2.25, so on llvmpipe, where the stores
 * weigh most, the forward and the grad input gain even where 6x6 tiles overhang the output: at 56x56 and 28x28
 * (0.91) they were 3-9% faster in all ten pairs measured, batch 1 and 8 (`npm run bench:ab -- --setting tile`, the
 * README's table). The grad weight's forms over many tiles were 12% slower with 6x6 tiles at 56x56x256, batch 1, and
 * 7% at 28x28x512, batch 8 (4% faster at 56x56x128, batch 1), so it keeps 6x6 for 224x224 and 112x112 (0.82).
 */
const WINOGRAD6_MOST_WORK: Record<Conv2dDirection, number> = { forward: 0.92, gradInput: 0.92, gradWeight: 0.85 };

/**
 * Channels (the fewer of Cin and Cout) from which 'auto' takes Winograd on a GPU. There its transforms are passes
 * over memory whose bytes per multiply-add grow as the channels shrink, and the implicit GEMM's multiply-adds are
 * cheap: on an NVIDIA H200 (`npm run bench:kernels -- --batch 8`, ms, implicit GEMM / Winograd, forward, grad input,
 * grad weight) 224x224x64 4.4/8.9, 4.8/9.0, 6.9/12.1; 112x112x64->128 1.8/4.7, 2.9/5.0, 3.4/6.5; 112x112x128
 * 3.2/5.7, 3.5/5.3, 5.1/7.3; 56x56x128->256 1.5/2.2, 2.5/2.3, 2.6/3.0; but 56x56x256 2.8/2.8, 3.1/2.8, 4.3/3.6;
 * 28x28x512 2.5/1.6, 2.7/1.7, 2.6/2.0; 14x14x512 1.7/1.0, 1.9/1.0, 0.9/1.1. On llvmpipe, where every multiply-add is
 * a CPU instruction, Winograd wins at every channel count (1.8-3.6x), so a software adapter takes it everywhere.
 */
const WINOGRAD_MIN_CHANNELS_ON_GPU = 256;

/** Whether Winograd suits a convolution of these channels on this adapter (see WINOGRAD_MIN_CHANNELS_ON_GPU). */
export function winogradSuitsChannels(adapter: { isSoftware: boolean }, path: Conv2dPath, Cin: number, Cout: number): boolean {
  return adapter.isSoftware || path === 'winograd' || Math.min(Cin, Cout) >= WINOGRAD_MIN_CHANNELS_ON_GPU;
}

interface GradWeightPlan extends WinogradPlan {
  form: WinogradGradWeightForm;
}

function gradWeightPlan(gpu: Gpu, d: Dims, o: Conv2dOptions): GradWeightPlan | null {
  // The products of one slice of tiles (points * Cin * Cout floats) must fit a storage binding.
  const fits = (tile: WinogradTile) => (tile + 2) ** 2 * d.Cin * d.Cout * 4 <= (gpu.limits.maxStorageBufferBindingSize ?? 134217728);
  const plan4 = fits(4) ? winogradPlan(gpu, 'conv2d grad weight', d, o, winogradForward(d, o, 4)) : null;
  if (!plan4) return null;
  const form = forcedForm === 'auto' ? winogradGradWeightForm(gpu.adapter, forcedPath, tilesOf(d), d.Cin) : forcedForm;
  if (!form) return null;
  if (form === 'folded' && plan4.chunks.length <= foldedSliceCapacity(gpu, d.Cin, d.Cout)) return { ...plan4, form };
  // The folded form keeps one slice of 9 taps per chunk: past its capacity, the form for many tiles.
  const many = form === 'folded' ? manyTilesForm(gpu.adapter, d.Cin) : form;
  // The forms for many tiles take 6x6 tiles where the grad weight's line in winogradTileFor says (the folded kernel
  // is 4x4's only).
  if (winogradTileFor(gpu.adapter, 'gradWeight', d.OH, d.OW) === 6 && fits(6)) {
    const plan6 = winogradPlan(gpu, 'conv2d grad weight', d, o, winogradForward(d, o, 6));
    if (plan6) return { ...plan6, form: many };
  }
  return { ...plan4, form: many };
}

/** The forward's kernel where Winograd does not apply. */
function gemmForwardKernel(gpu: Gpu, d: Dims): string {
  if (!octetsAvailable(gpu) || d.Cout % 4 !== 0) return 'conv2d_direct';
  if (d.Cin % 32 !== 0) return 'conv2d_small_cin';
  const textured = forcedPath !== 'storage' && blockedWeightTextureFits(gpu, d.KH * d.KW * d.Cin, d.Cout) &&
    activationTextureFits(gpu, d.H, d.W, d.Cin);
  return textured ? 'conv2d_tex' : 'conv2d';
}

/** The grad input's kernel where Winograd does not apply. */
function gemmGradInputKernel(gpu: Gpu, d: Dims): string {
  if (!octetsAvailable(gpu) || d.Cout % 32 !== 0 || d.Cin % 4 !== 0) return 'conv2d_grad_input_direct';
  // dy goes into a bounded texture, so the batch may be split: dx's chunks must then start 256-byte aligned.
  const dxImage = d.H * d.W * d.Cin * 4;
  const textured = forcedPath !== 'storage' && gradInputWeightTextureFits(gpu, d.KH * d.KW, d.Cin, d.Cout) &&
    activationTextureFits(gpu, d.OH, d.OW, d.Cout) &&
    (dxImage % 256 === 0 || d.N <= imagesPerActivationTexture(gpu, d.OH, d.OW, d.Cout));
  return textured ? 'conv2d_grad_input_tex' : 'conv2d_grad_input';
}

/**
 * Tiles (4x4 outputs, over the whole batch) below which the Winograd grad weight folds its output transform into the
 * products (winograd_grad_weight_folded.wgsl) rather than storing all 36 products and transforming them after
 * (winograd_grad_weight.wgsl), on a software adapter and on a GPU. Storing costs 36 * Cin * Cout floats written and
 * read back whatever the number of tiles, which few tiles do not pay for; folding costs a fold per point and slice
 * of tiles, and makes every octet stream all 36 points' operands, which caches hold only while there are few tiles.
 * Measured on llvmpipe by a throwaway timing script (ms, folded in one slice / stored; conv2d-winograd.ts's
 * foldedTargetOctets says why one slice there): 14x14x512 at batch 1 (16 tiles) 34 / 57-67; 28x28x512 batch 1 (49)
 * 60 / 111; 14x14x512 batch 4 (64) 85 / 106-116; 28x28x512 batch 2 (98) 120 / 131; 14x14x512 batch 8 (128)
 * 181 / 179; 28x28x512 batch 3 (147) 155-232 / 141-155. The GPU's line is the one measured on llvmpipe before
 * folding ran in one slice there, kept until a GPU measures it.
 */
const WINOGRAD_FOLDED_TILES = { software: 128, hardware: 64 };

/**
 * The Winograd grad weight's forms (conv2d-winograd-grad-weight.ts): 'folded' (winogradGradWeightFolded, few tiles), 'stored'
 * (winogradGradWeight: all products stored, then transformed) and 'gemm' (winogradGradWeightGemm: the same, the
 * products run by the forward's product kernel with the tiles as its reduction).
 */
export type WinogradGradWeightForm = 'folded' | 'stored' | 'gemm';

/**
 * x channels below which a software adapter runs the products of a grad weight over many tiles by the forward's
 * product kernel ('gemm'). With few channels the grad-weight kernel's octets of 32 x 32 are few per point and its
 * shuffles per multiply-add many; the forward's kernel runs the same multiply-adds about 1.9x as fast, at the cost of
 * transposing V (a quarter more for its transform). On llvmpipe, a throwaway script alternating the two in one
 * process (medians, ms, stored / gemm): 224x224x64 at batch 1 107.4 / 92.5 and at batch 4 414.6 / 361.6;
 * 112x112x64->128 at batch 1 42.5 / 40.0 and at batch 8 318.7 / 338.9; but 112x112x128 64.4 / 67.4, 56x56x256 batch 2
 * 84.7 / 90.3, 28x28x512 batch 8 404 / 452. Not measured on a GPU, which keeps the stored form.
 */
const WINOGRAD_GEMM_BELOW_CIN = 128;

/** The grad weight's form when Winograd applies: 'auto' (winogradGradWeightForm) or one forced for the process. */
let forcedForm: 'auto' | WinogradGradWeightForm = 'auto';

/**
 * Forces the Winograd grad weight's form where Winograd applies (the A/B bench, tests; a forced 'folded' past the
 * folded kernel's capacity still takes the form for many tiles); returns the previous setting.
 */
export function setWinogradGradWeightForm(form: 'auto' | WinogradGradWeightForm): 'auto' | WinogradGradWeightForm {
  const previous = forcedForm;
  forcedForm = form;
  return previous;
}

/** The form of the Winograd grad weight over many tiles. */
function manyTilesForm(adapter: { isSoftware: boolean }, Cin: number): 'stored' | 'gemm' {
  return adapter.isSoftware && Cin < WINOGRAD_GEMM_BELOW_CIN ? 'gemm' : 'stored';
}

/**
 * The form of the Winograd grad weight over `tiles` tiles of a convolution of Cin input channels, or null for the
 * implicit GEMM: from WINOGRAD_FOLDED_TILES tiles on, manyTilesForm's, folded below. Except on a GPU under 'auto':
 * there few tiles make too few workgroups for the folded kernel, and on an NVIDIA H200 it took 3.3 ms for
 * 14x14x512's gradients at batch 1 (`npm run bench`, dx + dw) where the implicit GEMM took 2.0 (0.86 once 'auto'
 * sent them there), so the implicit GEMM takes those.
 */
export function winogradGradWeightForm(
  adapter: { isSoftware: boolean }, path: Conv2dPath, tiles: number, Cin: number,
): WinogradGradWeightForm | null {
  if (tiles >= WINOGRAD_FOLDED_TILES[adapter.isSoftware ? 'software' : 'hardware']) return manyTilesForm(adapter, Cin);
  return adapter.isSoftware || path === 'winograd' ? 'folded' : null;
}

/** Tiles of 4x4 outputs over the whole batch. */
function tilesOf(d: Dims): number {
  return d.N * Math.ceil(d.OH / 4) * Math.ceil(d.OW / 4);
}

/** The grad weight's kernel where Winograd does not apply. */
function gemmGradWeightKernel(gpu: Gpu, d: Dims): string {
  if (!octetsAvailable(gpu) || d.Cout % 4 !== 0) return 'conv2d_grad_weight_direct';
  const textured = forcedPath !== 'storage' && d.Cin % 4 === 0 &&
    activationTextureFits(gpu, d.H, d.W, d.Cin) && activationTextureFits(gpu, d.OH, d.OW, d.Cout);
  return textured ? 'conv2d_grad_weight_tex' : 'conv2d_grad_weight';
}

/** 'winograd' (4x4 tiles) or 'winograd6' (6x6) for a Winograd plan, undefined for none. */
function winogradName(plan: WinogradPlan | null): string | undefined {
  if (!plan) return undefined;
  return plan.shape.tile === 6 ? 'winograd6' : 'winograd';
}

/** The shader each direction would use for these shapes on this GPU (the bench prints it). */
export function conv2dKernelNames(
  gpu: Gpu, xShape: readonly number[], wShape: readonly number[], o: Conv2dOptions,
): { forward: string; gradInput: string; gradWeight: string } {
  const d = dims('conv2d', xShape, wShape, o);
  return {
    forward: winogradName(forwardPlan(gpu, d, o)) ?? gemmForwardKernel(gpu, d),
    gradInput: winogradName(gradInputPlan(gpu, d, o)) ?? gemmGradInputKernel(gpu, d),
    gradWeight: winogradName(gradWeightPlan(gpu, d, o)) ?? gemmGradWeightKernel(gpu, d),
  };
}

/** Workgroups for `groups` total, folded into y past this adapter's per-dimension limit. */
function fold(gpu: Gpu, groups: number): [number, number, number] {
  return adapterGrid(gpu, groups, 1);
}

/** Workgroups of WG invocations for `threads`, folded the same way. */
function grid(gpu: Gpu, threads: number): [number, number, number] {
  return adapterGrid(gpu, threads, WG);
}

// --- forward -------------------------------------------------------------------------------------------

/** y = conv(x, w) + bias, ReLU fused when `relu`. x (N,H,W,Cin), w (KH,KW,Cin,Cout), bias (Cout) or null. */
export function conv2dForward(
  gpu: Gpu, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, o: Conv2dOptions & { relu?: boolean },
): GpuTensor {
  const op = 'conv2d';
  const d = dims(op, x.shape, w.shape, o);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== d.Cout)) {
    throw new ShapeError(`${op}: bias must be (${d.Cout}), got bias${fmtShape(bias.shape)} for x${fmtShape(x.shape)}, w${fmtShape(w.shape)}`);
  }
  const y = GpuTensor.empty(gpu, [d.N, d.OH, d.OW, d.Cout], 'f32', 'conv2d.y'); // (N, OH, OW, Cout)
  const desc = what(op, { x: x.shape, w: w.shape }, o);
  const flags: Array<['u32', number]> = [['u32', bias ? 1 : 0], ['u32', o.relu ? 1 : 0]];
  const plan = forwardPlan(gpu, d, o);
  if (plan) {
    // U (points * Cin, Cout) packed, refilled from w now unless it still holds these weights
    const u = winogradWeightTexture(gpu, w, d.Cin, d.Cout, false, weightFormat, plan.shape.tile);
    winogradConv(gpu, desc, plan.shape, plan.chunks, 'x', x, u, weightFormat === 'f16', bias, !!o.relu, y);
    return y;
  }
  const kernelName = gemmForwardKernel(gpu, d);
  const biasBinding = bias ? bias.binding : w.binding; // never read when hasBias is 0
  const fast = kernelName !== 'conv2d_direct';
  const textured = kernelName === 'conv2d_tex';
  const kernel = gpu.pipelines.get(kernelName, textured ? { WG, PACKED_F16: weightFormat === 'f16' ? 1 : 0 } : { WG });
  // blocked (Cout / 64 * K / 32 rows), refilled from w now: in order with the work, never stale after an optimizer step
  const wBinding: Binding = textured ? blockedWeightTexture(gpu, w, d.KH * d.KW * d.Cin, d.Cout, weightFormat) : w.binding;

  let chunks = batchChunks(gpu, op, d.N, [d.H * d.W * d.Cin * 4, d.OH * d.OW * d.Cout * 4]);
  // The texture kernel reads x from a bounded texture: chunks of at most that many images (offsets stay aligned:
  // an image of x or y is a multiple of 256 bytes when Cin and Cout are multiples of 64 and 32).
  if (textured) chunks = splitChunks(chunks, imagesPerActivationTexture(gpu, d.H, d.W, d.Cin));

  for (const [n0, count] of chunks) {
    const M = count * d.OH * d.OW;
    const common = commonParams(d, o);
    // (count * H rows, W * Cin / 4 texels) for the texture kernel, filled now, in order with the work
    const xBinding: Binding = textured ? activationTexture(gpu, x, n0, count, 'x') : imageRange(x, n0, count);
    const buffers = [xBinding, wBinding, biasBinding, imageRange(y, n0, count)];
    if (fast) {
      const [tm, cols] = kernelName === 'conv2d_small_cin' ? [TM_SMALL, 32] : [TM, COLS];
      const colBlocks = Math.ceil(d.Cout / cols);
      const octets = colBlocks * Math.ceil(M / tm);
      const groups = fold(gpu, Math.ceil(octets / (WG / 8)));
      gpu.batcher.dispatch({
        kernel, what: desc,
        params: packParams([...common, ['u32', M], ['u32', colBlocks], ['u32', octets], ['u32', groups[0]], ...flags]),
        buffers, workgroups: groups,
      });
    } else {
      const total = M * d.Cout;
      gpu.batcher.dispatch({
        kernel, what: desc,
        params: packParams([...common, ['u32', total], ...flags, ['u32', 1]]), // one group
        buffers, workgroups: grid(gpu, total),
      });
    }
  }
  return y;
}

// --- gradient with respect to the input ----------------------------------------------------------------

/** dx (N, H, W, Cin) from dy (N, OH, OW, Cout) and w (KH, KW, Cin, Cout); inputShape is x's shape. */
export function conv2dGradInput(
  gpu: Gpu, dy: GpuTensor, w: GpuTensor, inputShape: readonly number[], o: Conv2dOptions,
): GpuTensor {
  const op = 'conv2d grad input';
  const d = dims(op, inputShape, w.shape, o);
  expectDy(op, dy, d, { x: inputShape, w: w.shape });
  const dx = GpuTensor.empty(gpu, [d.N, d.H, d.W, d.Cin], 'f32', 'conv2d.dx'); // (N, H, W, Cin)
  const desc = what(op, { dy: dy.shape, w: w.shape, x: inputShape }, o);
  const plan = gradInputPlan(gpu, d, o);
  if (plan) {
    // U of w turned 180 degrees with its channel axes swapped, (points * Cout, Cin), always f32 like the other
    // gradient kernels' weights
    const u = winogradWeightTexture(gpu, w, d.Cout, d.Cin, true, 'f32', plan.shape.tile);
    winogradConv(gpu, desc, plan.shape, plan.chunks, 'dy', dy, u, false, null, false, dx);
    return dx;
  }
  const kernelName = gemmGradInputKernel(gpu, d);
  const fast = kernelName !== 'conv2d_grad_input_direct';
  // The texture kernel reads w packed in its own blocked layout; the storage kernel reads a transposed copy.
  const textured = kernelName === 'conv2d_grad_input_tex';
  let wT: GpuTensor | undefined;
  if (fast && !textured) {
    wT = GpuTensor.empty(gpu, [d.KH, d.KW, d.Cout, d.Cin], 'f32', 'conv2d.wT'); // (KH, KW, Cout, Cin)
    const count = w.size;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('conv2d_weight_transpose', { WG }),
      what: `${op}: transpose w${fmtShape(w.shape)}`,
      params: packParams([['u32', d.KH * d.KW], ['u32', d.Cin], ['u32', d.Cout], ['u32', count]]),
      buffers: [w.binding, wT.binding],
      workgroups: grid(gpu, count),
    });
  }
  const kernel = gpu.pipelines.get(kernelName, { WG });
  // w in the texture kernel's blocked layout, filled in order before the dispatches
  const wBinding: Binding = textured
    ? gradInputWeightTexture(gpu, w, d.KH * d.KW, d.Cin, d.Cout)
    : fast ? wT!.binding : w.binding;
  let chunks = batchChunks(gpu, op, d.N, [d.H * d.W * d.Cin * 4, d.OH * d.OW * d.Cout * 4]);
  // The texture kernel reads dy from a bounded texture: chunks of at most that many images (see gemmGradInputKernel).
  if (textured) chunks = splitChunks(chunks, imagesPerActivationTexture(gpu, d.OH, d.OW, d.Cout));
  for (const [n0, count] of chunks) {
    const M = count * d.H * d.W;
    const common = commonParams(d, o);
    // (count * OH rows, OW * Cout / 4 texels) for the texture kernel, filled now, in order with the work
    const dyBinding: Binding = textured ? activationTexture(gpu, dy, n0, count, 'dy') : imageRange(dy, n0, count);
    const buffers = [dyBinding, wBinding, imageRange(dx, n0, count)];
    if (fast) {
      const colBlocks = Math.ceil(d.Cin / COLS);
      const octets = colBlocks * Math.ceil(M / TM);
      const groups = fold(gpu, Math.ceil(octets / (WG / 8)));
      gpu.batcher.dispatch({
        kernel, what: desc, buffers, workgroups: groups,
        params: packParams([...common, ['u32', M], ['u32', colBlocks], ['u32', octets], ['u32', groups[0]]]),
      });
    } else {
      const total = M * d.Cin;
      gpu.batcher.dispatch({
        kernel, what: desc, buffers, workgroups: grid(gpu, total),
        params: packParams([...common, ['u32', total], ['u32', 1]]), // one group
      });
    }
  }
  wT?.release(); // work recorded later (the buffer's next owner) runs after the dispatches above
  return dx;
}

// --- gradient with respect to the weights --------------------------------------------------------------

/** Octets of work below which the fast grad-weight kernel splits the pixels into slices. */
const TARGET_OCTETS = 1024;

/** dw (KH, KW, Cin, Cout) from x (N, H, W, Cin) and dy (N, OH, OW, Cout); weightShape is w's shape. */
export function conv2dGradWeight(
  gpu: Gpu, x: GpuTensor, dy: GpuTensor, weightShape: readonly number[], o: Conv2dOptions,
): GpuTensor {
  const op = 'conv2d grad weight';
  const d = dims(op, x.shape, weightShape, o);
  expectDy(op, dy, d, { x: x.shape, w: weightShape });
  const desc = what(op, { x: x.shape, dy: dy.shape, w: weightShape }, o);
  const K = d.KH * d.KW * d.Cin;
  const plan = gradWeightPlan(gpu, d, o);
  if (plan) {
    if (plan.form === 'folded') return winogradGradWeightFolded(gpu, desc, plan.shape, plan.chunks, x, dy);
    const dw = GpuTensor.empty(gpu, weightShape, 'f32', 'conv2d.dw'); // (3, 3, Cin, Cout)
    if (plan.form === 'gemm') winogradGradWeightGemm(gpu, desc, plan.shape, plan.chunks, x, dy, dw);
    else winogradGradWeight(gpu, desc, plan.shape, plan.chunks, x, dy, dw);
    return dw;
  }
  const kernelName = gemmGradWeightKernel(gpu, d);
  const fast = kernelName !== 'conv2d_grad_weight_direct';
  const textured = kernelName === 'conv2d_grad_weight_tex';
  let chunks = batchChunks(gpu, op, d.N, [d.H * d.W * d.Cin * 4, d.OH * d.OW * d.Cout * 4]);
  // The texture kernel reads x and dy from bounded textures: chunks of at most that many images.
  if (textured) {
    chunks = splitChunks(chunks, Math.min(imagesPerActivationTexture(gpu, d.H, d.W, d.Cin), imagesPerActivationTexture(gpu, d.OH, d.OW, d.Cout)));
  }
  const colBlocks = Math.ceil(d.Cout / 32);
  const rowBlocks = Math.ceil(K / 32);
  // Slices per chunk: enough octets to keep every core (or GPU unit) busy, at least 4 image rows each.
  const slicesFor = (count: number) => {
    const imageRows = count * d.OH;
    const wanted = fast ? Math.ceil(TARGET_OCTETS / (colBlocks * rowBlocks)) : 1;
    return Math.max(1, Math.min(wanted, Math.floor(imageRows / 4)));
  };
  const totalSlices = chunks.reduce((s, [, count]) => s + slicesFor(count), 0);
  // (totalSlices, K, Cout) partial sums, or dw itself when there is a single slice
  const partial = GpuTensor.empty(gpu, totalSlices === 1 ? weightShape : [totalSlices, K, d.Cout], 'f32',
    totalSlices === 1 ? 'conv2d.dw' : 'conv2d.dw.partial');
  const kernel = gpu.pipelines.get(kernelName, { WG });
  let slice0 = 0;
  for (const [n0, count] of chunks) {
    const slices = slicesFor(count);
    const common = commonParams(d, o);
    // A lone chunk writes straight into `partial`; several write their own and are copied in (their offsets
    // into `partial` need not meet the storage-binding alignment).
    const temp = chunks.length === 1 ? undefined : GpuTensor.empty(gpu, [slices, K, d.Cout], 'f32', 'conv2d.dw.chunk');
    const out = (temp ?? partial).binding;
    if (fast) {
      const groupsPerSlice = Math.ceil((colBlocks * rowBlocks) / (WG / 8));
      const groups = fold(gpu, groupsPerSlice * slices);
      const imageRows = count * d.OH;
      gpu.batcher.dispatch({
        kernel, what: desc, workgroups: groups,
        params: packParams([...common, ['u32', K], ['u32', Math.ceil(imageRows / slices)], ['u32', imageRows],
          ['u32', colBlocks], ['u32', rowBlocks], ['u32', groupsPerSlice], ['u32', groups[0]], ['u32', slices]]),
        buffers: textured
          ? [activationTexture(gpu, x, n0, count, 'x'), activationTexture(gpu, dy, n0, count, 'dy'), out]
          : [imageRange(x, n0, count), imageRange(dy, n0, count), out],
      });
    } else {
      const total = K * d.Cout;
      gpu.batcher.dispatch({
        kernel, what: desc, workgroups: grid(gpu, total),
        params: packParams([...common, ['u32', count], ['u32', total], ['u32', 1]]), // one group
        buffers: [imageRange(x, n0, count), imageRange(dy, n0, count), out],
      });
    }
    if (temp) {
      gpu.batcher.copy(temp.buffer, 0, partial.buffer, slice0 * K * d.Cout * 4, temp.byteLength);
      temp.release();
    }
    slice0 += slices;
  }
  return totalSlices === 1 ? partial : sumSlices(gpu, partial, weightShape);
}

// --- gradient with respect to the bias -----------------------------------------------------------------

/** db (Cout) = dy (N, OH, OW, Cout) summed over batch and pixels. */
export function conv2dGradBias(gpu: Gpu, dy: GpuTensor): GpuTensor {
  expectRank('conv2d grad bias', 'dy', dy, 4, '(N, OH, OW, Cout)');
  const rows = dy.reshape([-1, dy.shape[3]]); // (N * OH * OW, Cout)
  const db = sumRows(gpu, rows);
  rows.release();
  return db;
}

// --- helpers -------------------------------------------------------------------------------------------

/** The 12 sizes every conv kernel's Params starts with (shaders/parts/conv_params.wgsl), in its order. */
/** The sizes every conv kernel's Params starts with (shaders/parts/conv_params.wgsl), in its order. */
export function commonParams(d: Dims, o: Conv2dOptions): Array<['u32', number]> {
  return [
    ['u32', d.H], ['u32', d.W], ['u32', d.Cin], ['u32', d.OH], ['u32', d.OW], ['u32', d.Cout],
    ['u32', d.KH], ['u32', d.KW], ['u32', o.stride[0]], ['u32', o.stride[1]], ['u32', o.pad[0]], ['u32', o.pad[1]],
  ];
}

function expectDy(op: string, dy: GpuTensor, d: Dims, others: Record<string, readonly number[]>): void {
  const want = [d.N, d.OH, d.OW, d.Cout];
  if (dy.shape.length !== 4 || dy.shape.some((v, i) => v !== want[i])) {
    const list = Object.entries(others).map(([k, s]) => `${k}${fmtShape(s)}`).join(', ');
    throw new ShapeError(`${op}: dy must be ${fmtShape(want)} for ${list}, got dy${fmtShape(dy.shape)}`);
  }
}
