// The differentiable-op base class: one object per recorded op holding its inputs, which of them need a
// gradient, what forward saved for backward, and the backward rule itself (tinygrad's Function, micrograd's
// closure). Ops are recorded only when some input needs a gradient, and each backward computes only the input
// gradients marked in `needs`: that is what makes frozen layers free in backward.

import type { Gpu } from '../gpu/device.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import type { Tensor } from './tensor.ts';

export abstract class Op {
  /** The op's name in messages ("conv2d", "softmaxCrossEntropy"). */
  abstract readonly name: string;
  /** Which inputs need a gradient, decided when the op was recorded. */
  readonly needs: readonly boolean[];
  private saved: GpuTensor[] = [];

  constructor(readonly inputs: readonly Tensor[]) {
    this.needs = inputs.map((t) => t.requiresGrad);
  }

  /**
   * Keeps `t` for backward. A tensor the op does not own (an input's value, its own output) is held through a
   * view, so its owner may free it meanwhile; one the op made itself (argmax, mask) is handed over (`own`).
   */
  protected save<T extends GpuTensor>(t: T, own = false): T {
    const held = own ? t : (t.reshape(t.shape) as T);
    this.saved.push(held);
    return held;
  }

  /**
   * Gradients with respect to each input, given the gradient of the output; null where `needs` is false.
   * Returned tensors are new (or views the caller may own): backward accumulates or adopts them.
   */
  abstract backward(gpu: Gpu, dy: GpuTensor): (GpuTensor | null)[];

  /** Frees what forward saved. Called once backward has run, or when the step's tensors are disposed. */
  release(): void {
    for (const t of this.saved) if (!t.released) t.release();
    this.saved = [];
  }
}
