// Data augmentation with the 2017 Keras semantics the study used, and the preprocessing of network inputs.
//
// ImageDataGenerator(rotation_range=10, shear_range=0.2, zoom_range=0.2, horizontal_flip=True) in Keras 2.0:
// random_transform draws, in this order, theta = uniform(-10, 10) degrees, shear = uniform(-0.2, 0.2) RADIANS
// (Keras changed shear to degrees only in 2.2), zx, zy = uniform(0.8, 1.2) independently, then flips
// horizontally with probability 0.5 AFTER the affine transform. The affine matrix is rotation . shear . zoom,
// moved to the centre by transform_matrix_offset_center (centre h/2 + 0.5, w/2 + 0.5: Keras's own, slightly
// off-centre choice, kept), and handed to scipy.ndimage.affine_transform with order=0 (nearest) and
// mode='nearest'. That maps OUTPUT (row, col) to INPUT (row, col), as the warp kernel does.
//
// Parameters are drawn here from a seeded Rng (src/util/rng.ts), so a run replays exactly from its seed;
// the numbers differ from numpy's, of course. The GPU work is one dispatch of shaders/augment_warp.wgsl per
// batch, which also applies the `Preprocess` of the network's weights.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { TRANSFORM_STRIDE, warpImages, type PackedImages, type Preprocess } from '../kernels/image.ts';
import type { Rng } from '../util/rng.ts';

export type { Preprocess } from '../kernels/image.ts';

/** ONNX model zoo (and torchvision) weights: RGB in [0, 1], ImageNet mean and std. */
export const PREPROCESS_ONNX_ZOO: Preprocess = { colour: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
/** Keras applications 'caffe' mode (VGG16/19, ResNet50): BGR, 0..255, ImageNet mean in BGR order, no std. */
export const PREPROCESS_KERAS_CAFFE: Preprocess = { colour: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] };
/** Pixels divided by 255 and nothing else (what the seed blog fed its networks, and a fine choice from scratch). */
export const PREPROCESS_UNIT: Preprocess = { colour: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] };

/** "BGR, x*1 - [103.939,116.779,123.68] / [1,1,1]" for run records and warnings. */
export function describePreprocess(p: Preprocess): string {
  const scale = Math.abs(p.scale - 1 / 255) < 1e-12 ? '1/255' : String(p.scale);
  return `${p.colour}, x*${scale} - [${p.mean.join(',')}] / [${p.std.join(',')}]`;
}

/** True when two descriptors normalise identically (to 1e-6), e.g. the run's and the weights'. */
export function samePreprocess(a: Preprocess, b: Preprocess): boolean {
  const near = (x: number, y: number) => Math.abs(x - y) <= 1e-6 * Math.max(1, Math.abs(x), Math.abs(y));
  return a.colour === b.colour && near(a.scale, b.scale) && a.mean.every((m, i) => near(m, b.mean[i])) && a.std.every((s, i) => near(s, b.std[i]));
}

export interface AugmentConfig {
  /** Rotation drawn uniformly in [-rotationDeg, rotationDeg] degrees. */
  rotationDeg: number;
  /** Shear angle drawn uniformly in [-shear, shear], radians (Keras 2.0). */
  shear: number;
  /** Zoom per axis drawn independently from [zoom[0], zoom[1]]. */
  zoom: readonly [number, number];
  horizontalFlip: boolean;
}

/** The study's ImageDataGenerator(rotation_range=10, shear_range=0.2, zoom_range=0.2, horizontal_flip=True). */
export const KERAS_2017_AUGMENT: AugmentConfig = { rotationDeg: 10, shear: 0.2, zoom: [0.8, 1.2], horizontalFlip: true };

/** One image's drawn transform. zx scales rows (height) and zy columns, as in Keras (its x is the row axis). */
export interface AugmentParams {
  /** Radians. */
  theta: number;
  /** Radians. */
  shear: number;
  zx: number;
  zy: number;
  flip: boolean;
}

export const IDENTITY_AUGMENT: AugmentParams = Object.freeze({ theta: 0, shear: 0, zx: 1, zy: 1, flip: false });

/** Draws one image's parameters in Keras's order (theta, shear, zx, zy, flip). */
export function drawAugmentParams(rng: Rng, cfg: AugmentConfig = KERAS_2017_AUGMENT): AugmentParams {
  const theta = cfg.rotationDeg ? (Math.PI / 180) * rng.uniform(-cfg.rotationDeg, cfg.rotationDeg) : 0;
  const shear = cfg.shear ? rng.uniform(-cfg.shear, cfg.shear) : 0;
  let zx = 1;
  let zy = 1;
  if (cfg.zoom[0] !== 1 || cfg.zoom[1] !== 1) {
    zx = rng.uniform(cfg.zoom[0], cfg.zoom[1]);
    zy = rng.uniform(cfg.zoom[0], cfg.zoom[1]);
  }
  const flip = cfg.horizontalFlip ? rng.next() < 0.5 : false;
  return { theta, shear, zx, zy, flip };
}

