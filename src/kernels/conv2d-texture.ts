// Conv weights and inputs as textures, for the kernels that read them as read-only storage textures
// (shaders/conv2d_tex.wgsl, shaders/conv2d_grad_input_tex.wgsl): on llvmpipe a storage-texture read is the cheapest
// lane-varying load there is, about half a sampled-texture fetch and a third of a vec4 storage-buffer load
// (`npm run bench:loads`), and on GPUs a read-only texture is an ordinary home for a read-only operand.
//
// Weights go into rgba32uint textures read back with bitcast (or unpack), each laid out in the order its kernel
// reads them, so that an octet streams contiguous memory (the packing kernels' headers say why and how):
//   forward: conv2d_weight_pack.wgsl, w viewed as (K, C), each 64-output-channel block's weights contiguous,
//     as f32 bits or as halves packed 8 to a texel ('f16');
//   grad input: conv2d_weight_pack_grad_input.wgsl, 4 x 4 blocks (4 input x 4 output channels) in the order the
//     kernel's lanes take them, always f32;
//   Winograd (forward and grad input): the transformed weights U as a (points * K, C) matrix in the forward's
//     layout, stored there by the transform itself (winograd_weights.wgsl, winograd6_weights.wgsl).
// Each weight buffer gets its own packed texture per layout, kept while the weights stay as they were: the batcher
// stamps every buffer a dispatch, copy or upload writes (CommandBatcher.lastWrite), and a texture packed from an
// older stamp is packed again, in order with the other work, so an optimizer step that updates weights in place is
// never missed. Inference and frozen layers pack once; packing 3x3x512x512 took about a fifth of a batch-1
// forward at 14x14. Textures of weights not used lately are dropped past PACKED_WEIGHT_BYTES.
//
// Activations x (N, H, W, C) go into an rgba32float texture of W * C / 4 texels by n * H rows for the n images of
// one dispatch. The texture is bounded (ACTIVATION_TEXTURE_BYTES, at least one image) and the caller dispatches
// the batch in chunks of images that fit, so the copy costs a bounded amount of memory; one texture per role (x or
// dy: grad weight reads both at once) and row width is kept per device, refilled in order with the work. Besides
// the forward and grad input, shaders/conv2d_grad_weight_tex.wgsl reads its x and dy this way.

import { LRUCache } from 'lru-cache';
import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { adapterGrid, packParams } from './params.ts';

/** How weight textures store values: 'f32' exactly, or 'f16' (half the bytes, rounded; arithmetic stays f32). */
export type WeightTextureFormat = 'f32' | 'f16';

interface Entry {
  texture: GPUTexture;
  view: GPUTextureView;
}

/** True when w (KH, KW, Cin, Cout) fits the grad-input kernel's blocked texture (64-channel blocks of Cin). */
export function gradInputWeightTextureFits(gpu: Gpu, taps: number, Cin: number, Cout: number): boolean {
  const max = gpu.limits.maxTextureDimension2D ?? 8192;
  return Cin % 64 === 0 && Cout % 32 === 0 && taps * (Cin / 64) * (Cout / 32) <= max && 512 <= max;
}

/**
 * A view of the grad-input kernel's blocked texture holding w (KH, KW, Cin, Cout) (conv2d_weight_pack_grad_input.wgsl's
 * layout: taps * Cin / 64 * Cout / 32 rows of 512 texels), filled now, in order with the work.
 */
export function gradInputWeightTexture(gpu: Gpu, w: GpuTensor, taps: number, Cin: number, Cout: number): GPUTextureView {
  const height = taps * (Cin / 64) * (Cout / 32);
  const count = (taps * Cin * Cout) / 4;
  return packedWeights(gpu, w, `grad-input ${taps}x${Cin}x${Cout}`, 512, height, (entry) =>
    pack(gpu, 'conv2d_weight_pack_grad_input', {}, `for the grad input w[${w.shape.join(',')}]`, [Cin, Cout, count], w, entry));
}

/** Dispatches a packing kernel (one invocation per texel; its last parameter is the count) from w into entry. */
function pack(
  gpu: Gpu, kernel: string, constants: Record<string, number>, what: string, params: number[], w: GpuTensor, entry: Entry,
): void {
  const count = params[params.length - 1];
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get(kernel, { WG: 64, ...constants }),
    what: `conv2d weights packed ${what}`,
    params: packParams(params.map((v) => ['u32', v] as ['u32', number])),
    buffers: [w.binding, entry.view],
    workgroups: adapterGrid(gpu, count, 64),
  });
}

