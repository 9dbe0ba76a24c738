// Elementwise addition of two same-shaped tensors (the residual connection of ResNet).
// Backward hands dy to both inputs; the second gets a copy, because gradients are later accumulated in place
// and two inputs must never share one gradient buffer.

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { fmtShape } from '../../gpu/errors.ts';
import { add as addKernel } from '../../kernels/elementwise.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

export function add(ctx: Context, a: Tensor, b: Tensor): Tensor {
  const y = addKernel(ctx.gpu, a.value, b.value);
  return ctx.output(y, `add a${fmtShape(a.shape)} b${fmtShape(b.shape)}`, ctx.recording([a, b]) ? new AddOp(a, b) : null);
}

class AddOp extends Op {
  readonly name = 'add';

  constructor(a: Tensor, b: Tensor) {
    super([a, b]);
  }

  backward(_gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    const da = this.needs[0] ? dy.reshape(dy.shape) : null;
    const db = this.needs[1] ? (da ? dy.clone('add.db') : dy.reshape(dy.shape)) : null;
    return [da, db];
  }
}
