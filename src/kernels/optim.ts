// Optimizer updates of one parameter tensor in place (shaders/sgd.wgsl, adam.wgsl and their vec4 forms), with
// PyTorch's semantics so that hyper-parameters mean what they mean there. State tensors (velocity, m, v) belong to
// the caller, start at zero and have the parameter's shape.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError } from '../gpu/errors.ts';
import { describe, expectSameShape } from './shapes.ts';
import { dispatchFlat } from './elementwise.ts';

export interface SgdOptions {
  lr: number;
  momentum: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** PyTorch SGD: v = momentum*v + (g + wd*p); p -= lr * (nesterov ? g + momentum*v : v). velocity may be null only without momentum. */
export function sgdStep(gpu: Gpu, param: GpuTensor, grad: GpuTensor, velocity: GpuTensor | null, o: SgdOptions): void {
  const named: Record<string, GpuTensor> = velocity ? { param, grad, velocity } : { param, grad };
  expectSameShape('sgd', named);
  if (o.momentum !== 0 && !velocity) throw new ShapeError(`sgd: momentum ${o.momentum} needs a velocity tensor, got ${describe(named)}`);
  if (o.nesterov && o.momentum === 0) throw new RangeError('sgd: nesterov needs a non-zero momentum (as in PyTorch)');
  const hasVelocity = velocity !== null && o.momentum !== 0;
  // The shader declares the velocity binding either way; a small unused tensor stands in when there is none.
  const stub = hasVelocity ? null : GpuTensor.empty(gpu, [4], 'f32', 'sgd.no_velocity');
  // Four floats per invocation where the size allows (sgd_vec4.wgsl: vec4 loads and stores, far cheaper on llvmpipe)
  const vec4 = param.size % 4 === 0;
  dispatchFlat(
    gpu,
    vec4 ? 'sgd_vec4' : 'sgd',
    { HAS_VELOCITY: hasVelocity, NESTEROV: o.nesterov ?? false },
    `sgd ${describe(named)}`,
    param.size,
    [['f32', o.lr], ['f32', o.momentum], ['f32', o.weightDecay ?? 0]],
    [param, grad, stub ? { stub } : velocity!],
    { perInvocation: vec4 ? 4 : 1 },
  );
  stub?.release();
}

export interface AdamOptions {
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  weightDecay?: number;
  /** AdamW: decay the weights directly instead of adding weightDecay * p to the gradient. */
  decoupled?: boolean;
}

/** PyTorch Adam / AdamW step `step` (1-based) with bias correction; m and v are the moment estimates. */
export function adamStep(gpu: Gpu, param: GpuTensor, grad: GpuTensor, m: GpuTensor, v: GpuTensor, step: number, o: AdamOptions): void {
  expectSameShape('adam', { param, grad, m, v });
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`adam: step must be an integer >= 1 (1-based), got ${step}`);
  const beta1 = o.beta1 ?? 0.9;
  const beta2 = o.beta2 ?? 0.999;
  const bc1 = 1 - beta1 ** step;
  const bc2 = 1 - beta2 ** step;
  // Four floats per invocation where the size allows, as for SGD
  const vec4 = param.size % 4 === 0;
  dispatchFlat(
    gpu,
    vec4 ? 'adam_vec4' : 'adam',
    { DECOUPLED: o.decoupled ?? false },
    `adam step ${step} ${describe({ param, grad, m, v })}`,
    param.size,
    [
      ['f32', o.lr], ['f32', beta1], ['f32', beta2], ['f32', o.eps ?? 1e-8], ['f32', o.weightDecay ?? 0],
      ['f32', o.lr / bc1], ['f32', 1 / Math.sqrt(bc2)],
    ],
    [param, grad, m, v],
    { perInvocation: vec4 ? 4 : 1 },
  );
}
