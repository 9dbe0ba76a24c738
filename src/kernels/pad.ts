// Padding and cropping of a tensor (shaders/pad.wgsl): ONNX Pad in its constant, edge and reflect modes, with
// negative pads removing elements. Ranks up to 6. A tensor past one storage binding runs in slices of its first
// axis when that axis is not padded (a batch of images padded spatially: each image alone); padding the first
// axis of such a tensor is refused.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { bindingLimit } from './windows.ts';
import { forImageChunks, imagesOf } from './conv2d-chunks.ts';
import { MAX_RANK, padTo6, stridesOf } from './transpose.ts';

const WG = 256;
const MODES = { constant: 0, edge: 1, reflect: 2 } as const;
export type PadMode = keyof typeof MODES;

export interface PadOptions {
  /** Elements added before and after each axis (negative: removed). */
  begins: readonly number[];
  ends: readonly number[];
  mode: PadMode;
  /** The value of added elements in constant mode. */
  value?: number;
}

/** y (x.shape[k] + begins[k] + ends[k] per axis) = x padded or cropped. */
export function pad(gpu: Gpu, x: GpuTensor, o: PadOptions): GpuTensor {
  const r = x.shape.length;
  const what = `pad x${fmtShape(x.shape)} begins ${fmtShape(o.begins)} ends ${fmtShape(o.ends)} (${o.mode})`;
  if (o.begins.length !== r || o.ends.length !== r) throw new ShapeError(`${what}: give a begin and an end for each of x's ${r} axes`);
  if (r > MAX_RANK) throw new ShapeError(`${what}: rank ${r} is above the ${MAX_RANK} supported`);
  if (x.dtype !== 'f32') throw new ShapeError(`${what}: x must be f32, got ${x.dtype}`);
  const yShape = x.shape.map((d, k) => d + o.begins[k] + o.ends[k]);
  if (yShape.some((d) => d < 1)) throw new ShapeError(`${what}: the result ${fmtShape(yShape)} would be empty`);
  if (o.mode !== 'constant') {
    // Edge and reflect read x's own elements: x needs some on every padded axis, and reflect mirrors each pad once.
    const limit = (d: number) => (o.mode === 'reflect' ? d - 1 : Infinity);
    const k = x.shape.findIndex((d, k) => (o.begins[k] > 0 || o.ends[k] > 0) && (d === 0 || o.begins[k] > limit(d) || o.ends[k] > limit(d)));
    if (k >= 0) throw new ShapeError(`${what}: ${o.mode} mode pads axis ${k} (size ${x.shape[k]}) by more than ${o.mode === 'reflect' ? 'its size - 1' : 'it has'}`);
  }
  const y = GpuTensor.empty(gpu, yShape, 'f32', 'pad.y');
  const N = x.shape[0];
  const sliceable = r > 1 && o.begins[0] === 0 && o.ends[0] === 0;
  if (!sliceable && Math.max(x.byteLength, y.byteLength) > bindingLimit(gpu)) {
    y.release();
    throw new GpuLimitError(`${what}: ${Math.max(x.byteLength, y.byteLength)} bytes exceed one storage binding, and this pads the first axis, so it cannot run in slices of it`);
  }
  const strides = padTo6(stridesOf(x.shape), 0);
  const begins = padTo6(o.begins, 0);
  // Slices of x's first axis happen only where it is not padded, so a slice of `count` images is y's `count` too.
  forImageChunks(gpu, what, N, [x, y], 0, (n0, count, range) => {
    const size = (y.size * count) / N;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('pad', { WG }),
      what: what + imagesOf(n0, count, N),
      params: packParams([
        ['u32', size], ['u32', MODES[o.mode]], ['f32', o.value ?? 0],
        ...padTo6([count === N ? yShape[0] : count, ...yShape.slice(1)], 1).map((d) => ['u32', d] as const),
        ...padTo6([count, ...x.shape.slice(1)], 1).map((d) => ['u32', d] as const),
        ...strides.map((s) => ['u32', s] as const),
        ...begins.map((b) => ['i32', b] as const),
      ]),
      buffers: [range(x), range(y)],
      workgroups: grid1d(size, WG),
    });
  });
  return y;
}
