// Broadcasting weighted sum y = alpha * a + beta * b (shaders/broadcast_binary.wgsl) for ONNX Add, Sum and
// Gemm's C term. Each operand is described by its buffer and its strides along y's axes (0 where broadcast), so
// callers can also read an operand in another memory layout than y's. Ranks up to 6.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { MAX_RANK, padTo6, stridesOf } from './transpose.ts';
import { bindingLimit } from './windows.ts';

const WG = 256;

/** An operand: its tensor and, for every axis of the output, the element stride to step through it. */
export interface StridedOperand {
  t: GpuTensor;
  strides: readonly number[];
}

/** Strides of a row-major `shape` seen along `outShape`'s axes under numpy broadcasting (0 where broadcast). */
export function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const own = stridesOf(shape);
  const lead = outShape.length - shape.length;
  if (lead < 0) throw new ShapeError(`broadcast: shape ${fmtShape(shape)} has more axes than ${fmtShape(outShape)}`);
  return outShape.map((d, i) => {
    const k = i - lead;
    if (k < 0) return 0;
    if (shape[k] === d) return d === 1 ? 0 : own[k];
    if (shape[k] === 1) return 0;
    throw new ShapeError(`broadcast: shape ${fmtShape(shape)} does not broadcast to ${fmtShape(outShape)}`);
  });
}

/** y (outShape) = alpha * a + beta * b, operands read through their strides. */
export function broadcastAddStrided(
  gpu: Gpu, outShape: readonly number[], a: StridedOperand, b: StridedOperand, alpha = 1, beta = 1,
): GpuTensor {
  const what = `broadcast add a${fmtShape(a.t.shape)} b${fmtShape(b.t.shape)} -> y${fmtShape(outShape)}`;
  if (outShape.length > MAX_RANK) throw new ShapeError(`${what}: rank ${outShape.length} is above the ${MAX_RANK} supported`);
  if (a.strides.length !== outShape.length || b.strides.length !== outShape.length) {
    throw new ShapeError(`${what}: each operand needs one stride per output axis`);
  }
  if (a.t.dtype !== 'f32' || b.t.dtype !== 'f32') throw new ShapeError(`${what}: operands must be f32`);
  const y = GpuTensor.empty(gpu, outShape, 'f32', 'broadcast_add.y');
  if (y.size === 0) return y;
  const limit = bindingLimit(gpu);
  if (y.size > limit || a.t.size > limit || b.t.size > limit) throw new GpuLimitError(`${what}: a tensor exceeds one storage binding`);
  const u = (v: number) => ['u32', v] as const;
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('broadcast_binary', { WG }),
    what,
    params: packParams([
      u(y.size), ...padTo6(outShape, 1).map(u), ...padTo6(a.strides, 0).map(u), ...padTo6(b.strides, 0).map(u),
      ['f32', alpha], ['f32', beta],
    ]),
    buffers: [a.t.binding, b.t.binding, y.binding],
    workgroups: grid1d(y.size, WG),
  });
  return y;
}

/** numpy-broadcasting alpha * a + beta * b of two row-major tensors. */
export function broadcastAdd(gpu: Gpu, a: GpuTensor, b: GpuTensor, alpha = 1, beta = 1): GpuTensor {
  const n = Math.max(a.shape.length, b.shape.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a.shape[a.shape.length - n + i] ?? 1;
    const y = b.shape[b.shape.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ShapeError(`broadcast add: a${fmtShape(a.shape)} and b${fmtShape(b.shape)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return broadcastAddStrided(gpu, out, { t: a, strides: broadcastStrides(a.shape, out) }, { t: b, strides: broadcastStrides(b.shape, out) }, alpha, beta);
}