/** True when (K, C) weights fit a blocked texture: whole 32-k rows and 64-channel blocks, within limits. */
export function blockedWeightTextureFits(gpu: Gpu, K: number, C: number): boolean {
  const max = gpu.limits.maxTextureDimension2D ?? 8192;
  return K % 32 === 0 && C % 64 === 0 && (K / 32) * (C / 64) <= max && 512 <= max;
}

/** Bytes of packed weight textures kept per device; past it, those of the weights least recently used are dropped. */
const PACKED_WEIGHT_BYTES = 512 * 1024 * 1024;

interface Packed extends Entry {
  /** CommandBatcher.lastWrite of the weights when they were packed. */
  stamp: number;
}

const packedByDevice = new WeakMap<GPUDevice, LRUCache<GPUBuffer, Map<string, Packed>>>();

/**
 * A view of w's rgba32uint texture in one layout (`layout` names it and its sizes, hence w's), packed by `fill`
 * unless the texture already holds w as it is now. Dropped textures are left to the garbage collector rather than destroyed:
 * work already recorded may still read them.
 */
function packedWeights(gpu: Gpu, w: GpuTensor, layout: string, width: number, height: number, fill: (e: Entry) => void): GPUTextureView {
  let cache = packedByDevice.get(gpu.device);
  if (!cache) {
    cache = new LRUCache<GPUBuffer, Map<string, Packed>>({
      maxSize: PACKED_WEIGHT_BYTES,
      sizeCalculation: (layouts) => Math.max(1, [...layouts.values()].reduce((n, e) => n + bytesOf(e.texture), 0)),
    });
    packedByDevice.set(gpu.device, cache);
  }
  const layouts = cache.get(w.buffer) ?? new Map<string, Packed>();
  const stamp = gpu.batcher.lastWrite(w.buffer);
  let entry = layouts.get(layout);
  if (entry && entry.stamp === stamp) return entry.view;
  if (!entry) {
    const texture = gpu.device.createTexture({
      label: `conv2d.wTexture ${layout} of ${w.label}`,
      size: { width, height },
      format: 'rgba32uint',
      usage: GPUTextureUsage.STORAGE_BINDING, // written by a packing kernel, read by a conv kernel
    });
    entry = { texture, view: texture.createView(), stamp };
    layouts.set(layout, entry);
  }
  fill(entry);
  entry.stamp = stamp;
  cache.set(w.buffer, layouts); // (re)counts its bytes and marks it most recently used
  return entry.view;
}

function bytesOf(t: GPUTexture): number {
  return t.width * t.height * 16;
}

/**
 * A view of a blocked texture holding w viewed as (K, C) in this format (conv2d_weight_pack.wgsl's layout: C / 64 *
 * K / 32 rows of 512 f32 or 256 f16 texels), filled now, in order with the work.
 */
export function blockedWeightTexture(gpu: Gpu, w: GpuTensor, K: number, C: number, format: WeightTextureFormat): GPUTextureView {
  const f16 = format === 'f16';
  const width = f16 ? 256 : 512;
  const height = (K / 32) * (C / 64);
  const count = (K * C) / 8;
  return packedWeights(gpu, w, `blocked ${format} ${K}x${C}`, width, height, (entry) =>
    pack(gpu, 'conv2d_weight_pack', { F16: f16 ? 1 : 0 }, `(${format}) w[${w.shape.join(',')}] as (${K}, ${C})`, [K, C, count], w, entry));
}

/**
 * A view of a blocked texture holding the Winograd F(tile x tile, 3x3) transform of 3x3 weights w, U (points, K, N)
 * (points = (tile + 2)^2) packed as a (points * K, N) matrix in this format and conv2d_weight_pack.wgsl's layout, in
 * one pass (shaders/winograd_weights.wgsl or winograd6_weights.wgsl), for the forward (w is (3, 3, K, N)) or the grad
 * input (`flip`: w is (3, 3, N, K), turned 180 degrees with its channel axes swapped), filled now unless the texture
 * already holds w as it is.
 */
