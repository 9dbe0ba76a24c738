// Broadcasting binary operations (shaders/broadcast_binary.wgsl): the weighted sum y = alpha * a + beta * b for ONNX
// Add, Sub, Sum, Mean, Expand and Gemm's C term, the product (Mul), the quotient (Div), Max, Min, Pow and PRelu.
// Each operand is described by its buffer and its strides along y's axes (0 where broadcast), so callers can also
// read an operand in another memory layout than y's. Ranks up to 6. Tensors past one storage binding run in slices
// of y's first axis: an operand that fits one binding is bound whole (the slice's start is a base offset into it),
// a larger one must have that axis outermost in its buffer (its slice is then one contiguous range), as activations
// in any of the runner's layouts do; other operands are refused.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { MAX_RANK, padTo6, stridesOf } from './transpose.ts';
import { bindingLimit } from './windows.ts';
import { batchChunks, imageRange } from './conv2d-chunks.ts';
import type { Binding } from '../gpu/batcher.ts';

const WG = 256;
const OPS = { add: 0, mul: 1, div: 2, max: 3, min: 4, pow: 5, prelu: 6 } as const;
/** 'add' is alpha * a + beta * b; 'mul' a * b; 'div' a / b; 'max' and 'min' elementwise; 'pow' a to the power b;
 *  'prelu' a, or b * a where a is negative. */
export type BinaryOp = keyof typeof OPS;

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
  return broadcastBinaryStrided(gpu, outShape, a, b, 'add', alpha, beta);
}

/** y (outShape) = a `op` b (alpha and beta weigh a sum), operands read through their strides. */
export function broadcastBinaryStrided(
  gpu: Gpu, outShape: readonly number[], a: StridedOperand, b: StridedOperand, op: BinaryOp, alpha = 1, beta = 1,
): GpuTensor {
  const what = `broadcast ${op} a${fmtShape(a.t.shape)} b${fmtShape(b.t.shape)} -> y${fmtShape(outShape)}`;
  if (outShape.length > MAX_RANK) throw new ShapeError(`${what}: rank ${outShape.length} is above the ${MAX_RANK} supported`);
  if (a.strides.length !== outShape.length || b.strides.length !== outShape.length) {
    throw new ShapeError(`${what}: each operand needs one stride per output axis`);
  }
  if (a.t.dtype !== 'f32' || b.t.dtype !== 'f32') throw new ShapeError(`${what}: operands must be f32`);
  const y = GpuTensor.empty(gpu, outShape, 'f32', `broadcast_${op}.y`);
  if (y.size === 0) return y;
  const limit = bindingLimit(gpu);
  const u = (v: number) => ['u32', v] as const;
  // One dispatch over y's first axis from n0, count long; bases: each operand's first element in its binding.
  const dispatch = (dims: readonly number[], size: number, buffers: Binding[], bases: [number, number], slice: string) => gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('broadcast_binary', { WG, OP: OPS[op] }),
    what: what + slice,
    params: packParams([
      u(size), ...padTo6(dims, 1).map(u), ...padTo6(a.strides, 0).map(u), ...padTo6(b.strides, 0).map(u),
      ['f32', alpha], ['f32', beta], u(bases[0]), u(bases[1]),
    ]),
    buffers,
    workgroups: grid1d(size, WG),
  });
  if (y.size <= limit && a.t.size <= limit && b.t.size <= limit) {
    dispatch(outShape, y.size, [a.t.binding, b.t.binding, y.binding], [0, 0], '');
    return y;
  }
  const N = outShape[0];
  const sliced = (o: StridedOperand) => o.t.size > limit;
  for (const o of [a, b]) {
    if (sliced(o) && (o.strides[0] * N !== o.t.size || o.t.shape[0] !== N)) {
      throw new GpuLimitError(`${what}: an operand exceeds one storage binding and does not have y's first axis outermost, so it cannot run in slices of it`);
    }
  }
  // A sliced operand holds N images of strides[0] elements each, like y: its first axis is y's.
  const perImage = [y.byteLength / N, ...[a, b].filter(sliced).map((o) => o.strides[0] * 4)];
  for (const [n0, count] of batchChunks(gpu, what, N, perImage)) {
    const bind = (o: StridedOperand) => (sliced(o) ? imageRange(o.t, n0, count) : o.t.binding);
    const base = (o: StridedOperand) => (sliced(o) ? 0 : n0 * o.strides[0]);
    dispatch([count, ...outShape.slice(1)], (y.size / N) * count, [bind(a), bind(b), imageRange(y, n0, count)],
      [base(a), base(b)], ` slice ${n0}..${n0 + count}`);
  }
  return y;
}

/** numpy-broadcasting alpha * a + beta * b of two row-major tensors. */
export function broadcastAdd(gpu: Gpu, a: GpuTensor, b: GpuTensor, alpha = 1, beta = 1): GpuTensor {
  return broadcastBinary(gpu, a, b, 'add', alpha, beta);
}

/** numpy-broadcasting a `op` b of two row-major tensors (alpha and beta weigh a sum). */
export function broadcastBinary(gpu: Gpu, a: GpuTensor, b: GpuTensor, op: BinaryOp, alpha = 1, beta = 1): GpuTensor {
  const n = Math.max(a.shape.length, b.shape.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a.shape[a.shape.length - n + i] ?? 1;
    const y = b.shape[b.shape.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ShapeError(`broadcast ${op}: a${fmtShape(a.shape)} and b${fmtShape(b.shape)} do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return broadcastBinaryStrided(gpu, out, { t: a, strides: broadcastStrides(a.shape, out) }, { t: b, strides: broadcastStrides(b.shape, out) }, op, alpha, beta);
}
