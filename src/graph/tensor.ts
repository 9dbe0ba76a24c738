// Graph tensors: a GPU value plus what reverse-mode autodiff needs (whether a gradient is wanted, the gradient,
// and the op that produced the value). `Parameter` is a named, long-lived leaf that an optimizer updates;
// freezing one (trainable = false) is how frozen layers cost nothing in backward: no op that only reads frozen
// parameters and inputs is ever recorded (see context.ts).
//
// Ownership: a Tensor owns its `value` and `grad`. Ops that need a value in backward hold their own reference
// (a view, see Op.save), so freeing a Tensor never pulls memory from under a recorded op.

import { GpuTensor } from '../gpu/tensor.ts';
import type { Gpu } from '../gpu/device.ts';
import { GraftError, fmtShape } from '../gpu/errors.ts';
import type { Op } from './op.ts';

export class Tensor {
  /** Set by the op that made this tensor while its backward is pending; null for leaves and after backward. */
  op: Op | null;
  /** Gradient of the loss with respect to `value`, same shape; null until backward reaches this tensor. */
  grad: GpuTensor | null = null;
  /** Keep `grad` of this intermediate after backward (by default intermediate gradients are freed on the way). */
  retainGrad = false;
  private readonly origin: string;
  private wantsGrad: boolean;
  private current: GpuTensor | null;

  constructor(value: GpuTensor, options: { requiresGrad?: boolean; op?: Op | null; what?: string } = {}) {
    this.current = value;
    this.wantsGrad = options.requiresGrad ?? false;
    this.op = options.op ?? null;
    this.origin = options.what ?? `input${fmtShape(value.shape)}`;
  }

  /** What produced the value, with shapes ("conv2d x[2,8,8,3] w[3,3,3,4]"), for error messages. */
  get what(): string {
    return this.origin;
  }

  /** An input tensor uploaded from the CPU (owned by the caller, who releases it). */
  static from(gpu: Gpu, shape: readonly number[], data: ArrayLike<number>, options: { requiresGrad?: boolean } = {}): Tensor {
    return new Tensor(GpuTensor.from(gpu, shape, data, 'f32', 'input'), options);
  }

  /** Whether backward should produce a gradient for this tensor (and so record the ops that read it). */
  get requiresGrad(): boolean {
    return this.wantsGrad;
  }

  set requiresGrad(v: boolean) {
    this.wantsGrad = v;
  }

  get value(): GpuTensor {
    if (!this.current) throw new GraftError(`${this.what}: tensor used after release()`);
    return this.current;
  }

  get shape(): readonly number[] {
    return this.value.shape;
  }

  get released(): boolean {
    return this.current === null || this.current.released;
  }

  /** True for tensors not produced by a recorded op (inputs, parameters). */
  get isLeaf(): boolean {
    return this.op === null;
  }

  /** Frees the gradient, if any. */
  releaseGrad(): void {
    this.grad?.release();
    this.grad = null;
  }

  /** Frees the value, the gradient and whatever the producing op still holds. Safe to call twice. */
  release(): void {
    if (this.current && !this.current.released) this.current.release();
    this.current = null;
    this.releaseGrad();
    this.op?.release();
    this.op = null;
  }
}

/** A trainable (or frozen) weight. Its `name` is the dotted path in the model ("block5.conv1.weight"). */
export class Parameter extends Tensor {
  /** False for frozen parameters: no gradient is computed for them and optimizers leave them alone. */
  trainable = true;

  constructor(
    public name: string,
    value: GpuTensor,
  ) {
    super(value);
  }

  override get what(): string {
    return `parameter ${this.name}${this.released ? '' : fmtShape(this.shape)}`;
  }

  override get requiresGrad(): boolean {
    return this.trainable;
  }

  override set requiresGrad(v: boolean) {
    this.trainable = v;
  }

  /** Replaces the contents from the CPU (checkpoint loading, weight import). */
  load(data: Float32Array): void {
    this.value.write(data);
  }
}
