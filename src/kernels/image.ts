// Dispatch of the image kernels: bilinear resize of uint8 photos (shaders/resize_bilinear.wgsl) and the affine
// warp + preprocessing that turns a batch of photos into the network's f32 input (shaders/augment_warp.wgsl).
//
// Photos travel to the GPU as bytes, four packed into each u32 word (a quarter of the upload of f32), in a
// `PackedImages`: a u32 tensor plus the logical (N, H, W, 3) shape; each image starts at a word boundary.
// What the transforms mean (Keras's augmentation) is decided in src/train/augment.ts; here they are numbers.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';

const WG = 256;

/** Floats per image in a transforms tensor: t00, t01, t10, t11, b0, b1, flip, unused (see augment_warp.wgsl). */
export const TRANSFORM_STRIDE = 8;

/** uint8 RGB images on the GPU, packed four bytes to a u32 word, each image starting at a word boundary. */
export interface PackedImages {
  /** (N * wordsPerImage) u32 */
  data: GpuTensor<'u32'>;
  /** (N, H, W, 3) */
  shape: readonly [number, number, number, number];
  wordsPerImage: number;
}

/** The input normalisation a network's weights were trained with, applied as (x * scale - mean[c]) / std[c]. */
export interface Preprocess {
  /** Channel order the network expects; the photos are RGB. */
  colour: 'RGB' | 'BGR';
  /** Multiplies the 0..255 pixel value first (1/255 for [0,1] inputs, 1 for caffe-style). */
  scale: number;
  /** Per channel, in the network's channel order, on the scaled values. */
  mean: readonly [number, number, number];
  std: readonly [number, number, number];
}

export type Sampling = 'nearest' | 'bilinear';

export function wordsForImage(h: number, w: number): number {
  return Math.ceil((h * w * 3) / 4);
}

/** Uploads (N, H, W, 3) uint8 RGB bytes (row-major, images back to back). */
export function uploadImagesU8(gpu: Gpu, bytes: Uint8Array, shape: readonly [number, number, number, number], label = 'images.u8'): PackedImages {
  const [n, h, w, c] = shape;
  if (c !== 3 || bytes.length !== n * h * w * 3) {
    throw new ShapeError(`upload images: ${bytes.length} bytes for shape ${fmtShape(shape)} (expects (N, H, W, 3) RGB)`);
  }
  const wordsPerImage = wordsForImage(h, w);
  const perImage = h * w * 3;
  let words: Uint32Array;
  if (perImage % 4 === 0 && bytes.byteOffset % 4 === 0) {
    words = new Uint32Array(bytes.buffer, bytes.byteOffset, n * wordsPerImage);
  } else {
    // Each image must start on a word boundary: copy into padded slots.
    const padded = new Uint8Array(n * wordsPerImage * 4);
    for (let i = 0; i < n; i++) padded.set(bytes.subarray(i * perImage, (i + 1) * perImage), i * wordsPerImage * 4);
    words = new Uint32Array(padded.buffer);
  }
  const data = GpuTensor.from(gpu, [Math.max(1, n * wordsPerImage)], n * wordsPerImage === 0 ? [0] : words, 'u32', label);
  return { data, shape: [n, h, w, 3], wordsPerImage };
}

/** Reads packed images back as (N, H, W, 3) uint8, images back to back without padding. */
export async function readImagesU8(images: PackedImages): Promise<Uint8Array> {
  const [n, h, w] = images.shape;
  const words = await images.data.read();
  const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
  const perImage = h * w * 3;
  if (perImage === images.wordsPerImage * 4) return bytes.slice(0, n * perImage);
  const out = new Uint8Array(n * perImage);
  for (let i = 0; i < n; i++) out.set(bytes.subarray(i * images.wordsPerImage * 4, i * images.wordsPerImage * 4 + perImage), i * perImage);
  return out;
}

