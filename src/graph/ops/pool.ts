// Pooling ops: max and average 2-D pooling, and their global forms (GAP/GMP: (N, H, W, C) -> (N, C)).
// Max pooling saves the forward's argmax indices (only when recorded) so backward scatters without searching.

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { fmtShape } from '../../gpu/errors.ts';
import {
  avgPool2dBackward,
  avgPool2dForward,
  globalAvgPoolBackward,
  globalAvgPoolForward,
  globalMaxPoolBackward,
  globalMaxPoolForward,
  maxPool2dBackward,
  maxPool2dForward,
  type Pool2dOptions,
} from '../../kernels/pool.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

export interface AvgPool2dOpOptions extends Pool2dOptions {
  countIncludePad?: boolean;
}

export function maxPool2d(ctx: Context, x: Tensor, o: Pool2dOptions): Tensor {
  const rec = ctx.recording([x]);
  const { y, argmax } = maxPool2dForward(ctx.gpu, x.value, o, rec);
  return ctx.output(y, `maxPool2d x${fmtShape(x.shape)}`, rec ? new ArgmaxPoolOp('maxPool2d', x, argmax!, false) : null);
}

export function globalMaxPool(ctx: Context, x: Tensor): Tensor {
  const rec = ctx.recording([x]);
  const { y, argmax } = globalMaxPoolForward(ctx.gpu, x.value);
  if (!rec) argmax?.release();
  return ctx.output(y, `globalMaxPool x${fmtShape(x.shape)}`, rec ? new ArgmaxPoolOp('globalMaxPool', x, argmax!, true) : null);
}

/** Max pooling's backward: dy scattered to the saved argmax positions. */
class ArgmaxPoolOp extends Op {
  private readonly argmax: GpuTensor<'i32'>;
  private readonly xShape: readonly number[];

  constructor(
    readonly name: string,
    x: Tensor,
    argmax: GpuTensor<'i32'>,
    private readonly global: boolean,
  ) {
    super([x]);
    this.xShape = x.shape;
    this.argmax = this.save(argmax, true);
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    const dx = this.global
      ? globalMaxPoolBackward(gpu, dy, this.argmax, this.xShape)
      : maxPool2dBackward(gpu, dy, this.argmax, this.xShape);
    return [dx];
  }
}

export function avgPool2d(ctx: Context, x: Tensor, o: AvgPool2dOpOptions): Tensor {
  const y = avgPool2dForward(ctx.gpu, x.value, o);
  return ctx.output(y, `avgPool2d x${fmtShape(x.shape)}`, ctx.recording([x]) ? new AvgPool2dOp(x, o) : null);
}

class AvgPool2dOp extends Op {
  readonly name = 'avgPool2d';
  private readonly xShape: readonly number[];

  constructor(
    x: Tensor,
    private readonly o: AvgPool2dOpOptions,
  ) {
    super([x]);
    this.xShape = x.shape;
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    return [avgPool2dBackward(gpu, dy, this.xShape, this.o)];
  }
}

export function globalAvgPool(ctx: Context, x: Tensor): Tensor {
  const y = globalAvgPoolForward(ctx.gpu, x.value); // (N, C)
  return ctx.output(y, `globalAvgPool x${fmtShape(x.shape)}`, ctx.recording([x]) ? new GlobalAvgPoolOp(x) : null);
}

class GlobalAvgPoolOp extends Op {
  readonly name = 'globalAvgPool';
  private readonly xShape: readonly number[];

  constructor(x: Tensor) {
    super([x]);
    this.xShape = x.shape;
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    return [globalAvgPoolBackward(gpu, dy, this.xShape)];
  }
}
