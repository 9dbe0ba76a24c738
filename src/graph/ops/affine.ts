// A per-channel affine map as a differentiable op: y = x * scale + shift over the last (channel) axis of an NHWC
// tensor. It is a BatchNormalization in inference mode that has no convolution before it to fold into (DenseNet
// normalises a block's concatenated input before its convolutions), scale = gamma / sqrt(var + eps) and
// shift = beta - mean * scale; fine-tuning trains scale and shift, the statistics staying frozen as in a
// BatchNorm folded into a conv. Backward: dx = dy * scale, dscale = column sums of dy * x, dshift = column sums of dy.

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../../gpu/errors.ts';
import { broadcastBinary } from '../../kernels/broadcast.ts';
import { sumRows } from '../../kernels/reduce.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

/** y = x * scale + shift; x (..., C), scale and shift (C). */
export function affine(ctx: Context, x: Tensor, scale: Tensor, shift: Tensor): Tensor {
  const C = x.shape[x.shape.length - 1];
  const what = `affine x${fmtShape(x.shape)} scale${fmtShape(scale.shape)} shift${fmtShape(shift.shape)}`;
  if (scale.shape.join() !== `${C}` || shift.shape.join() !== `${C}`) throw new ShapeError(`${what}: scale and shift must be (${C})`);
  const gpu = ctx.gpu;
  const scaled = broadcastBinary(gpu, x.value, scale.value, 'mul');
  const y = broadcastBinary(gpu, scaled, shift.value, 'add');
  scaled.release();
  return ctx.output(y, what, ctx.recording([x, scale, shift]) ? new AffineOp(x, scale, shift) : null);
}

class AffineOp extends Op {
  readonly name = 'affine';
  private readonly x: GpuTensor | null;
  private readonly scale: GpuTensor | null;

  constructor(x: Tensor, scale: Tensor, shift: Tensor) {
    super([x, scale, shift]);
    this.x = this.needs[1] ? this.save(x.value) : null;
    this.scale = this.needs[0] ? this.save(scale.value) : null;
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    // sumRows sums over every leading axis: the per-channel sums over the batch and the pixels.
    const dx = this.needs[0] ? broadcastBinary(gpu, dy, this.scale!, 'mul') : null;
    let dscale: GpuTensor | null = null;
    if (this.needs[1]) {
      const prod = broadcastBinary(gpu, dy, this.x!, 'mul');
      dscale = sumRows(gpu, prod);
      prod.release();
    }
    return [dx, dscale, this.needs[2] ? sumRows(gpu, dy) : null];
  }
}
