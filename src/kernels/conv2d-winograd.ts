// 3x3 stride-1 convolutions by Winograd's minimal filtering, F(4x4, 3x3) (Lavin and Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2015): each 4x4 tile of the output comes from the 6x6 patch of the input under it,
//   Y = A^T [ (G g G^T) (.) (B^T d B) ] A          ((.) is the elementwise product, per channel pair),
// and summing over input channels turns the elementwise products into 36 independent matrix products,
//   M[xi] (tiles, Cout) = V[xi] (tiles, Cin) U[xi] (Cin, Cout),   xi < 36.
// Those products do 36 multiply-adds per 16 outputs of a channel pair, 2.25 per output, where the direct
// convolution does 9: a quarter of the arithmetic (tiles that overhang the output's edge waste some of it, e.g.
// 14x14 takes 4x4 tiles of 16x16). The transforms around them are additions and scalings, linear in the data size:
// with 256-512 channels most of the time is the products, with 64 the transforms' memory traffic is about as much
// (on llvmpipe, VGG19's 224x224x64 layer runs at 37-41 GFLOPS effective against 65-90 for the deep ones). The
// GFLOPS the benches print for a Winograd layer are effective figures: the direct convolution's FLOPs over the time.
//
// The forward, per chunk of images (kernels in shaders/):
//   winograd_weights + conv2d_weight_pack   U from w, packed like the forward's weights (cached per weight
//                                            tensor and version: src/kernels/conv2d-texture.ts)
//   winograd_input                          V = B^T d B for every tile and channel
//   winograd_gemm                           the 36 products (the octet scheme of conv2d_tex.wgsl)
//   winograd_output                         Y = A^T M A, bias, ReLU, stored into y
// V and M are written to storage buffers and copied into the textures the next kernel reads (a texture store costs
// llvmpipe 2.5x a buffer store; a texture read is its cheapest load).
// The grad input of a 3x3 stride-1 convolution is a 3x3 stride-1 convolution of dy with w turned 180 degrees and
// its channel axes swapped, so it runs the same way with flipped weights.
// The grad weight is the same algorithm's transpose, F(3x3, 4x4): dw = G^T [ sum over tiles (A dY A^T) (.) V ] G,
// with V from x as in the forward and D = A dY A^T from dy (winograd_dy); the 36 products now reduce over tiles:
//   few tiles    winograd_grad_weight_folded   each octet runs through the 36 points and folds G^T (.) G in as it
//                                              goes, storing only dw's 9 taps (then sumRows over slices of tiles)
//   many tiles   winograd_grad_weight          one point per octet, all 36 products stored, then
//                winograd_grad_weight_output   sums the slices and applies G^T (.) G
//   many tiles,  winograd_input_t, winograd_dy_b, winograd_gemm: the same products run by the forward's product
//   few channels kernel, V^T (K, tiles) D (tiles, C) per point, V written transposed and D blocked like packed
//                weights, then winograd_grad_weight_output (a software adapter, fewer than 128 x channels)
// (src/kernels/conv2d.ts says where the line between them lies and why.)
//
// Large outputs may take F(6x6, 3x3) instead (winograd6_input, winograd6_output, winograd6_weights, and for the grad
// weight F(3x3, 6x6)'s winograd6_dy and winograd6_grad_weight_output; the product kernels are the same over 64
// points): each 6x6 tile comes from the 8x8 patch under it, 64 products per 36 outputs, 1.78 multiply-adds per
// output against 2.25, and fewer bytes of V, M and D per output in the same proportion. Tiles that overhang the
// output waste more of it than 4x4 ones do, so conv2d.ts's winogradTileFor takes it only where the tiles cover the
// output with at most 0.85 of 4x4 tiles' points (224x224 and 112x112: 0.82; 56x56: 0.91), on a software adapter.
// On llvmpipe, in runs alternating the two in one process (medians of 8-10, ms, 4x4 / 6x6): 224x224x64 at batch 1
// forward 91.5 / 81.7, grad input 95.1 / 81.8, grad weight 134.5 / 119.0; 112x112x64->128 41.6 / 40.0,
// 40.2 / 37.4, 50.0 / 47.6; at batch 8, 224x224x64's forward 843 / 719 and grad weight 1003 / 971. Its transforms,
// whose 8x8 patches spill more registers, did not get faster; the products and copies did. The folded grad weight
// keeps 4x4 tiles. Rounding grows with the larger points: about twice F(4x4)'s in RMS (2x10^-6 of the output's scale
// at 36x36x64, 1e-6 at 24x24x512), the same maximum.
//
// Rounding: the transforms scale by up to 5 (B), 1/24 (G) and 8 (A), so results differ from the direct
// convolution's by a few float32 roundings more: 1e-6 to 1e-5 of the output's scale, the more the more channels
// (measured at 64 and 512; the tests bound it).

