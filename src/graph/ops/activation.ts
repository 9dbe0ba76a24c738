// Elementwise and row-wise activations as differentiable ops: relu, clip (ReLU6), sigmoid, hard sigmoid, hard swish,
// softmax, logSoftmax, dropout. Each backward reads what its forward saved: hard swish its input x, dropout its mask,
// every other its output y.

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { fmtShape } from '../../gpu/errors.ts';
import { reluBackward, reluForward } from '../../kernels/relu.ts';
import { logSoftmax as logSoftmaxKernel, logSoftmaxBackward, softmax as softmaxKernel, softmaxBackward } from '../../kernels/softmax.ts';
import { dropoutBackward, dropoutForward } from '../../kernels/dropout.ts';
import { activationBackward, unary } from '../../kernels/unary.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

/** The backward of a one-input op from the one tensor its forward kept (its output, or for hard swish its input). */
type Rule = (gpu: Gpu, saved: GpuTensor, dy: GpuTensor) => GpuTensor;

/** An op whose backward needs one tensor: its own output y (relu, clip, the sigmoids, softmax), or its input x. */
class OneTensorOp extends Op {
  private readonly kept: GpuTensor;

  constructor(
    readonly name: string,
    x: Tensor,
    kept: GpuTensor,
    private readonly rule: Rule,
  ) {
    super([x]);
    this.kept = this.save(kept);
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    return [this.rule(gpu, this.kept, dy)];
  }
}

/** y = forward(x); backward from y, or from x when `fromInput`. */
function oneTensor(ctx: Context, name: string, x: Tensor, forward: (gpu: Gpu, x: GpuTensor) => GpuTensor, rule: Rule, fromInput = false): Tensor {
  const y = forward(ctx.gpu, x.value);
  return ctx.output(y, `${name} x${fmtShape(x.shape)}`, ctx.recording([x]) ? new OneTensorOp(name, x, fromInput ? x.value : y, rule) : null);
}

export function relu(ctx: Context, x: Tensor): Tensor {
  return oneTensor(ctx, 'relu', x, reluForward, reluBackward);
}

/** x clamped to [min, max] (ReLU6: 0, 6); the gradient passes where the output lies strictly inside. */
export function clip(ctx: Context, x: Tensor, min: number, max: number): Tensor {
  return oneTensor(ctx, 'clip', x, (gpu, v) => unary(gpu, v, 'clip', { min, max }), (gpu, y, dy) => activationBackward(gpu, 'clip', y, dy, { min, max }));
}

/** 1 / (1 + exp(-x)): EfficientNet's SiLU (x * sigmoid(x)) and squeeze-and-excitation gates. */
export function sigmoid(ctx: Context, x: Tensor): Tensor {
  return oneTensor(ctx, 'sigmoid', x, (gpu, v) => unary(gpu, v, 'sigmoid'), (gpu, y, dy) => activationBackward(gpu, 'sigmoid', y, dy));
}

/** clamp(alpha * x + beta, 0, 1): MobileNetV3's squeeze-and-excitation gate. */
export function hardSigmoid(ctx: Context, x: Tensor, alpha: number, beta: number): Tensor {
  return oneTensor(ctx, 'hardSigmoid', x, (gpu, v) => unary(gpu, v, 'hardSigmoid', { alpha, beta }), (gpu, y, dy) => activationBackward(gpu, 'hardSigmoid', y, dy, { alpha }));
}

/** x * clamp(x / 6 + 1/2, 0, 1): MobileNetV3's activation. Its backward reads the input: it is not monotonic. */
export function hardSwish(ctx: Context, x: Tensor): Tensor {
  return oneTensor(ctx, 'hardSwish', x, (gpu, v) => unary(gpu, v, 'hardSwish'), (gpu, v, dy) => activationBackward(gpu, 'hardSwish', v, dy), true);
}

/** Softmax over the last axis of (N, C). */
export function softmax(ctx: Context, x: Tensor): Tensor {
  return oneTensor(ctx, 'softmax', x, softmaxKernel, softmaxBackward);
}

/** log(softmax) over the last axis of (N, C). */
export function logSoftmax(ctx: Context, x: Tensor): Tensor {
  return oneTensor(ctx, 'logSoftmax', x, logSoftmaxKernel, logSoftmaxBackward);
}

/**
 * Inverted dropout: in training, zeroes each element with probability `rate` and scales the rest by
 * 1 / (1 - rate); otherwise the identity (x itself is returned, nothing runs).
 */
export function dropout(ctx: Context, x: Tensor, rate: number, seed: number, training: boolean): Tensor {
  if (!training || rate === 0) return x;
  const rec = ctx.recording([x]);
  const { y, mask } = dropoutForward(ctx.gpu, x.value, rate, seed, true);
  if (!rec) mask?.release();
  return ctx.output(y, `dropout(${rate}) x${fmtShape(x.shape)}`, rec ? new DropoutOp(x, mask!) : null);
}

class DropoutOp extends Op {
  readonly name = 'dropout';
  private readonly mask: GpuTensor;

  constructor(x: Tensor, mask: GpuTensor) {
    super([x]);
    this.mask = this.save(mask, true);
  }

  backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[] {
    return [dropoutBackward(gpu, dy, this.mask)];
  }
}
