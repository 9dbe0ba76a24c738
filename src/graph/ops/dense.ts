// Dense (fully connected) layer as a differentiable op: y = x w + b with x (N, in), w (in, out), b (out).
// Backward asks the kernel for exactly the gradients the inputs need (a frozen classifier computes only dx).

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { fmtShape } from '../../gpu/errors.ts';
import { denseBackward, denseForward } from '../../kernels/matmul.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

export function dense(ctx: Context, x: Tensor, w: Tensor, b: Tensor | null): Tensor {
  const inputs = b ? [x, w, b] : [x, w];
  const y = denseForward(ctx.gpu, x.value, w.value, b?.value ?? null); // (N, out)
  const what = `dense x${fmtShape(x.shape)} w${fmtShape(w.shape)}`;
  return ctx.output(y, what, ctx.recording(inputs) ? new DenseOp(inputs) : null);
}

class DenseOp extends Op {
  readonly name = 'dense';
  private readonly x: GpuTensor;
  private readonly w: GpuTensor;

  constructor(inputs: Tensor[]) {
    super(inputs);
    // denseBackward takes both x and w whatever it computes; views cost no memory.
    this.x = this.save(inputs[0].value);
    this.w = this.save(inputs[1].value);
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    const g = denseBackward(gpu, this.x, this.w, dy, {
      input: this.needs[0],
      weight: this.needs[1],
      bias: this.needs[2] ?? false,
    });
    const grads = [g.dx ?? null, g.dw ?? null];
    if (this.inputs.length === 3) grads.push(g.db ?? null);
    return grads;
  }
}