import { availableParallelism } from 'node:os';
import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { adapterGrid, packParams } from './params.ts';
import { batchChunks, imageRange, splitChunks, sumSlices } from './conv2d-chunks.ts';
import { activationTexture, activationTextureFits, imagesPerActivationTexture, scratchTexture } from './conv2d-texture.ts';

const WG = 64;
/** Tiles per octet in winograd_gemm.wgsl (its `const TM`). */
const TM = 16;
/** Bytes of V or M one scratch texture holds (at least one image's): batches run in chunks of images that fit. */
const SCRATCH_TEXTURE_BYTES = 16 * 1024 * 1024;

/** Outputs per side of a Winograd tile: F(4x4, 3x3) or F(6x6, 3x3). */
export type WinogradTile = 4 | 6;

/** A Winograd convolution's sizes: x (N, H, W, K) to y (N, OH, OW, C), 3x3, stride 1, in tiles of tile x tile. */
export interface WinogradShape {
  N: number; H: number; W: number; K: number;
  OH: number; OW: number; C: number;
  /** x row and column under the first output's filter: the padding (top, left) */
  padTop: number; padLeft: number;
  tile: WinogradTile;
}

/** Points of the transformed tile: (tile + 2)^2, 36 or 64. */
function pointsOf(s: WinogradShape): number {
  return (s.tile + 2) ** 2;
}

/** The transform kernel's shader for this tile size: winograd_<kind>.wgsl for 4x4 tiles, winograd6_<kind>.wgsl for 6x6. */
function transformKernel(
  kind: 'input' | 'output' | 'weights' | 'dy' | 'grad_weight_output' | 'input_t' | 'dy_b', tile: WinogradTile,
): string {
  return tile === 6 ? `winograd6_${kind}` : `winograd_${kind}`;
}

function tilesPerImage(s: WinogradShape): number {
  return Math.ceil(s.OH / s.tile) * Math.ceil(s.OW / s.tile);
}

/** Images per chunk: as many as the scratch textures hold (at least one), within the texture height limit. */
function imagesPerChunk(gpu: Gpu, s: WinogradShape): number {
  const max = gpu.limits.maxTextureDimension2D ?? 8192;
  const tiles = tilesPerImage(s);
  const bytes = tiles * pointsOf(s) * Math.max(s.K, s.C) * 4;
  return Math.max(1, Math.min(Math.floor(SCRATCH_TEXTURE_BYTES / bytes), Math.floor(max / tiles)));
}

/**
 * The chunks of images to run, or null when this shape cannot take the Winograd path on this adapter: channels
 * must suit the product kernel (K % 32, C % 64), the textures fit maxTextureDimension2D, and chunks of x and y
 * start at aligned offsets.
 */
