// Splitting a batch into chunks of images: each chunk's tensors must fit one storage binding
// (maxStorageBufferBindingSize) and start at an aligned offset, and kernels that copy images into bounded
// textures take fewer images at a time; and adding up the partial sums that slices of a batch leave. Shared by
// the convolutions (conv2d.ts, conv2d-winograd.ts), the pools (pool.ts), transpose.ts and broadcast.ts.

import type { Gpu } from '../gpu/device.ts';
import type { Binding } from '../gpu/batcher.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError } from '../gpu/errors.ts';
import { sumRows } from './reduce.ts';

/** The byte range of images [n0, n0 + count) of a tensor whose first dimension is the batch. */
export function imageRange(t: GpuTensor, n0: number, count: number): Binding {
  const perImage = t.byteLength / t.shape[0];
  return { buffer: t.buffer, offset: n0 * perImage, size: Math.max(4, count * perImage) };
}

/**
 * Splits a batch into chunks whose per-chunk bindings fit maxStorageBufferBindingSize and whose offsets respect
 * minStorageBufferOffsetAlignment. `bytesPerImage` lists every batch-sized tensor's bytes per image.
 */
export function batchChunks(gpu: Gpu, op: string, N: number, bytesPerImage: number[]): Array<[number, number]> {
  const maxBinding = gpu.limits.maxStorageBufferBindingSize ?? 134217728;
  const align = gpu.limits.minStorageBufferOffsetAlignment ?? 256;
  const largest = Math.max(...bytesPerImage);
  let per = Math.max(1, Math.floor(maxBinding / largest));
  if (per >= N) return [[0, N]];
  if (largest > maxBinding) {
    throw new GpuLimitError(`${op}: one image needs ${largest} bytes, past this adapter's maxStorageBufferBindingSize of ${maxBinding}`);
  }
  // Chunk offsets are multiples of `per` images: make every tensor's chunk start aligned.
  while (per > 1 && bytesPerImage.some((b) => (b * per) % align !== 0)) per--;
  if (bytesPerImage.some((b) => (b * per) % align !== 0)) {
    throw new GpuLimitError(`${op}: the batch must be split to fit maxStorageBufferBindingSize, but image sizes (${bytesPerImage.join(', ')} bytes) do not allow aligned chunks`);
  }
  const chunks: Array<[number, number]> = [];
  for (let n0 = 0; n0 < N; n0 += per) chunks.push([n0, Math.min(per, N - n0)]);
  return chunks;
}

/**
 * Calls `run` once per chunk of images [n0, n0 + count) of a batch of N: the chunks' ranges of every tensor in
 * `batched` (first dimension N) fit one storage binding at an aligned offset, and count * rowsPerImage rows of
 * workgroups fit the grid (0: the kernel's grid does not grow with the images' rows). One chunk, the usual case,
 * binds each tensor whole. `range(t)` is t's binding for the chunk; a chunk's kernels index from its first image,
 * as if the batch were only those images.
 */
export function forImageChunks(
  gpu: Gpu,
  op: string,
  N: number,
  batched: GpuTensor[],
  rowsPerImage: number,
  run: (n0: number, count: number, range: (t: GpuTensor) => Binding) => void,
): void {
  const maxGroups = gpu.limits.maxComputeWorkgroupsPerDimension ?? 65535;
  if (rowsPerImage > maxGroups) {
    throw new GpuLimitError(`${op}: one image needs ${rowsPerImage} rows of workgroups, past this adapter's maxComputeWorkgroupsPerDimension of ${maxGroups}`);
  }
  const most = rowsPerImage > 0 ? Math.floor(maxGroups / rowsPerImage) : Infinity;
  const chunks = N === 0 ? [[0, 0] as [number, number]]
    : splitChunks(batchChunks(gpu, op, N, batched.map((t) => t.byteLength / N)), most);
  if (chunks.length === 1) {
    run(0, N, (t) => t.binding);
    return;
  }
  for (const [n0, count] of chunks) run(n0, count, (t) => imageRange(t, n0, count));
}

/** Chunk label for a dispatch's `what`: ` images a..b`, empty for a whole batch. */
export function imagesOf(n0: number, count: number, N: number): string {
  return count === N ? '' : ` images ${n0}..${n0 + count}`;
}

/** Splits each [n0, count] chunk into chunks of at most `most` images. */
export function splitChunks(chunks: Array<[number, number]>, most: number): Array<[number, number]> {
  const out: Array<[number, number]> = [];
  for (const [n0, count] of chunks) {
    for (let i = 0; i < count; i += most) out.push([n0 + i, Math.min(most, count - i)]);
  }
  return out;
}

/**
 * partial (slices, ...shape) summed over its first axis, as a tensor of `shape`; partial is released (its buffer
 * returns to the pool once the sum's work is recorded).
 */
export function sumSlices(gpu: Gpu, partial: GpuTensor, shape: readonly number[]): GpuTensor {
  const rows = partial.reshape([partial.shape[0], -1]); // a view: released below, or partial never returns to the pool
  const summed = sumRows(gpu, rows);
  rows.release();
  partial.release();
  const out = summed.reshape(shape);
  summed.release();
  return out;
}
