// Reshape and flatten: free views of the same memory, forward and backward (the gradient is dy viewed in the
// input's shape).

import type { Gpu } from '../../gpu/device.ts';
import { resolveShape, type GpuTensor } from '../../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../../gpu/errors.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

export function reshape(ctx: Context, x: Tensor, shape: readonly number[]): Tensor {
  const target = resolveShape(shape, x.value.size, `reshape x${fmtShape(x.shape)} to ${fmtShape(shape)}`);
  const y = x.value.reshape(target);
  return ctx.output(y, `reshape x${fmtShape(x.shape)} to ${fmtShape(target)}`, ctx.recording([x]) ? new ReshapeOp(x) : null);
}

/** (N, ...) -> (N, product of the rest); Keras's Flatten order for NHWC (H, W, C). */
export function flatten(ctx: Context, x: Tensor): Tensor {
  if (x.shape.length < 1) throw new ShapeError(`flatten: x${fmtShape(x.shape)} has no batch axis`);
  const [n, ...rest] = x.shape;
  return reshape(ctx, x, [n, rest.reduce((a, b) => a * b, 1)]);
}

class ReshapeOp extends Op {
  readonly name = 'reshape';
  private readonly xShape: readonly number[];

  constructor(x: Tensor) {
    super([x]);
    this.xShape = x.shape;
  }

  backward(_gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    return [dy.reshape(this.xShape)];
  }
}