export function winogradChunks(gpu: Gpu, op: string, s: WinogradShape): Array<[number, number]> | null {
  const max = gpu.limits.maxTextureDimension2D ?? 8192;
  const align = gpu.limits.minStorageBufferOffsetAlignment ?? 256;
  if (s.K % 32 !== 0 || s.C % 64 !== 0) return null;
  const points = pointsOf(s);
  // V and M are points * channels / 4 texels wide; U is (points * K / 32) * (C / 64) rows of 512 texels.
  if ((points / 4) * Math.max(s.K, s.C) > max || (points * s.K / 32) * (s.C / 64) > max || 512 > max ||
    tilesPerImage(s) > max) return null;
  // The transforms read x (and, for the grad weight, dy) from activation textures.
  if (!activationTextureFits(gpu, s.H, s.W, s.K) || !activationTextureFits(gpu, s.OH, s.OW, s.C)) return null;
  const xImage = s.H * s.W * s.K * 4;
  const yImage = s.OH * s.OW * s.C * 4;
  let chunks: Array<[number, number]>;
  try {
    const most = Math.min(imagesPerChunk(gpu, s), imagesPerActivationTexture(gpu, s.H, s.W, s.K),
      imagesPerActivationTexture(gpu, s.OH, s.OW, s.C));
    chunks = splitChunks(batchChunks(gpu, op, s.N, [xImage, yImage]), most);
  } catch {
    return null; // the plain kernels give the error, if any
  }
  const aligned = chunks.every(([n0]) => (n0 * xImage) % align === 0 && (n0 * yImage) % align === 0);
  return aligned ? chunks : null;
}

/**
 * A view of the device's scratch texture for this role and width (at least `mostRows` tall: conv2d-texture.ts's
 * scratchTexture), holding a (rows, width) matrix of vec4 that `fill` writes into a storage buffer
 * (winograd_input.wgsl says why not straight into the texture), copied in now, in order with the work.
 */
function filledTexture(
  gpu: Gpu, role: 'v' | 'm' | 'u', width: number, rows: number, mostRows: number, fill: (buffer: GpuTensor) => void,
  format: 'rgba32float' | 'rgba32uint' = 'rgba32float',
): GPUTextureView {
  const entry = scratchTexture(gpu, role, width, rows, Math.max(rows, mostRows), `conv2d.winograd.${role}`, format);
  const buffer = GpuTensor.empty(gpu, [rows, width, 4], 'f32', `conv2d.winograd.${role}`); // (rows, width) vec4
  fill(buffer);
  // rows of width * 16 bytes: a multiple of 256 as the copy needs, since width = points / 4 * channels (9 or 16
  // times) and channels % 32 == 0, points / 4 * tiles with tiles % 32 == 0, or 512
  gpu.batcher.copyBufferToTexture(buffer.buffer, 0, width * 16, entry.texture, width, rows);
  buffer.release(); // its next owner's work is recorded after the copy
  return entry.view;
}

/**
 * V = B^T d B of images [n0, n0 + count) of x (winograd_input or winograd6_input), in the scratch texture
 * winograd_gemm.wgsl and the grad-weight kernels read (T rows, points * K / 4 texels: V[xi][t][k] at texel
 * (xi * K / 4 + k / 4, t)). x goes through the activation texture of this role.
 */
function inputTransform(
  gpu: Gpu, what: string, s: WinogradShape, n0: number, count: number, mostRows: number, x: GpuTensor, role: 'x' | 'dy',
): GPUTextureView {
  const tilesH = Math.ceil(s.OH / s.tile);
  const tilesW = Math.ceil(s.OW / s.tile);
  const inCount = (count * tilesH * tilesW * s.K) / 4;
  return filledTexture(gpu, 'v', (pointsOf(s) / 4) * s.K, count * tilesH * tilesW, mostRows, (buffer) => gpu.batcher.dispatch({
    kernel: gpu.pipelines.get(transformKernel('input', s.tile), { WG }), what: `${what}: winograd input transform`,
    params: packParams([['u32', s.H], ['u32', s.W], ['u32', s.K], ['i32', s.padTop], ['i32', s.padLeft],
      ['u32', tilesH], ['u32', tilesW], ['u32', inCount]]),
    buffers: [activationTexture(gpu, x, n0, count, role), buffer.binding],
    workgroups: adapterGrid(gpu, inCount, WG),
  }));
}

