// conv2d as a differentiable op, with the optional fused bias + ReLU of the forward kernel, and grouped
// (depthwise) convolutions on the plain grouped kernels (src/kernels/conv2d-grouped.ts).
// Backward: with the fused ReLU, dz = reluBackward(y, dy) from the saved output y, then the input, weight and
// bias gradients from dz, each only if that input needs it. A frozen conv whose input needs no gradient is
// never recorded at all (context.ts); a frozen conv above a trainable one computes only its input gradient.

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { fmtShape } from '../../gpu/errors.ts';
import {
  conv2dForward,
  conv2dGradBias,
  conv2dGradInput,
  conv2dGradWeight,
  type Conv2dOptions,
} from '../../kernels/conv2d.ts';
import { conv2dGrouped, conv2dGroupedGradInput, conv2dGroupedGradWeight } from '../../kernels/conv2d-grouped.ts';
import { reluBackward } from '../../kernels/relu.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

export interface Conv2dOpOptions extends Conv2dOptions {
  /** Fuse a ReLU after the bias. */
  relu?: boolean;
  /** Groups (default 1); Cin / groups input channels per output: depthwise when it is 1. */
  groups?: number;
}

/** y = [relu](conv(x, w) + b).  x: (N, H, W, Cin), w: (KH, KW, Cin / groups, Cout), b: (Cout) or null. */
export function conv2d(ctx: Context, x: Tensor, w: Tensor, b: Tensor | null, o: Conv2dOpOptions): Tensor {
  const inputs = b ? [x, w, b] : [x, w];
  const groups = o.groups ?? 1;
  const y = groups > 1
    ? conv2dGrouped(ctx.gpu, x.value, w.value, b?.value ?? null, { ...o, groups })
    : conv2dForward(ctx.gpu, x.value, w.value, b?.value ?? null, o); // (N, OH, OW, Cout)
  const what = `conv2d${o.relu ? '+relu' : ''} x${fmtShape(x.shape)} w${fmtShape(w.shape)}${groups > 1 ? ` groups ${groups}` : ''}`;
  return ctx.output(y, what, ctx.recording(inputs) ? new Conv2dOp(inputs, o, y) : null);
}

class Conv2dOp extends Op {
  readonly name = 'conv2d';
  private readonly x: GpuTensor | null;
  private readonly w: GpuTensor | null;
  private readonly y: GpuTensor | null;
  private readonly xShape: readonly number[];
  private readonly wShape: readonly number[];
  private readonly conv: Conv2dOptions & { groups: number };

  constructor(inputs: Tensor[], o: Conv2dOpOptions, y: GpuTensor) {
    super(inputs);
    const [x, w] = inputs;
    this.xShape = x.shape;
    this.wShape = w.shape;
    this.conv = { stride: o.stride, pad: o.pad, groups: o.groups ?? 1 };
    // Only what the needed gradients read: x for dw, w for dx, y for the fused ReLU.
    this.x = this.needs[1] ? this.save(x.value) : null;
    this.w = this.needs[0] ? this.save(w.value) : null;
    this.y = o.relu ? this.save(y) : null;
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    const dz = this.y ? reluBackward(gpu, this.y, dy) : dy; // (N, OH, OW, Cout)
    const grouped = this.conv.groups > 1;
    const dx = !this.needs[0] ? null
      : grouped ? conv2dGroupedGradInput(gpu, dz, this.w!, this.xShape, this.conv) : conv2dGradInput(gpu, dz, this.w!, this.xShape, this.conv);
    const dw = !this.needs[1] ? null
      : grouped ? conv2dGroupedGradWeight(gpu, this.x!, dz, this.wShape, this.conv) : conv2dGradWeight(gpu, this.x!, dz, this.wShape, this.conv);
    const db = this.needs[2] ? conv2dGradBias(gpu, dz) : null;
    if (dz !== dy) dz.release();
    return this.inputs.length === 3 ? [dx, dw, db] : [dx, dw];
  }
}
