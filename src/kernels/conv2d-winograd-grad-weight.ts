// The Winograd grad weight, F(3x3, 4x4) or F(3x3, 6x6) (src/kernels/conv2d-winograd.ts explains the scheme), in its
// three forms: the products stored (winogradGradWeight), the same products run by the forward's product kernel over
// the tiles (winogradGradWeightGemm), and the output transform folded into the products for few tiles
// (winogradGradWeightFolded). src/kernels/conv2d.ts chooses between them.

import { availableParallelism } from 'node:os';
import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { adapterGrid, packParams } from './params.ts';
import { sumSlices } from './conv2d-chunks.ts';
import { activationTexture } from './conv2d-texture.ts';
import {
  WG, filledTexture, imagesPerChunk, inputTransform, pointsOf, tilesPerImage, transformKernel, type WinogradShape,
} from './conv2d-winograd.ts';

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

/** Where the products of slices of tiles go, and how they reach dw (productSlices). */
interface ProductSlices {
  /** Slices the buffer holds. */
  capacity: number;
  /** The binding for `count` more slices' products, after adding the slices so far into dw if they would not fit. */
  take(count: number): { buffer: GPUBuffer; offset: number; size: number };
  /** Adds the last slices into dw and releases the buffer. */
  finish(): void;
}

/**
 * A buffer of products (capacity, points, K, C), [slice][xi][k][c], for as many of the `needed` slices as one storage
 * binding holds, added into dw by the output transform (winograd_grad_weight_output: sums the slices, applies
 * G^T (.) G) whenever it is full and at the end; dw is linear in the products, so groups of slices add up.
 */
function productSlices(gpu: Gpu, what: string, s: WinogradShape, needed: number, dw: GpuTensor): ProductSlices {
  const points = pointsOf(s);
  const sliceBytes = points * s.K * s.C * 4;
  const capacity = Math.max(1, Math.min(Math.floor((gpu.limits.maxStorageBufferBindingSize ?? 134217728) / sliceBytes), needed));
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
  return {
    capacity,
    take(count) {
      if (filled + count > capacity) flush();
      const binding = { buffer: partial.buffer, offset: filled * sliceBytes, size: count * sliceBytes };
      filled += count;
      return binding;
    },
    finish() {
      flush();
      partial.release(); // its next owner's work is recorded after the dispatches before
    },
  };
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
  // Tile slices per chunk: enough octets for every core (or GPU unit), at least 16 tiles each.
  const slicesFor = (T: number) => Math.max(1, Math.min(Math.ceil(TARGET_OCTETS / (points * perSlice)), Math.floor(T / 16)));
  const products = productSlices(gpu, what, s, chunks.reduce((n, [, count]) => n + slicesFor(count * tiles), 0), dw);
  for (const [n0, count] of chunks) {
    const T = count * tiles;
    const { tilesPerSlice, slices: used } = sliceTiles(T, Math.min(products.capacity, slicesFor(T)));
    const out = products.take(used);
    const { v, d } = transformChunk(gpu, what, s, n0, count, mostRows, x, dy);
    // a slice of work per point and tile slice
    dispatchGradWeight(gpu, `${what}: winograd products`, 'winograd_grad_weight', s, T, tilesPerSlice, points * used, v, d, out);
  }
  products.finish();
}

/**
 * dw (3, 3, K, C) as winogradGradWeight computes it, with the products run by the forward's product kernel
 * (winograd_gemm.wgsl) over the tiles as its reduction: per point, P (K, C) = V^T (K, tiles) D (tiles, C). V is
 * written transposed (winograd_input_t: one channel's 4 tiles per texel, the V operand's layout for rows k) and D
 * in the blocked layout of packed weights (winograd_dy_b), the second operand's, slice by slice of at most as many
 * tiles as V^T's texture is wide; each slice's (points, K, C) products go to productSlices for the output transform.
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
  const products = productSlices(gpu, what, s, plan.reduce((n, p) => n + p.slices, 0), dw);
  const gemm = gpu.pipelines.get('winograd_gemm', { WG, PACKED_F16: 0, POINTS: points, POINT_MAJOR: 1 });
  const inputT = gpu.pipelines.get(transformKernel('input_t', s.tile), { WG });
  const dyB = gpu.pipelines.get(transformKernel('dy_b', s.tile), { WG });
  const mostTp = Math.max(...plan.map((p) => p.Tp));
  for (const { n0, count, T, slices, Tp } of plan) {
    const xTexture = activationTexture(gpu, x, n0, count, 'x');
    const dyTexture = activationTexture(gpu, dy, n0, count, 'dy');
    for (let slice = 0; slice < slices; slice++) {
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
        buffers: [vt, d, products.take(1)],
        workgroups: groups,
      });
    }
  }
  products.finish();
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