/**
 * y (N, OH, OW, C) = conv(x (N, H, W, K), the 3x3 weights in `u` (winogradWeightTexture's view)) + bias, ReLU
 * when `relu`, over the chunks winogradChunks gave. `f16` says how u is packed; `role` names the activation texture
 * x goes through ('dy' when x is the dy of a grad input).
 */
export function winogradConv(
  gpu: Gpu, what: string, s: WinogradShape, chunks: Array<[number, number]>, role: 'x' | 'dy',
  x: GpuTensor, u: GPUTextureView, f16: boolean, bias: GpuTensor | null, relu: boolean, y: GpuTensor,
): void {
  const tiles = tilesPerImage(s);
  const points = pointsOf(s);
  const tilesH = Math.ceil(s.OH / s.tile);
  const tilesW = Math.ceil(s.OW / s.tile);
  const gemm = gpu.pipelines.get('winograd_gemm', { WG, PACKED_F16: f16 ? 1 : 0, POINTS: points });
  const output = gpu.pipelines.get(transformKernel('output', s.tile), { WG });
  const mostRows = Math.min(s.N, imagesPerChunk(gpu, s)) * tiles;
  for (const [n0, count] of chunks) {
    const T = count * tiles;
    const v = inputTransform(gpu, what, s, n0, count, mostRows, x, role);
    // M (T rows, points * C / 4 texels): M[xi][t][c], the products
    const rowBlocks = Math.ceil(T / TM);
    const colBlocks = s.C / 64;
    const octets = points * colBlocks * rowBlocks;
    const groups = adapterGrid(gpu, Math.ceil(octets / (WG / 8)), 1);
    const m = filledTexture(gpu, 'm', (points / 4) * s.C, T, mostRows, (buffer) => gpu.batcher.dispatch({
      kernel: gemm, what: `${what}: winograd products`,
      params: packParams([['u32', T], ['u32', s.K], ['u32', s.C], ['u32', rowBlocks], ['u32', colBlocks],
        ['u32', octets], ['u32', groups[0]]]),
      buffers: [v, u, buffer.binding],
      workgroups: groups,
    }));
    const outCount = (T * s.C) / 4;
    gpu.batcher.dispatch({
      kernel: output, what: `${what}: winograd output transform`,
      params: packParams([['u32', s.OH], ['u32', s.OW], ['u32', s.C], ['u32', tilesH], ['u32', tilesW],
        ['u32', outCount], ['u32', bias ? 1 : 0], ['u32', relu ? 1 : 0]]),
      buffers: [m, bias ? bias.binding : x.binding, imageRange(y, n0, count)], // x: any buffer but y, never read
      workgroups: adapterGrid(gpu, outCount, WG),
    });
  }
}

/** Octets of work below which the grad weight splits the tiles into slices (more, smaller products). */
const TARGET_OCTETS = 1024;

/**
 * Octets of work below which the folded grad weight splits its tiles into slices. A GPU wants TARGET_OCTETS. A
 * software driver runs a workgroup (8 octets) per CPU thread at a time, so two workgroups per thread keep it busy,
 * and each slice more costs it a whole fold: every octet folds its products into the 9 taps once per point and
 * slice, through spilled registers, and the slices are then added by sumRows. On llvmpipe (2 threads) 28x28x512 at
 * batch 1 took 134 ms in 3 slices (105 ms of products, 29 of sumRows) and 60 ms in one (a throwaway timing script).
 */
function foldedTargetOctets(gpu: Gpu): number {
  return gpu.adapter.isSoftware ? 16 * availableParallelism() : TARGET_OCTETS;
}

/**
 * T tiles split into at most `wanted` slices of a multiple of 4 tiles each (the grad-weight kernels take 4 tiles per
 * step): tiles per slice, and the slices that makes.
 */
