// The graph context of a forward pass: the GPU, whether ops are recorded for backward (grad mode), and the
// tensors the pass created, so a training step can free all its intermediates at once with `dispose()`.
//
// Recording rule: an op is recorded only when grad mode is on and at least one input requires a gradient.
// Inputs never require one and frozen parameters neither, so a frozen prefix of a network (VGG19 blocks 1-4)
// records nothing, saves nothing, and backward never reaches it.

import type { Gpu } from '../gpu/device.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import type { Op } from './op.ts';
import { Tensor } from './tensor.ts';

export class Context {
  private gradOff = 0;
  private readonly live = new Set<Tensor>();

  constructor(
    readonly gpu: Gpu,
    options: { grad?: boolean } = {},
  ) {
    if (options.grad === false) this.gradOff = 1;
  }

  /** Whether ops are being recorded for backward. */
  get gradEnabled(): boolean {
    return this.gradOff === 0;
  }

  /**
   * Runs `fn` in inference mode: no op is recorded, nothing is saved, and layers free intermediates as soon as
   * the next layer has read them. Works for async functions too (grad mode comes back when the promise settles).
   */
  noGrad<T>(fn: () => T): T {
    this.gradOff++;
    let result: T;
    try {
      result = fn();
    } catch (err) {
      this.gradOff--;
      throw err;
    }
    if (result instanceof Promise) {
      return result.finally(() => this.gradOff--) as T;
    }
    this.gradOff--;
    return result;
  }

  /** Whether an op reading `inputs` must be recorded. */
  recording(inputs: readonly Tensor[]): boolean {
    return this.gradEnabled && inputs.some((t) => t.requiresGrad);
  }

  /** Wraps an op's result (owned by the new Tensor) and tracks it for `dispose`. */
  output(value: GpuTensor, what: string, op: Op | null): Tensor {
    const t = new Tensor(value, { requiresGrad: op !== null, op, what });
    this.live.add(t);
    return t;
  }

  /** Stops tracking `t`: it survives `dispose()` and the caller frees it (features kept across steps). */
  keep(t: Tensor): Tensor {
    this.live.delete(t);
    return t;
  }

  /** Frees one intermediate now. */
  release(t: Tensor): void {
    this.live.delete(t);
    t.release();
  }

  /** Whether `t` is an intermediate of this context (made by an op here and not kept). */
  owns(t: Tensor): boolean {
    return this.live.has(t);
  }

  /** How many intermediates are alive (tests use it to show that inference frees them on the way). */
  get liveCount(): number {
    return this.live.size;
  }

  /** Frees every intermediate made since the last dispose: values, gradients, and anything ops saved. */
  dispose(): void {
    for (const t of this.live) t.release();
    this.live.clear();
  }
}
