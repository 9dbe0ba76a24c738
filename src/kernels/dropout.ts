// Inverted dropout (shaders/dropout.wgsl, dropout_backward.wgsl). The forward saves a mask holding each
// element's factor (0 or 1/(1-rate)), so the backward is dy * mask and needs neither the seed nor the rate.
// The mask is a counter-based hash of (seed, element index): the same seed gives the same mask.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { fmtShape } from '../gpu/errors.ts';
import { expectSameShape } from './shapes.ts';
import { dispatchFlat } from './elementwise.ts';

/**
 * Training: y = x * mask with elements dropped with probability `rate`. Inference (training false): y is a
 * copy of x (a new tensor the caller owns, like every kernel output) and mask is null.
 */
export function dropoutForward(gpu: Gpu, x: GpuTensor, rate: number, seed: number, training: boolean): { y: GpuTensor; mask: GpuTensor | null } {
  if (!(rate >= 0 && rate < 1)) throw new RangeError(`dropout x${fmtShape(x.shape)}: rate must be in [0, 1), got ${rate}`);
  if (!training) return { y: x.clone('dropout.y'), mask: null };
  const y = GpuTensor.empty(gpu, x.shape, 'f32', 'dropout.y');
  const mask = GpuTensor.empty(gpu, x.shape, 'f32', 'dropout.mask');
  const threshold = Math.min(0xffffffff, Math.round(rate * 2 ** 32));
  dispatchFlat(
    gpu,
    'dropout',
    {},
    `dropout x${fmtShape(x.shape)} rate ${rate}`,
    x.size,
    [['u32', seed >>> 0], ['u32', threshold], ['f32', 1 / (1 - rate)]],
    [x, y, mask],
    { firstParam: (start) => [['u32', start]] },
  );
  return { y, mask };
}

/** dx = dy * mask. */
export function dropoutBackward(gpu: Gpu, dy: GpuTensor, mask: GpuTensor): GpuTensor {
  expectSameShape('dropout backward', { dy, mask });
  const dx = GpuTensor.empty(gpu, dy.shape, 'f32', 'dropout.dx');
  dispatchFlat(gpu, 'dropout_backward', {}, `dropout backward dy${fmtShape(dy.shape)}`, dy.size, [], [dy, mask, dx]);
  return dx;
}