function sliceTiles(T: number, wanted: number): { tilesPerSlice: number; slices: number } {
  const tilesPerSlice = Math.ceil(Math.ceil(T / wanted) / 4) * 4;
  return { tilesPerSlice, slices: Math.ceil(T / tilesPerSlice) };
}

/**
 * dw (3, 3, K, C) of the convolution of x (N, H, W, K) giving dy (N, OH, OW, C), over the chunks winogradChunks
 * gave, into `dw`. Needs C % 64 == 0 (winogradChunks checks it) and points * K * C floats within one storage binding.
 */
export function winogradGradWeight(
  gpu: Gpu, what: string, s: WinogradShape, chunks: Array<[number, number]>, x: GpuTensor, dy: GpuTensor, dw: GpuTensor,
): void {
  const { tiles, perSlice, mostRows } = gradWeightLayout(gpu, s);
  const points = pointsOf(s);
  const maxBinding = gpu.limits.maxStorageBufferBindingSize ?? 134217728;
  const sliceBytes = points * s.K * s.C * 4; // one tile slice's products
  // Tile slices per chunk: enough octets for every core (or GPU unit), at least 16 tiles each.
  const slicesFor = (T: number) => Math.max(1, Math.min(Math.ceil(TARGET_OCTETS / (points * perSlice)), Math.floor(T / 16)));
  const capacity = Math.max(1, Math.min(Math.floor(maxBinding / sliceBytes),
    chunks.reduce((n, [, count]) => n + slicesFor(count * tiles), 0)));
  // (capacity, points, K, C): [tile slice][xi][k][c], flushed into dw whenever the next chunk would not fit
  const partial = GpuTensor.empty(gpu, [capacity, points, s.K, s.C], 'f32', 'conv2d.winograd.partial');
  let filled = 0;
  let flushed = false;
  const flush = () => {
    const count = (s.K * s.C) / 4;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get(transformKernel('grad_weight_output', s.tile), { WG }),
      what: `${what}: winograd output transform of ${filled} slices`,
      params: packParams([['u32', s.K], ['u32', s.C], ['u32', filled], ['u32', count], ['u32', flushed ? 1 : 0]]),
      buffers: [{ buffer: partial.buffer, offset: 0, size: filled * sliceBytes }, dw.binding],
      workgroups: adapterGrid(gpu, count, WG),
    });
    filled = 0;
    flushed = true;
  };
  for (const [n0, count] of chunks) {
    const T = count * tiles;
    const { tilesPerSlice, slices: used } = sliceTiles(T, Math.min(capacity, slicesFor(T)));
    if (filled + used > capacity) flush();
    const { v, d } = transformChunk(gpu, what, s, n0, count, mostRows, x, dy);
    // a slice of work per point and tile slice
    dispatchGradWeight(gpu, `${what}: winograd products`, 'winograd_grad_weight', s, T, tilesPerSlice, points * used,
      v, d, { buffer: partial.buffer, offset: filled * sliceBytes, size: used * sliceBytes });
    filled += used;
  }
  flush();
  partial.release(); // its next owner's work is recorded after the dispatches above
}

/**
 * dw (3, 3, K, C) as winogradGradWeight computes it, with the products run by the forward's product kernel
 * (winograd_gemm.wgsl) over the tiles as its reduction: per point, P (K, C) = V^T (K, tiles) D (tiles, C). V is
 * written transposed (winograd_input_t: one channel's 4 tiles per texel, the V operand's layout for rows k) and D
 * in the blocked layout of packed weights (winograd_dy_b), the second operand's, slice by slice of at most as many
 * tiles as V^T's texture is wide; each slice's (points, K, C) products go to `partial` for the output transform.
 * That kernel reaches about 1.9x winograd_grad_weight.wgsl's multiply-adds per second on llvmpipe: it shuffles one
 * operand to 16 rows x 64 columns per octet, where the grad weight's shuffles one to 32 x 32 with 4 tiles per step.
 * Needs C % 64 == 0 and K % 32 == 0 (winogradChunks checks both) and subgroups.
 */
