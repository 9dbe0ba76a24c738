// Elementwise activations and maths beyond ReLU (shaders/unary.wgsl, unary_vec4.wgsl), for the ONNX runner and the
// training graph: sigmoid, tanh, leaky ReLU, clip, hard sigmoid and hard swish (MobileNetV3), exp, log, sqrt, neg,
// abs, reciprocal, erf, softplus, elu, selu, gelu (exact and tanh), mish and softsign. Any shape, in windows that each
// fit one storage binding (dispatchFlat), four floats per invocation where the size allows. Clip, sigmoid, hard
// sigmoid and hard swish have backwards (shaders/activation_backward.wgsl and its vec4 twin), for the training
// graph's MobileNet and EfficientNet layers.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { expectSameShape } from './shapes.ts';
import { dispatchFlat } from './elementwise.ts';

const OPS = {
  sigmoid: 0, tanh: 1, leakyRelu: 2, clip: 3, hardSigmoid: 4, hardSwish: 5, exp: 6, log: 7, sqrt: 8, neg: 9, abs: 10,
  reciprocal: 11, erf: 12, softplus: 13, elu: 14, selu: 15, gelu: 16, geluTanh: 17, mish: 18, softsign: 19,
} as const;
export type UnaryOp = keyof typeof OPS;
export const UNARY_OPS = Object.keys(OPS) as UnaryOp[];

export interface UnaryOptions {
  /** leakyRelu: the slope below 0 (default 0.01); hardSigmoid: the slope (0.2); elu, selu: the scale of the
   *  negative side (1; selu 1.6732632). */
  alpha?: number;
  /** hardSigmoid: the offset (default 0.5). */
  beta?: number;
  /** selu: the overall scale (default 1.0507010). */
  gamma?: number;
  /** clip: the bounds (default -inf, +inf). */
  min?: number;
  max?: number;
}

const F32_MAX = 3.4028234663852886e38;
// The defaults of each op's ONNX attributes: what a caller that gives none gets.
const DEFAULT_ALPHA: Partial<Record<UnaryOp, number>> = { leakyRelu: 0.01, hardSigmoid: 0.2, elu: 1, selu: 1.67326319217681884765625 };
const SELU_GAMMA = 1.05070102214813232421875;

/** y = op(x), elementwise. */
export function unary(gpu: Gpu, x: GpuTensor, op: UnaryOp, o: UnaryOptions = {}): GpuTensor {
  const what = `${op} x${fmtShape(x.shape)}`;
  if (x.dtype !== 'f32') throw new ShapeError(`${what}: x must be f32, got ${x.dtype}`);
  let alpha = o.alpha ?? DEFAULT_ALPHA[op] ?? 0;
  let beta = o.beta ?? 0.5;
  if (op === 'clip') {
    // Clip's bounds travel as alpha and beta.
    alpha = o.min ?? -F32_MAX;
    beta = o.max ?? F32_MAX;
    if (alpha > beta) throw new ShapeError(`${what}: min ${alpha} is above max ${beta}`);
  }
  const y = GpuTensor.empty(gpu, x.shape, 'f32', `${op}.y`);
  // Four floats per invocation where the size allows (unary_vec4.wgsl: vec4 loads and stores, far cheaper on llvmpipe).
  const vec4 = x.size % 4 === 0;
  const extra = [['f32', alpha], ['f32', beta], ['f32', o.gamma ?? SELU_GAMMA]] as const;
  dispatchFlat(gpu, vec4 ? 'unary_vec4' : 'unary', { OP: OPS[op] }, what, x.size, extra, [x, y], { perInvocation: vec4 ? 4 : 1 });
  return y;
}

const BACKWARD_OPS = { sigmoid: 0, hardSigmoid: 1, hardSwish: 2, clip: 3 } as const;
export type BackwardOp = keyof typeof BACKWARD_OPS;

/**
 * dx of sigmoid, hard sigmoid and clip from their output y, of hard swish from its input x (`saved`); alpha is hard
 * sigmoid's slope, min and max clip's bounds.
 */
export function activationBackward(gpu: Gpu, op: BackwardOp, saved: GpuTensor, dy: GpuTensor, o: Pick<UnaryOptions, 'alpha' | 'min' | 'max'> = {}): GpuTensor {
  expectSameShape(`${op} backward`, { saved, dy });
  const dx = GpuTensor.empty(gpu, saved.shape, 'f32', `${op}.dx`);
  const extra = [['f32', o.alpha ?? DEFAULT_ALPHA[op] ?? 0], ['f32', o.min ?? -F32_MAX], ['f32', o.max ?? F32_MAX]] as const;
  const vec4 = saved.size % 4 === 0;
  dispatchFlat(gpu, vec4 ? 'activation_backward_vec4' : 'activation_backward', { OP: BACKWARD_OPS[op] }, `${op} backward ${fmtShape(saved.shape)}`,
    saved.size, extra, [saved, dy, dx], { perInvocation: vec4 ? 4 : 1 });
  return dx;
}
