// Concatenation along the channel (last) axis as a differentiable op: DenseNet joins each layer's new channels to its
// block's input. Backward hands each input its slice of dy, cut out by the pad kernel with negative pads.

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../../gpu/errors.ts';
import { concat as concatKernel } from '../../kernels/concat.ts';
import { pad } from '../../kernels/pad.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

/** y = the inputs side by side along the last axis; every other axis equal. */
export function concatChannels(ctx: Context, xs: Tensor[]): Tensor {
  const r = xs[0].shape.length;
  const what = `concat ${xs.map((x) => `x${fmtShape(x.shape)}`).join(' ')}`;
  if (xs.some((x) => x.shape.length !== r || x.shape.slice(0, -1).join() !== xs[0].shape.slice(0, -1).join())) {
    throw new ShapeError(`${what}: the inputs must agree on every axis but the last`);
  }
  const y = concatKernel(ctx.gpu, xs.map((x) => x.value), r - 1);
  return ctx.output(y, what, ctx.recording(xs) ? new ConcatOp(xs) : null);
}

class ConcatOp extends Op {
  readonly name = 'concat';

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    const r = dy.shape.length;
    const total = dy.shape[r - 1];
    let c0 = 0;
    return this.inputs.map((x, i) => {
      const c = x.shape[r - 1];
      const begins = dy.shape.map((_, k) => (k === r - 1 ? -c0 : 0));
      const ends = dy.shape.map((_, k) => (k === r - 1 ? -(total - c0 - c) : 0));
      c0 += c;
      return this.needs[i] ? pad(gpu, dy, { begins, ends, mode: 'constant' }) : null;
    });
  }
}