export function winogradGradWeightGemm(
  gpu: Gpu, what: string, s: WinogradShape, chunks: Array<[number, number]>, x: GpuTensor, dy: GpuTensor, dw: GpuTensor,
): void {
  const tiles = tilesPerImage(s);
  const points = pointsOf(s);
  const tilesH = Math.ceil(s.OH / s.tile);
  const tilesW = Math.ceil(s.OW / s.tile);
  // A slice's V^T is points * Tp / 4 texels wide, and its D (C / 64) * points * Tp / 32 rows tall.
  const max = gpu.limits.maxTextureDimension2D ?? 8192;
  const mostTiles = Math.floor(Math.min((4 * max) / points, (32 * max) / (points * (s.C / 64))) / 32) * 32;
  const plan = chunks.map(([n0, count]) => {
    const T = count * tiles;
    const slices = Math.ceil(T / mostTiles);
    return { n0, count, T, slices, Tp: Math.ceil(Math.ceil(T / slices) / 32) * 32 };
  });
  const total = plan.reduce((n, p) => n + p.slices, 0);
  const sliceBytes = points * s.K * s.C * 4; // one slice's products
  const capacity = Math.max(1, Math.min(Math.floor((gpu.limits.maxStorageBufferBindingSize ?? 134217728) / sliceBytes), total));
  // (capacity, points, K, C): [slice][xi][k][c], flushed into dw whenever the next slice would not fit
  const partial = GpuTensor.empty(gpu, [capacity, points, s.K, s.C], 'f32', 'conv2d.winograd.partial');
  let filled = 0;
  let flushed = false;
  const flush = () => {
    const count = (s.K * s.C) / 4;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get(transformKernel('grad_weight_output', s.tile), { WG }),
      what: `${what}: winograd output transform of ${filled} slices`,
      params: packParams([['u32', s.K], ['u32', s.C], ['u32', filled], ['u32', count], ['u32', flushed ? 1 : 0]]),
      buffers: [{ buffer: partial.buffer, offset: 0, size: filled * sliceBytes }, dw.binding],
      workgroups: adapterGrid(gpu, count, WG),
    });
    filled = 0;
    flushed = true;
  };
  const gemm = gpu.pipelines.get('winograd_gemm', { WG, PACKED_F16: 0, POINTS: points, POINT_MAJOR: 1 });
  const inputT = gpu.pipelines.get(transformKernel('input_t', s.tile), { WG });
  const dyB = gpu.pipelines.get(transformKernel('dy_b', s.tile), { WG });
  const mostTp = Math.max(...plan.map((p) => p.Tp));
  for (const { n0, count, T, slices, Tp } of plan) {
    const xTexture = activationTexture(gpu, x, n0, count, 'x');
    const dyTexture = activationTexture(gpu, dy, n0, count, 'dy');
    for (let slice = 0; slice < slices; slice++) {
      if (filled === capacity) flush();
      const t0 = slice * Tp;
      const vCount = (Tp * s.K) / 4;
      // V^T (K rows, points * Tp / 4 texels)
      const vt = filledTexture(gpu, 'v', (points * Tp) / 4, s.K, s.K, (buffer) => gpu.batcher.dispatch({
        kernel: inputT, what: `${what}: winograd input transform, transposed`,
        params: packParams([['u32', s.H], ['u32', s.W], ['u32', s.K], ['i32', s.padTop], ['i32', s.padLeft],
          ['u32', tilesH], ['u32', tilesW], ['u32', T], ['u32', t0], ['u32', Tp], ['u32', vCount]]),
        buffers: [xTexture, buffer.binding],
        workgroups: adapterGrid(gpu, vCount, WG),
      }));
      const dCount = (Tp * s.C) / 4;
      const dRows = (s.C / 64) * (points * Tp) / 32;
      // D blocked ((C / 64) * points * Tp / 32 rows of 512 texels), as f32 bits
      const d = filledTexture(gpu, 'u', 512, dRows, (s.C / 64) * (points * mostTp) / 32, (buffer) => gpu.batcher.dispatch({
        kernel: dyB, what: `${what}: winograd dy transform, blocked`,
        params: packParams([['u32', s.OH], ['u32', s.OW], ['u32', s.C], ['u32', tilesH], ['u32', tilesW], ['u32', T],
          ['u32', t0], ['u32', Tp], ['u32', dCount]]),
        buffers: [dyTexture, buffer.binding],
        workgroups: adapterGrid(gpu, dCount, WG),
      }), 'rgba32uint');
      // P (points, K, C) = V^T D per point: rows k, reduction over the slice's tiles, columns c
      const rowBlocks = Math.ceil(s.K / 16);
      const colBlocks = s.C / 64;
      const octets = points * colBlocks * rowBlocks;
      const groups = adapterGrid(gpu, Math.ceil(octets / (WG / 8)), 1);
      gpu.batcher.dispatch({
        kernel: gemm, what: `${what}: winograd products over tiles`,
        params: packParams([['u32', s.K], ['u32', Tp], ['u32', s.C], ['u32', rowBlocks], ['u32', colBlocks],
          ['u32', octets], ['u32', groups[0]]]),
        buffers: [vt, d, { buffer: partial.buffer, offset: filled * sliceBytes, size: sliceBytes }],
        workgroups: groups,
      });
      filled += 1;
    }
  }
  flush();
  partial.release(); // its next owner's work is recorded after the dispatches above
}

