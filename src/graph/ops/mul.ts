// Elementwise product with numpy broadcasting as a differentiable op: EfficientNet's SiLU (x * sigmoid(x), equal
// shapes) and squeeze-and-excitation (a (N, H, W, C) map times its (N, 1, 1, C) gate).
// Backward: da = dy * b and db = dy * a, each summed over the axes along which its operand was broadcast
// (transposed so that those axes lead, then the column sums of src/kernels/reduce.ts).

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../../gpu/errors.ts';
import { broadcastBinary } from '../../kernels/broadcast.ts';
import { sumRows } from '../../kernels/reduce.ts';
import { transpose } from '../../kernels/transpose.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

/** y = a * b under numpy broadcasting; a and b have the same rank. */
export function mul(ctx: Context, a: Tensor, b: Tensor): Tensor {
  if (a.shape.length !== b.shape.length) throw new ShapeError(`mul a${fmtShape(a.shape)} b${fmtShape(b.shape)}: the operands need the same rank`);
  const y = broadcastBinary(ctx.gpu, a.value, b.value, 'mul');
  return ctx.output(y, `mul a${fmtShape(a.shape)} b${fmtShape(b.shape)}`, ctx.recording([a, b]) ? new MulOp(a, b) : null);
}

class MulOp extends Op {
  readonly name = 'mul';
  private readonly a: GpuTensor | null;
  private readonly b: GpuTensor | null;

  constructor(a: Tensor, b: Tensor) {
    super([a, b]);
    // Each gradient reads the other operand.
    this.a = this.needs[1] ? this.save(a.value) : null;
    this.b = this.needs[0] ? this.save(b.value) : null;
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    const grad = (other: GpuTensor, shape: readonly number[]) => reduceTo(gpu, broadcastBinary(gpu, dy, other, 'mul'), shape);
    return [this.needs[0] ? grad(this.b!, this.inputs[0].shape) : null, this.needs[1] ? grad(this.a!, this.inputs[1].shape) : null];
  }
}

/** t summed over the axes where `shape` is 1 and t is not, reshaped to `shape` (t is consumed). */
function reduceTo(gpu: Gpu, t: GpuTensor, shape: readonly number[]): GpuTensor {
  const reduced = shape.map((_, i) => i).filter((i) => shape[i] === 1 && t.shape[i] !== 1);
  if (reduced.length === 0) return t;
  const kept = shape.map((_, i) => i).filter((i) => !reduced.includes(i));
  const rows = reduced.reduce((p, i) => p * t.shape[i], 1);
  const moved = transpose(gpu, t, [...reduced, ...kept]);
  t.release();
  const flat = moved.reshape([rows, moved.size / rows]);
  const sums = sumRows(gpu, flat);
  flat.release();
  moved.release();
  const out = sums.reshape(shape);
  sums.release();
  return out;
}
