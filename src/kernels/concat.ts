// Concatenation of tensors along one axis (shaders/concat.wgsl), for ONNX Concat: each input is copied into its
// place in y by one dispatch. Ranks up to 6. Tensors past one storage binding run in slices of the first axis when
// the concatenation is along another (each slice of images is concatenated alone); concatenating such tensors
// along the first axis is refused.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { bindingLimit } from './windows.ts';
import { forImageChunks, imagesOf } from './conv2d-chunks.ts';
import { MAX_RANK, padTo6, stridesOf } from './transpose.ts';

const WG = 256;

/** y = the tensors joined along `axis` (every other dim equal). */
export function concat(gpu: Gpu, xs: readonly GpuTensor[], axis: number): GpuTensor {
  const what = `concat ${xs.map((x) => fmtShape(x.shape)).join(' ')} on axis ${axis}`;
  if (xs.length === 0) throw new ShapeError('concat: no tensors');
  const r = xs[0].shape.length;
  if (r > MAX_RANK) throw new ShapeError(`${what}: rank ${r} is above the ${MAX_RANK} supported`);
  if (!Number.isInteger(axis) || axis < 0 || axis >= r) throw new ShapeError(`${what}: axis must be in [0, ${r})`);
  for (const x of xs) {
    if (x.dtype !== 'f32') throw new ShapeError(`${what}: tensors must be f32, got ${x.dtype}`);
    if (x.shape.length !== r || x.shape.some((d, k) => k !== axis && d !== xs[0].shape[k])) {
      throw new ShapeError(`${what}: every dim but axis ${axis} must be equal`);
    }
  }
  const yShape = xs[0].shape.map((d, k) => (k === axis ? xs.reduce((n, x) => n + x.shape[k], 0) : d));
  const y = GpuTensor.empty(gpu, yShape, 'f32', 'concat.y');
  const limit = bindingLimit(gpu);
  if (axis === 0 && [y, ...xs].some((t) => t.byteLength > limit)) {
    y.release();
    throw new GpuLimitError(`${what}: ${y.byteLength} bytes exceed one storage binding, and the join is along the first axis, so it cannot run in slices of it`);
  }
  const strides = stridesOf(yShape);
  const N = yShape[0];
  let offset = 0;
  for (const x of xs) {
    // Slices of the first axis happen only when the join is along another, so a slice of `count` images of x lands
    // in the same `count` images of y.
    if (x.size > 0) {
      forImageChunks(gpu, what, N, [x, y], 0, (n0, count, range) => {
        const size = (x.size * count) / N;
        gpu.batcher.dispatch({
          kernel: gpu.pipelines.get('concat', { WG }),
          what: what + imagesOf(n0, count, N),
          params: packParams([
            ['u32', size],
            ...padTo6([count === N ? x.shape[0] : count, ...x.shape.slice(1)], 1).map((d) => ['u32', d] as const),
            ...padTo6(strides, 0).map((s) => ['u32', s] as const),
            ['u32', offset * strides[axis]],
          ]),
          buffers: [range(x), range(y)],
          workgroups: grid1d(size, WG),
        });
      });
    }
    offset += x.shape[axis];
  }
  return y;
}
