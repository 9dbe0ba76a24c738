// Axis permutation (shaders/transpose.wgsl): ONNX Transpose, and the NHWC <-> NCHW conversions the ONNX runner
// makes where a layout-sensitive operator meets a channels-last activation. Ranks up to 6. A tensor past one
// storage binding is permuted in chunks along its first axis when the permutation keeps that axis first (the
// layout conversions do: each image is permuted alone); other permutations of such a tensor are refused.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { bindingLimit } from './windows.ts';
import { forImageChunks, imagesOf } from './conv2d-chunks.ts';

const WG = 256;
/** Highest rank the strided kernels take (their Params carry six dims). */
export const MAX_RANK = 6;

/** Row-major strides of a shape. */
export function stridesOf(shape: readonly number[]): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

/** `values` left-padded with `fill` to MAX_RANK entries. */
export function padTo6(values: readonly number[], fill: number): number[] {
  return [...new Array<number>(MAX_RANK - values.length).fill(fill), ...values];
}

/** y = x with axes permuted: y.shape[i] = x.shape[perm[i]]. */
export function transpose(gpu: Gpu, x: GpuTensor, perm: readonly number[]): GpuTensor {
  const r = x.shape.length;
  const what = `transpose x${fmtShape(x.shape)} perm ${fmtShape(perm)}`;
  if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new ShapeError(`${what}: perm is not a permutation of ${r} axes`);
  }
  if (r > MAX_RANK) throw new ShapeError(`${what}: rank ${r} is above the ${MAX_RANK} supported`);
  if (x.dtype !== 'f32') throw new ShapeError(`${what}: x must be f32, got ${x.dtype}`);
  const yShape = perm.map((p) => x.shape[p]);
  const y = GpuTensor.empty(gpu, yShape, 'f32', 'transpose.y');
  if (y.size === 0) return y;
  const xs = stridesOf(x.shape);
  const strides = padTo6(perm.map((p) => xs[p]), 0);
  if (x.size > bindingLimit(gpu) && perm[0] !== 0) {
    throw new GpuLimitError(`${what}: ${x.byteLength} bytes exceed one storage binding, and this permutation moves the first axis, so it cannot run in slices of it`);
  }
  // Slices of x's first axis (only past one binding, so only where the perm keeps that axis first): a slice of
  // `count` of its N is y's first `count * yShape[0] / N` (all of y's first axis when whole, else `count`).
  const N = x.shape[0];
  forImageChunks(gpu, what, N, [x, y], 0, (n0, count, range) => {
    const dims = [(yShape[0] * count) / N, ...yShape.slice(1)];
    const size = (y.size * count) / N;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('transpose', { WG }),
      what: what + imagesOf(n0, count, N),
      params: packParams([['u32', size], ...padTo6(dims, 1).map((d) => ['u32', d] as const), ...strides.map((s) => ['u32', s] as const)]),
      buffers: [range(x), range(y)],
      workgroups: grid1d(size, WG),
    });
  });
  return y;
}