/** What both grad-weight forms size their work by: octets of 32 x 32 of dw per slice, and the scratch rows. */
function gradWeightLayout(gpu: Gpu, s: WinogradShape): { tiles: number; perSlice: number; mostRows: number } {
  const tiles = tilesPerImage(s);
  return { tiles, perSlice: (s.C / 32) * (s.K / 32), mostRows: Math.min(s.N, imagesPerChunk(gpu, s)) * tiles };
}

/**
 * Dispatches one of the grad-weight product kernels (shaders/parts/winograd_grad_weight_params.wgsl is their
 * Params) over `slices` slices of work, each an octet grid of (K / 32) x (C / 32), on V and D of T tiles, into `out`.
 */
function dispatchGradWeight(
  gpu: Gpu, what: string, kernel: 'winograd_grad_weight' | 'winograd_grad_weight_folded', s: WinogradShape,
  T: number, tilesPerSlice: number, slices: number, v: GPUTextureView, d: GPUTextureView,
  out: { buffer: GPUBuffer; offset: number; size: number },
): void {
  const colBlocks = s.C / 32;
  const rowBlocks = s.K / 32;
  const groupsPerSlice = Math.ceil((colBlocks * rowBlocks) / (WG / 8));
  const groups = adapterGrid(gpu, groupsPerSlice * slices, 1);
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get(kernel, kernel === 'winograd_grad_weight' ? { WG, POINTS: pointsOf(s) } : { WG }), what,
    params: packParams([['u32', T], ['u32', s.K], ['u32', s.C], ['u32', tilesPerSlice], ['u32', colBlocks],
      ['u32', rowBlocks], ['u32', groupsPerSlice], ['u32', groups[0]], ['u32', slices]]),
    buffers: [v, d, out],
    workgroups: groups,
  });
}

/**
 * Dispatches the grad weight's transforms of images [n0, n0 + count): V from x (winograd_input) and D from dy
 * (winograd_dy), or their 6x6-tile forms, into the device's scratch textures (T rows, points * channels / 4 texels),
 * which it returns.
 */
