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
// (src/kernels/conv2d-winograd-grad-weight.ts runs them; src/kernels/conv2d.ts says where the lines between them lie
// and why.)
//
// Large outputs may take F(6x6, 3x3) instead (winograd6_input, winograd6_output, winograd6_weights, and for the grad
// weight F(3x3, 6x6)'s winograd6_dy and winograd6_grad_weight_output; the product kernels are the same over 64
// points): each 6x6 tile comes from the 8x8 patch under it, 64 products per 36 outputs, 1.78 multiply-adds per output
// against 2.25, and fewer bytes of V, M and D per output in the same proportion. Tiles that overhang the output waste
// more of it than 4x4 ones do, so conv2d.ts's winogradTileFor takes it only where the tiles cover the output with at
// most 0.92 of 4x4 tiles' points in the forward and grad input (224x224 and 112x112: 0.82; 56x56 and 28x28: 0.91;
// not 14x14: 1.0) and 0.85 in the grad weight's forms over many tiles, on a software adapter. On llvmpipe, in
// runs of a throwaway script alternating the two in one process (medians of 8-10, ms, 4x4 / 6x6): 224x224x64 at batch
// 1 forward 91.5 / 81.7, grad input 95.1 / 81.8, grad weight 134.5 / 119.0; 112x112x64->128 41.6 / 40.0, 40.2 / 37.4,
// 50.0 / 47.6; at batch 8, 224x224x64's forward 843 / 719 and grad weight 1003 / 971. Its transforms, whose 8x8
// patches spill more registers, did not get faster; the products and copies did. The folded grad weight keeps 4x4
// tiles. Rounding grows with the larger points: about twice F(4x4)'s in RMS (2x10^-6 of the output's scale at
// 36x36x64, 1e-6 at 24x24x512), the same maximum.
//
// Rounding: the transforms scale by up to 5 (B), 1/24 (G) and 8 (A), so results differ from the direct
// convolution's by a few float32 roundings more: 1e-6 to 1e-5 of the output's scale, the more the more channels
// (measured at 64 and 512; the tests bound it).

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { adapterGrid, packParams } from './params.ts';
import { batchChunks, imageRange, splitChunks } from './conv2d-chunks.ts';
import { activationTexture, activationTextureFits, imagesPerActivationTexture, scratchTexture } from './conv2d-texture.ts';

export const WG = 64;
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
export function pointsOf(s: WinogradShape): number {
  return (s.tile + 2) ** 2;
}

/** The transform kernel's shader for this tile size: winograd_<kind>.wgsl for 4x4 tiles, winograd6_<kind>.wgsl for 6x6. */
export function transformKernel(
  kind: 'input' | 'output' | 'weights' | 'dy' | 'grad_weight_output' | 'input_t' | 'dy_b', tile: WinogradTile,
): string {
  return tile === 6 ? `winograd6_${kind}` : `winograd_${kind}`;
}

export function tilesPerImage(s: WinogradShape): number {
  return Math.ceil(s.OH / s.tile) * Math.ceil(s.OW / s.tile);
}

/** Images per chunk: as many as the scratch textures hold (at least one), within the texture height limit. */
export function imagesPerChunk(gpu: Gpu, s: WinogradShape): number {
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
export function filledTexture(
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
export function inputTransform(
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
