// Example sources for the training loop (fit.ts): where a batch's input tensor comes from.
//
// - images: cached photos (uint8, S x S) -> augmented (training) or plain, preprocessed (N, S, S, 3) on the GPU;
// - features: feature maps kept in CPU memory (N, h, w, C), e.g. cached bottleneck features, optionally with
//   several augmented copies per example of which each epoch draws one;
// - through: another source's inputs passed through a frozen module in inference mode, in micro-batches that
//   fit the adapter's binding limit, gathered into one (N, ...) tensor.

import type { Gpu } from '../gpu/device.ts';
import { GraftError } from '../gpu/errors.ts';
import { GpuTensor, numel } from '../gpu/tensor.ts';
import { Context, Tensor, type Module } from '../graph/index.ts';
import type { Preprocess } from '../kernels/image.ts';
import type { Rng } from '../util/rng.ts';
import { augmentBatch, drawAugmentBatch, preprocessBatch, type AugmentConfig } from './augment.ts';
import { uploadCacheBatch, type ImageCache } from './data/cache.ts';
import type { ExampleSource } from './fit.ts';

/** Photos of one split (cache indices), augmented when `augment` is given and an rng is passed. */
export function imageSource(
  gpu: Gpu,
  cache: ImageCache,
  indices: readonly number[],
  preprocess: Preprocess,
  augment: AugmentConfig | null,
): ExampleSource {
  return {
    size: indices.length,
    labels: indices.map((i) => cache.items[i].classIndex),
    inputs(batch, rng) {
      const packed = uploadCacheBatch(gpu, cache, batch.map((b) => indices[b]));
      try {
        return augment && rng ? augmentBatch(gpu, packed, drawAugmentBatch(rng, batch.length, augment), preprocess) : preprocessBatch(gpu, packed, preprocess);
      } finally {
        packed.data.release();
      }
    },
  };
}

/** Feature maps held on the CPU: `copies` arrays of (size, ...shape); training draws a copy per example. */
export interface FeatureStore {
  /** Shape of one example's features, e.g. [14, 14, 512]. */
  shape: number[];
  /** copies[k] holds every example's k-th (augmented) version, (size, ...shape) row-major. */
  copies: Float32Array[];
  labels: number[];
}

export function featureSource(gpu: Gpu, store: FeatureStore): ExampleSource {
  const per = numel(store.shape);
  return {
    size: store.labels.length,
    labels: store.labels,
    inputs(batch, rng) {
      const out = new Float32Array(batch.length * per);
      batch.forEach((n, b) => {
        const k = rng && store.copies.length > 1 ? rng.int(store.copies.length) : 0;
        out.set(store.copies[k].subarray(n * per, (n + 1) * per), b * per);
      });
      return GpuTensor.from(gpu, [batch.length, ...store.shape], out, 'f32', 'features');
    },
  };
}

/**
 * `source`'s inputs passed through `frozen` (no gradients), `chunk` examples at a time so that no activation
 * passes the adapter's binding limit, gathered into one tensor.
 */
export function throughSource(gpu: Gpu, source: ExampleSource, frozen: Module, chunk: number): ExampleSource {
  return {
    size: source.size,
    labels: source.labels,
    async inputs(batch, rng) {
      let out: GpuTensor | null = null;
      for (let at = 0; at < batch.length; at += chunk) {
        const part = batch.slice(at, at + chunk);
        const y = await forwardNoGrad(gpu, frozen, await source.inputs(part, rng));
        out ??= GpuTensor.empty(gpu, [batch.length, ...y.shape.slice(1)], 'f32', 'frozen.features');
        gpu.batcher.copy(y.buffer, 0, out.buffer, at * (y.byteLength / part.length), y.byteLength);
        y.release();
      }
      if (!out) throw new GraftError('throughSource: empty batch');
      return out;
    },
  };
}

/** Runs `module` in inference mode on `x` (released) and returns its output, owned by the caller. */
export async function forwardNoGrad(gpu: Gpu, module: Module, x: GpuTensor): Promise<GpuTensor> {
  const wasTraining = module.training;
  module.eval();
  const ctx = new Context(gpu, { grad: false });
  const input = new Tensor(x);
  try {
    const y = module.forward(input, ctx);
    ctx.keep(y);
    if (y === input) return x.clone();
    return y.value;
  } finally {
    ctx.dispose();
    x.release();
    module.train(wasTraining);
  }
}

/**
 * Largest number of images whose biggest activation (`bytesPerImage`, e.g. S*S*64*4 for VGG's first block)
 * fits one storage binding of this adapter, capped at `batch`.
 */
export function microBatchFor(gpu: Gpu, bytesPerImage: number, batch: number): number {
  const limit = Math.min(gpu.limits.maxStorageBufferBindingSize, gpu.limits.maxBufferSize ?? Infinity);
  return Math.max(1, Math.min(batch, Math.floor(limit / bytesPerImage)));
}
