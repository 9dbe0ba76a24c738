// Binding windows: how the kernels in matmul/reduce/softmax/loss/elementwise/dropout/optim bind a byte range of
// a tensor's buffer, so a tensor larger than maxStorageBufferBindingSize (VGG19's 25088x4096 classifier weights
// are 411 MB, lavapipe allows 128 MiB per binding) is processed in chunks that each fit one binding.
//
// A window starts at an element offset rounded down to 64 floats (256 bytes: the largest
// minStorageBufferOffsetAlignment WebGPU allows, so any adapter accepts it); `base` tells the shader where the
// wanted element sits inside the window.

import type { Gpu } from '../gpu/device.ts';
import type { Binding } from '../gpu/batcher.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError } from '../gpu/errors.ts';

/** Window starts are multiples of this many elements (256 bytes). */
export const ALIGN = 64;

let limitOverrideBytes: number | null = null;

/**
 * Makes every kernel of these modules chunk as if bindings could hold only `bytes` bytes (null restores the
 * adapter's limit). Tests use it to exercise the chunked paths without allocating hundreds of megabytes.
 */
export function setBindingLimitForTests(bytes: number | null): void {
  limitOverrideBytes = bytes;
}

/** The most elements one binding may hold. */
export function bindingLimit(gpu: Gpu): number {
  const bytes = limitOverrideBytes ?? gpu.limits.maxStorageBufferBindingSize ?? 128 * 1024 * 1024;
  return Math.floor(bytes / 4);
}

export interface Window {
  binding: Binding;
  /** Offset, in elements, of element `start` inside the window. */
  base: number;
}

/** The binding covering elements [start, end) of `t` (at least 16 bytes, for vec4 arrays). */
export function window(t: GpuTensor, start: number, end: number): Window {
  const buffer = t.buffer;
  let from = Math.floor(start / ALIGN) * ALIGN;
  // An empty range at the very end of a buffer still needs 16 valid bytes to bind.
  if (buffer.size - from * 4 < 16) from = Math.max(0, from - ALIGN);
  const size = Math.min(Math.max(16, (end - from) * 4), buffer.size - from * 4);
  return { binding: { buffer, offset: from * 4, size }, base: start - from };
}

/** Splits [0, count) into ranges of at most `limit` items (at least `align`) whose starts are multiples of `align`. */
export function ranges(count: number, limit: number, align = 1): Array<[number, number]> {
  const step = limit >= count ? count : Math.max(align, Math.floor(limit / align) * align);
  const out: Array<[number, number]> = [];
  for (let s = 0; s < count; s += step) out.push([s, Math.min(count, s + step)]);
  return out;
}

/**
 * Row ranges of a (rows, cols) row-major tensor such that one range fits a binding: the windows of all tensors
 * sharing that layout, cut at the same rows, then fit. Throws if a single row does not fit.
 */
export function rowRanges(gpu: Gpu, op: string, rows: number, cols: number): Array<[number, number]> {
  const limit = bindingLimit(gpu) - ALIGN;
  if (cols > limit) {
    throw new GpuLimitError(`${op}: one row of ${cols} elements does not fit one binding of ${limit} elements`);
  }
  return ranges(rows, Math.floor(limit / Math.max(1, cols)));
}

/** Element ranges of a flat tensor, starts multiples of ALIGN, each fitting one binding. */
export function flatRanges(gpu: Gpu, count: number): Array<[number, number]> {
  return ranges(count, bindingLimit(gpu) - ALIGN, ALIGN);
}
