// ReLU and its backward (shaders/relu.wgsl, shaders/relu_backward.wgsl). Elementwise over any shape, in windows
// that each fit one storage binding (dispatchFlat), so a batch of large activations needs no splitting upstream.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { expectSameShape } from './shapes.ts';
import { fmtShape } from '../gpu/errors.ts';
import { dispatchFlat } from './elementwise.ts';

/** y = max(x, 0). */
export function reluForward(gpu: Gpu, x: GpuTensor): GpuTensor {
  const y = GpuTensor.empty(gpu, x.shape, 'f32', 'relu.y');
  dispatchFlat(gpu, 'relu', {}, `relu x${fmtShape(x.shape)}`, x.size, [], [x, y]);
  return y;
}

/** dx = dy * (y > 0), from the forward's output y. */
export function reluBackward(gpu: Gpu, y: GpuTensor, dy: GpuTensor): GpuTensor {
  expectSameShape('relu backward', { y, dy });
  const dx = GpuTensor.empty(gpu, y.shape, 'f32', 'relu.dx');
  dispatchFlat(gpu, 'relu_backward', {}, `relu backward y${fmtShape(y.shape)}`, y.size, [], [y, dy, dx]);
  return dx;
}