/** Parameters for a whole batch, drawn image after image from one Rng. */
export function drawAugmentBatch(rng: Rng, n: number, cfg: AugmentConfig = KERAS_2017_AUGMENT): AugmentParams[] {
  return Array.from({ length: n }, () => drawAugmentParams(rng, cfg));
}

type Mat3 = number[][];

function matmul(a: Mat3, b: Mat3): Mat3 {
  return a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j]));
}

/**
 * The warp kernel's 8 numbers for one image of h rows and w columns, built as Keras 2.0 did: the product of the
 * rotation, shear and zoom matrices (each skipped when it is the identity, so identity parameters give exactly
 * the identity), conjugated by the offset to (h/2 + 0.5, w/2 + 0.5).
 */
export function kerasTransform(p: AugmentParams, h: number, w: number): number[] {
  let m: Mat3 | null = null;
  const then = (next: Mat3) => (m = m === null ? next : matmul(m, next));
  if (p.theta !== 0) {
    then([
      [Math.cos(p.theta), -Math.sin(p.theta), 0],
      [Math.sin(p.theta), Math.cos(p.theta), 0],
      [0, 0, 1],
    ]);
  }
  if (p.shear !== 0) {
    then([
      [1, -Math.sin(p.shear), 0],
      [0, Math.cos(p.shear), 0],
      [0, 0, 1],
    ]);
  }
  if (p.zx !== 1 || p.zy !== 1) {
    then([
      [p.zx, 0, 0],
      [0, p.zy, 0],
      [0, 0, 1],
    ]);
  }
  let t: Mat3 = [
    [1, 0, 0],
    [0, 1, 0],
    [0, 0, 1],
  ];
  if (m !== null) {
    const ox = h / 2 + 0.5;
    const oy = w / 2 + 0.5;
    t = matmul(
      matmul(
        [
          [1, 0, ox],
          [0, 1, oy],
          [0, 0, 1],
        ],
        m,
      ),
      [
        [1, 0, -ox],
        [0, 1, -oy],
        [0, 0, 1],
      ],
    );
  }
  return [t[0][0], t[0][1], t[1][0], t[1][1], t[0][2], t[1][2], p.flip ? 1 : 0, 0];
}

/** The transform that resizes in x in (inH, inW) to (outH, outW) with half-pixel centres (bilinear sampling). */
export function resizeTransform(inH: number, inW: number, outH: number, outW: number): number[] {
  const sy = inH / outH;
  const sx = inW / outW;
  return [sy, 0, 0, sx, 0.5 * sy - 0.5, 0.5 * sx - 0.5, 0, 0];
}

function transformTensor(gpu: Gpu, rows: number[][]): GpuTensor<'f32'> {
  const flat = new Float32Array(rows.length * TRANSFORM_STRIDE);
  rows.forEach((r, i) => flat.set(r, i * TRANSFORM_STRIDE));
  return GpuTensor.from(gpu, [rows.length, TRANSFORM_STRIDE], flat, 'f32', 'augment.transforms');
}

function imageShape(images: PackedImages | GpuTensor<'f32'>): readonly number[] {
  return images instanceof GpuTensor ? images.shape : images.shape;
}

/**
 * Augments a batch: (N, H, W, 3) uint8 (packed) or f32 in 0..255 -> (N, H, W, 3) f32 preprocessed, each image
 * warped by its parameters with nearest sampling (Keras order=0).
 */
export function augmentBatch(gpu: Gpu, images: PackedImages | GpuTensor<'f32'>, params: readonly AugmentParams[], preprocess: Preprocess): GpuTensor<'f32'> {
  const [, h, w] = imageShape(images);
  const transforms = transformTensor(gpu, params.map((p) => kerasTransform(p, h, w)));
  const y = warpImages(gpu, images, transforms, { outH: h, outW: w, sampling: 'nearest', preprocess });
  transforms.release();
  return y;
}

/**
 * Preprocesses a batch without augmentation: (N, H, W, 3) -> (N, outH, outW, 3) f32. Same size: the identity
 * (exact); another size: bilinear resize with half-pixel centres, in the same pass.
 */
export function preprocessBatch(
  gpu: Gpu,
  images: PackedImages | GpuTensor<'f32'>,
  preprocess: Preprocess,
  outH?: number,
  outW?: number,
): GpuTensor<'f32'> {
  const [n, h, w] = imageShape(images);
  const oh = outH ?? h;
  const ow = outW ?? w;
  const same = oh === h && ow === w;
  const row = same ? kerasTransform(IDENTITY_AUGMENT, h, w) : resizeTransform(h, w, oh, ow);
  const transforms = transformTensor(gpu, Array.from({ length: n }, () => row));
  const y = warpImages(gpu, images, transforms, { outH: oh, outW: ow, sampling: same ? 'nearest' : 'bilinear', preprocess });
  transforms.release();
  return y;
}