export function winogradWeightTexture(
  gpu: Gpu, w: GpuTensor, K: number, N: number, flip: boolean, format: WeightTextureFormat, tile: 4 | 6,
): GPUTextureView {
  const f16 = format === 'f16';
  const points = (tile + 2) ** 2;
  const rows = points * K;
  const key = `winograd${tile === 6 ? '6' : ''}${flip ? ' flipped' : ''} ${format} ${K}x${N}`;
  return packedWeights(gpu, w, key, f16 ? 256 : 512, (rows / 32) * (N / 64), (entry) => {
    const count = (K * N) / 8;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get(tile === 6 ? 'winograd6_weights' : 'winograd_weights', { WG: 64, FLIP: flip ? 1 : 0, F16: f16 ? 1 : 0 }),
      what: `conv2d winograd weight transform w[${w.shape.join(',')}]${flip ? ' (flipped, for grad input)' : ''}, packed (${format}) as (${rows}, ${N})`,
      params: packParams([['u32', K], ['u32', N], ['u32', count]]),
      buffers: [w.binding, entry.view],
      workgroups: adapterGrid(gpu, count, 64),
    });
  });
}

/** Bytes of x one activation texture holds (at least one image): batches are dispatched in chunks that fit. */
const ACTIVATION_TEXTURE_BYTES = 16 * 1024 * 1024;

const scratchTextures = new WeakMap<GPUDevice, Map<string, Entry & { rows: number }>>();

/**
 * The device's scratch texture for `role`, row width and format (rgba32float unless said; one per triple, kept
 * across chunks and layers: activation textures here, the Winograd transforms' V and M in conv2d-winograd.ts), replaced by one `height` rows
 * tall when it has fewer than `rows`. A texture replaced here may still be used by recorded work: it is dropped,
 * not destroyed, and freed once collected. The caller copies its rows in, in order with the work.
 */
export function scratchTexture(
  gpu: Gpu, role: string, width: number, rows: number, height: number, label: string,
  format: 'rgba32float' | 'rgba32uint' = 'rgba32float',
): Entry {
  let byKey = scratchTextures.get(gpu.device);
  if (!byKey) scratchTextures.set(gpu.device, (byKey = new Map()));
  const key = `${role} ${width} ${format}`;
  let entry = byKey.get(key);
  if (!entry || entry.rows < rows) {
    const texture = gpu.device.createTexture({
      label: `${label} ${width}x${height}`,
      size: { width, height },
      format,
      usage: GPUTextureUsage.COPY_DST | GPUTextureUsage.STORAGE_BINDING,
    });
    entry = { texture, view: texture.createView(), rows: height };
    byKey.set(key, entry);
  }
  return entry;
}

/** True when images of x (N, H, W, C) can go into an activation texture: rows 256-byte aligned, within limits. */
export function activationTextureFits(gpu: Gpu, H: number, W: number, C: number): boolean {
  const max = gpu.limits.maxTextureDimension2D ?? 8192;
  return (W * C * 4) % 256 === 0 && (W * C) / 4 <= max && H <= max;
}

/** Images of (H, W, C) per activation texture: as many as ACTIVATION_TEXTURE_BYTES holds, at least one. */
export function imagesPerActivationTexture(gpu: Gpu, H: number, W: number, C: number): number {
  const max = gpu.limits.maxTextureDimension2D ?? 8192;
  return Math.max(1, Math.min(Math.floor(ACTIVATION_TEXTURE_BYTES / (H * W * C * 4)), Math.floor(max / H)));
}

/**
 * A view of a texture holding images [n0, n0 + count) of x (N, H, W, C) as count * H rows of W * C / 4 texels,
 * the one kept for this role (a kernel's first or second activation operand) and row width
 * (and maybe more rows, left from earlier use and never read), filled now, in order with the work.
 */
export function activationTexture(gpu: Gpu, x: GpuTensor, n0: number, count: number, role: 'x' | 'dy'): GPUTextureView {
  const [, H, W, C] = x.shape;
  const width = (W * C) / 4;
  const rows = count * H;
  // One per role and width: grad weight reads x and dy in one dispatch, and they may have the same width. Tall
  // enough for ACTIVATION_TEXTURE_BYTES of rows of this width, and for this chunk.
  const max = gpu.limits.maxTextureDimension2D ?? 8192;
  const height = Math.min(max, Math.max(rows, Math.floor(ACTIVATION_TEXTURE_BYTES / (width * 16))));
  const entry = scratchTexture(gpu, role, width, rows, height, 'conv2d.xTexture');
  gpu.batcher.copyBufferToTexture(x.buffer, n0 * H * W * C * 4, W * C * 4, entry.texture, width, rows);
  return entry.view;
}
