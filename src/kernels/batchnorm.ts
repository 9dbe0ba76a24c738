// Batch normalisation with running statistics, for inference (shaders/batchnorm_inference.wgsl): the ONNX
// runner's BatchNormalization. The channel axis is given by its size and the elements after it (`inner`), so
// the same kernel reads NHWC (inner 1) and NCHW (inner H*W) activations.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { dispatchFlat } from './elementwise.ts';

export interface BatchNormParams {
  gamma: GpuTensor; // (C)
  beta: GpuTensor; // (C)
  mean: GpuTensor; // (C)
  variance: GpuTensor; // (C)
  epsilon: number;
}

/** y = (x - mean) * gamma / sqrt(var + eps) + beta per channel; channel of element i is (i / inner) % C. */
export function batchNormInference(gpu: Gpu, x: GpuTensor, p: BatchNormParams, inner: number): GpuTensor {
  const C = p.gamma.size;
  const what = `batchnorm x${fmtShape(x.shape)} C ${C} inner ${inner}`;
  for (const [name, t] of Object.entries({ gamma: p.gamma, beta: p.beta, mean: p.mean, variance: p.variance })) {
    if (t.size !== C || t.dtype !== 'f32') throw new ShapeError(`${what}: ${name}${fmtShape(t.shape)} must be ${C} f32 values`);
  }
  if (x.dtype !== 'f32' || C === 0 || inner < 1 || x.size % (C * inner) !== 0) throw new ShapeError(`${what}: x does not hold whole channels`);
  const y = GpuTensor.empty(gpu, x.shape, 'f32', 'batchnorm.y');
  if (x.size === 0) return y;
  dispatchFlat(gpu, 'batchnorm_inference', {}, what, x.size, [['u32', C], ['u32', inner], ['f32', p.epsilon]],
    [x, { stub: p.gamma }, { stub: p.beta }, { stub: p.mean }, { stub: p.variance }, y],
    { firstParam: (start) => [['u32', start]] });
  return y;
}
