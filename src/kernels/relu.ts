// ReLU and its backward (shaders/relu.wgsl, shaders/relu_backward.wgsl). Elementwise over any shape.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { expectSameShape } from './shapes.ts';
import { fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';

const WG = 256;

/** y = max(x, 0). */
export function reluForward(gpu: Gpu, x: GpuTensor): GpuTensor {
  const y = GpuTensor.empty(gpu, x.shape, 'f32', 'relu.y');
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('relu', { WG }),
    what: `relu x${fmtShape(x.shape)}`,
    params: packParams([['u32', x.size]]),
    buffers: [x.binding, y.binding],
    workgroups: grid1d(x.size, WG),
  });
  return y;
}

/** dx = dy * (y > 0), from the forward's output y. */
export function reluBackward(gpu: Gpu, y: GpuTensor, dy: GpuTensor): GpuTensor {
  expectSameShape('relu backward', { y, dy });
  const dx = GpuTensor.empty(gpu, y.shape, 'f32', 'relu.dx');
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('relu_backward', { WG }),
    what: `relu backward y${fmtShape(y.shape)}`,
    params: packParams([['u32', y.size]]),
    buffers: [y.binding, dy.binding, dx.binding],
    workgroups: grid1d(y.size, WG),
  });
  return dx;
}
