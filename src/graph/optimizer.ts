// Optimizers over trainable parameters: SGD (momentum, Nesterov, L2 weight decay) and Adam (optionally with
// decoupled weight decay, AdamW). Frozen parameters and parameters without a gradient are skipped, so one
// optimizer keeps working when layers are unfrozen between stages. Their state (velocities, moments, the
// step count) is exported by parameter name for checkpoints.

import { GpuTensor } from '../gpu/tensor.ts';
import { GraftError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { adamStep, sgdStep, type AdamOptions } from '../kernels/optim.ts';
import type { Parameter } from './tensor.ts';

/** Optimizer state by "<parameter name>/<slot>" ("block5.conv1.weight/m"), plus the step count. */
export interface OptimizerState {
  kind: string;
  step: number;
  slots: Record<string, { shape: readonly number[]; data: Float32Array }>;
}

export abstract class Optimizer {
  abstract readonly kind: string;
  /** Steps taken so far (Adam's bias correction uses it). */
  stepCount = 0;
  private readonly slots = new Map<Parameter, Map<string, GpuTensor>>();

  constructor(
    readonly params: readonly Parameter[],
    public lr: number,
  ) {
    const names = new Set<string>();
    for (const p of params) {
      if (names.has(p.name)) throw new GraftError(`${new.target.name}: two parameters named '${p.name}'`);
      names.add(p.name);
    }
  }

  /** Applies one update to every trainable parameter that has a gradient. */
  step(): void {
    this.stepCount++;
    for (const p of this.params) {
      if (!p.trainable || !p.grad) continue;
      this.update(p, p.grad);
    }
  }

  protected abstract update(p: Parameter, grad: GpuTensor): void;

  /** Frees every parameter's gradient (backward then starts from fresh ones). */
  zeroGrad(): void {
    for (const p of this.params) p.releaseGrad();
  }

  /** A state buffer for `p` (zeros the first time). */
  protected slot(p: Parameter, name: string): GpuTensor {
    let slots = this.slots.get(p);
    if (!slots) this.slots.set(p, (slots = new Map()));
    let t = slots.get(name);
    if (!t) {
      t = GpuTensor.zeros(p.value.gpu, p.shape, 'f32', `${p.name}/${name}`);
      slots.set(name, t);
    }
    return t;
  }

  async stateDict(): Promise<OptimizerState> {
    const out: OptimizerState = { kind: this.kind, step: this.stepCount, slots: {} };
    for (const [p, slots] of this.slots) {
      for (const [name, t] of slots) out.slots[`${p.name}/${name}`] = { shape: [...t.shape], data: (await t.read()) as Float32Array };
    }
    return out;
  }

  loadStateDict(state: OptimizerState): void {
    if (state.kind !== this.kind) throw new GraftError(`${this.kind} optimizer: cannot load a '${state.kind}' state`);
    const byName = new Map(this.params.map((p) => [p.name, p]));
    for (const [key, entry] of Object.entries(state.slots)) {
      const cut = key.lastIndexOf('/');
      const p = byName.get(key.slice(0, cut));
      if (!p) throw new GraftError(`${this.kind} optimizer state: no parameter '${key.slice(0, cut)}' (entry ${key})`);
      if (entry.data.length !== p.value.size || entry.shape.length !== p.shape.length || entry.shape.some((d, i) => d !== p.shape[i])) {
        throw new ShapeError(`${this.kind} optimizer state: ${key} has shape ${fmtShape(entry.shape)}, parameter is ${fmtShape(p.shape)}`);
      }
      this.slot(p, key.slice(cut + 1)).write(entry.data);
    }
    this.stepCount = state.step;
  }

  /** Frees the state buffers. */
  release(): void {
    for (const slots of this.slots.values()) for (const t of slots.values()) t.release();
    this.slots.clear();
  }
}

export interface SgdOptions {
  lr: number;
  momentum?: number;
  nesterov?: boolean;
  /** L2 penalty added to the gradient. */
  weightDecay?: number;
}

export class SGD extends Optimizer {
  readonly kind = 'sgd';
  momentum: number;
  nesterov: boolean;
  weightDecay: number;

  constructor(params: readonly Parameter[], o: SgdOptions) {
    super(params, o.lr);
    this.momentum = o.momentum ?? 0;
    this.nesterov = o.nesterov ?? false;
    this.weightDecay = o.weightDecay ?? 0;
  }

  protected update(p: Parameter, grad: GpuTensor): void {
    const velocity = this.momentum > 0 ? this.slot(p, 'velocity') : null;
    sgdStep(p.value.gpu, p.value, grad, velocity, {
      lr: this.lr,
      momentum: this.momentum,
      nesterov: this.nesterov,
      weightDecay: this.weightDecay,
    });
  }
}

// Adam's options are the kernel's own (lr, betas, eps, weightDecay, decoupled for AdamW).
export type { AdamOptions } from '../kernels/optim.ts';

export class Adam extends Optimizer {
  readonly kind = 'adam';
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  decoupled: boolean;

  constructor(params: readonly Parameter[], o: AdamOptions) {
    super(params, o.lr);
    this.beta1 = o.beta1 ?? 0.9;
    this.beta2 = o.beta2 ?? 0.999;
    this.eps = o.eps ?? 1e-7;
    this.weightDecay = o.weightDecay ?? 0;
    this.decoupled = o.decoupled ?? false;
  }

  protected update(p: Parameter, grad: GpuTensor): void {
    adamStep(p.value.gpu, p.value, grad, this.slot(p, 'm'), this.slot(p, 'v'), this.stepCount, {
      lr: this.lr,
      beta1: this.beta1,
      beta2: this.beta2,
      eps: this.eps,
      weightDecay: this.weightDecay,
      decoupled: this.decoupled,
    });
  }
}
