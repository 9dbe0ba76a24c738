// Elementwise activations beyond ReLU (shaders/unary.wgsl), for the ONNX runner: sigmoid, tanh, leaky ReLU and
// clip. Any shape, in windows that each fit one storage binding (dispatchFlat); inference only (no backward).

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { dispatchFlat } from './elementwise.ts';

const OPS = { sigmoid: 0, tanh: 1, leakyRelu: 2, clip: 3 } as const;
export type UnaryOp = keyof typeof OPS;

export interface UnaryOptions {
  /** leakyRelu: the slope below 0. */
  alpha?: number;
  /** clip: the bounds (default -inf, +inf). */
  min?: number;
  max?: number;
}

/** y = op(x), elementwise. */
export function unary(gpu: Gpu, x: GpuTensor, op: UnaryOp, o: UnaryOptions = {}): GpuTensor {
  const what = `${op} x${fmtShape(x.shape)}`;
  if (x.dtype !== 'f32') throw new ShapeError(`${what}: x must be f32, got ${x.dtype}`);
  const lo = o.min ?? -3.4028234663852886e38;
  const hi = o.max ?? 3.4028234663852886e38;
  if (op === 'clip' && lo > hi) throw new ShapeError(`${what}: min ${lo} is above max ${hi}`);
  const y = GpuTensor.empty(gpu, x.shape, 'f32', `${op}.y`);
  dispatchFlat(gpu, 'unary', { OP: OPS[op] }, what, x.size, [['f32', o.alpha ?? 0.01], ['f32', lo], ['f32', hi]], [x, y]);
  return y;
}
