// Softmax cross-entropy loss as a differentiable op: logits (N, C) and integer labels (N) -> loss (1), the
// batch mean. Forward keeps the probabilities, so backward is (probs - onehot(labels)) * dloss / N.

import type { Gpu } from '../../gpu/device.ts';
import type { GpuTensor } from '../../gpu/tensor.ts';
import { fmtShape } from '../../gpu/errors.ts';
import { softmaxCrossEntropy as sceKernel, softmaxCrossEntropyBackward } from '../../kernels/loss.ts';
import type { Context } from '../context.ts';
import { Op } from '../op.ts';
import type { Tensor } from '../tensor.ts';

export function softmaxCrossEntropy(ctx: Context, logits: Tensor, labels: GpuTensor<'i32'>): Tensor {
  const rec = ctx.recording([logits]);
  const { loss, probs } = sceKernel(ctx.gpu, logits.value, labels); // (1), (N, C)
  if (!rec) probs.release();
  const what = `softmaxCrossEntropy logits${fmtShape(logits.shape)} labels${fmtShape(labels.shape)}`;
  return ctx.output(loss, what, rec ? new SoftmaxCrossEntropyOp(logits, probs, labels) : null);
}

class SoftmaxCrossEntropyOp extends Op {
  readonly name = 'softmaxCrossEntropy';
  private readonly probs: GpuTensor;
  private readonly labels: GpuTensor<'i32'>;

  constructor(logits: Tensor, probs: GpuTensor, labels: GpuTensor<'i32'>) {
    super([logits]);
    this.probs = this.save(probs, true);
    this.labels = this.save(labels);
  }

  backward(gpu: Gpu, dloss: GpuTensor): (GpuTensor | null)[] {
    return [softmaxCrossEntropyBackward(gpu, this.probs, this.labels, dloss)];
  }
}