function transformChunk(
  gpu: Gpu, what: string, s: WinogradShape, n0: number, count: number, mostRows: number, x: GpuTensor, dy: GpuTensor,
): { v: GPUTextureView; d: GPUTextureView } {
  const tilesH = Math.ceil(s.OH / s.tile);
  const tilesW = Math.ceil(s.OW / s.tile);
  const T = count * tilesH * tilesW;
  const v = inputTransform(gpu, what, s, n0, count, mostRows, x, 'x');
  const dyCount = (T * s.C) / 4;
  const d = filledTexture(gpu, 'm', (pointsOf(s) / 4) * s.C, T, mostRows, (buffer) => gpu.batcher.dispatch({
    kernel: gpu.pipelines.get(transformKernel('dy', s.tile), { WG }), what: `${what}: winograd dy transform`,
    params: packParams([['u32', s.OH], ['u32', s.OW], ['u32', s.C], ['u32', tilesH], ['u32', tilesW], ['u32', dyCount]]),
    buffers: [activationTexture(gpu, dy, n0, count, 'dy'), buffer.binding],
    workgroups: adapterGrid(gpu, dyCount, WG),
  }));
  return { v, d };
}

/**
 * Partial dw slices the folded grad weight may write in all: as many as one storage binding holds. When the chunks
 * need more than this (at least one each), winogradGradWeightFolded does not apply.
 */
export function foldedSliceCapacity(gpu: Gpu, K: number, C: number): number {
  return Math.floor((gpu.limits.maxStorageBufferBindingSize ?? 134217728) / (9 * K * C * 4));
}

/**
 * dw (3, 3, K, C) as winogradGradWeight computes it, with the output transform folded into the products
 * (winograd_grad_weight_folded.wgsl): only the 9 taps are stored, once per slice of tiles, then the slices are
 * added by sumRows. Needs C % 64 == 0 and chunks.length <= foldedSliceCapacity.
 */
export function winogradGradWeightFolded(
  gpu: Gpu, what: string, s: WinogradShape, chunks: Array<[number, number]>, x: GpuTensor, dy: GpuTensor,
): GpuTensor {
  // its kernel folds F(3x3, 4x4)'s G^T (.) G in as it goes
  if (s.tile !== 4) throw new Error(`the folded Winograd grad weight takes 4x4 tiles, not ${s.tile}x${s.tile}`);
  const { tiles, perSlice, mostRows } = gradWeightLayout(gpu, s);
  // Tile slices per chunk: enough octets for every core (or GPU unit: foldedTargetOctets), at least 16 tiles each,
  // and all chunks' slices within one binding.
  const most = Math.max(1, Math.floor(foldedSliceCapacity(gpu, s.K, s.C) / chunks.length));
  const slicesFor = (T: number) => Math.max(1, Math.min(Math.ceil(foldedTargetOctets(gpu) / perSlice), Math.floor(T / 16), most));
  const plan = chunks.map(([, count]) => ({ T: count * tiles, ...sliceTiles(count * tiles, slicesFor(count * tiles)) }));
  const total = plan.reduce((n, p) => n + p.slices, 0);
  const tapBytes = 9 * s.K * s.C * 4;
  // (total, 3, 3, K, C) partial sums, or dw itself when there is a single slice
  const partial = GpuTensor.empty(gpu, total === 1 ? [3, 3, s.K, s.C] : [total, 3, 3, s.K, s.C], 'f32',
    total === 1 ? 'conv2d.dw' : 'conv2d.winograd.partial');
  let slice0 = 0;
  chunks.forEach(([n0, count], i) => {
    const { T, tilesPerSlice, slices } = plan[i];
    const { v, d } = transformChunk(gpu, what, s, n0, count, mostRows, x, dy);
    // a slice of work per tile slice, running through all 36 points
    dispatchGradWeight(gpu, `${what}: winograd products, folded`, 'winograd_grad_weight_folded', s, T, tilesPerSlice,
      slices, v, d, { buffer: partial.buffer, offset: slice0 * tapBytes, size: slices * tapBytes });
    slice0 += slices;
  });
  return total === 1 ? partial : sumSlices(gpu, partial, [3, 3, s.K, s.C]);
}