/** Bilinear resize (half-pixel centres, rounded to uint8) of every image to outH x outW. */
export function resizeBilinearU8(gpu: Gpu, src: PackedImages, outH: number, outW: number): PackedImages {
  const [n, h, w] = src.shape;
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH > 0 && outW > 0 && h > 0 && w > 0)) {
    throw new ShapeError(`resize bilinear: cannot resize x${fmtShape(src.shape)} to ${outH}x${outW}`);
  }
  const wordsOut = wordsForImage(outH, outW);
  const count = n * wordsOut;
  const data = GpuTensor.empty(gpu, [Math.max(1, count)], 'u32', 'resize.y');
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('resize_bilinear', { WG }),
    what: `resize bilinear x${fmtShape(src.shape)} -> ${outH}x${outW}`,
    params: packParams([
      ['u32', count],
      ['u32', h],
      ['u32', w],
      ['u32', outH],
      ['u32', outW],
      ['u32', src.wordsPerImage],
      ['u32', wordsOut],
      ['f32', h / outH],
      ['f32', w / outW],
    ]),
    buffers: [src.data.binding, data.binding],
    workgroups: grid1d(count, WG),
  });
  return { data, shape: [n, outH, outW, 3], wordsPerImage: wordsOut };
}

export interface WarpOptions {
  outH: number;
  outW: number;
  sampling: Sampling;
  preprocess: Preprocess;
}

/**
 * Warps each image by its transform and preprocesses it: (N, H, W, 3) uint8 (packed) or f32 ->
 * (N, outH, outW, 3) f32. `transforms` is (N, 8) f32 (TRANSFORM_STRIDE per image, see augment_warp.wgsl).
 */
export function warpImages(gpu: Gpu, src: PackedImages | GpuTensor<'f32'>, transforms: GpuTensor<'f32'>, opts: WarpOptions): GpuTensor<'f32'> {
  const packed = !(src instanceof GpuTensor);
  const shape = packed ? src.shape : src.shape;
  if (shape.length !== 4 || shape[3] !== 3) {
    throw new ShapeError(`augment warp: x must be (N, H, W, 3), got x${fmtShape(shape)}`);
  }
  const [n, h, w] = shape;
  if (transforms.shape.length !== 2 || transforms.shape[0] !== n || transforms.shape[1] !== TRANSFORM_STRIDE) {
    throw new ShapeError(`augment warp: transforms must be (N, ${TRANSFORM_STRIDE}), got x${fmtShape(shape)}, transforms${fmtShape(transforms.shape)}`);
  }
  const { outH, outW, preprocess: p } = opts;
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH > 0 && outW > 0 && h > 0 && w > 0)) {
    throw new ShapeError(`augment warp: cannot warp x${fmtShape(shape)} to ${outH}x${outW}`);
  }
  const y = GpuTensor.empty(gpu, [n, outH, outW, 3], 'f32', 'warp.y');
  const count = n * outH * outW;
  const srcBinding = packed ? src.data.binding : (src as GpuTensor<'f32'>).binding;
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('augment_warp', { WG, INPUT_U8: packed, BILINEAR: opts.sampling === 'bilinear' }),
    what: `augment warp x${fmtShape(shape)}${packed ? ' u8' : ''} -> ${outH}x${outW} ${opts.sampling}`,
    params: packParams([
      ['u32', count],
      ['u32', h],
      ['u32', w],
      ['u32', outH],
      ['u32', outW],
      ['u32', packed ? src.wordsPerImage : h * w * 3],
      ['u32', p.colour === 'BGR' ? 1 : 0],
      ['f32', p.scale],
      ['f32', p.mean[0]],
      ['f32', p.mean[1]],
      ['f32', p.mean[2]],
      ['f32', 1 / p.std[0]],
      ['f32', 1 / p.std[1]],
      ['f32', 1 / p.std[2]],
    ]),
    buffers: [srcBinding, transforms.binding, y.binding],
    workgroups: grid1d(count, WG),
  });
  return y;
}
