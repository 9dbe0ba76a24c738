// Softmax and log-softmax over the last axis, and their backwards from the saved outputs
// (shaders/softmax.wgsl, softmax_backward.wgsl, log_softmax.wgsl, log_softmax_backward.wgsl).
// Any rank: the last axis holds the classes, every leading axis is a row.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { expectSameShape } from './shapes.ts';
import { rowRanges, window } from './windows.ts';

const WG = 64;

/** softmax(x) over the last axis, same shape as x. */
export function softmax(gpu: Gpu, x: GpuTensor): GpuTensor {
  return rowKernel(gpu, 'softmax', `softmax x${fmtShape(x.shape)}`, [x]);
}

/** dx = y * (dy - sum(dy * y)) per row, from the forward output y. */
export function softmaxBackward(gpu: Gpu, y: GpuTensor, dy: GpuTensor): GpuTensor {
  expectSameShape('softmax backward', { y, dy });
  return rowKernel(gpu, 'softmax_backward', `softmax backward y${fmtShape(y.shape)}`, [y, dy]);
}

/** log(softmax(x)) over the last axis, computed stably. */
export function logSoftmax(gpu: Gpu, x: GpuTensor): GpuTensor {
  return rowKernel(gpu, 'log_softmax', `log_softmax x${fmtShape(x.shape)}`, [x]);
}

/** dx = dy - exp(y) * sum(dy) per row, from the forward output y (log-probabilities). */
export function logSoftmaxBackward(gpu: Gpu, y: GpuTensor, dy: GpuTensor): GpuTensor {
  expectSameShape('log_softmax backward', { y, dy });
  return rowKernel(gpu, 'log_softmax_backward', `log_softmax backward y${fmtShape(y.shape)}`, [y, dy]);
}

/** One invocation per row of the inputs (all of one shape); writes a new tensor of that shape. */
function rowKernel(gpu: Gpu, kernel: string, what: string, inputs: GpuTensor[]): GpuTensor {
  const shape = inputs[0].shape;
  if (shape.length === 0) throw new ShapeError(`${what}: needs at least one axis (the classes)`);
  for (const t of inputs) if (t.dtype !== 'f32') throw new ShapeError(`${what}: inputs must be f32, got ${t.dtype}`);
  const cols = shape[shape.length - 1];
  const out = GpuTensor.empty(gpu, shape, 'f32', `${kernel}.out`);
  if (out.size === 0) return out;
  const rows = out.size / cols;
  for (const [r0, r1] of rowRanges(gpu, what, rows, cols)) {
    const wins = [...inputs, out].map((t) => window(t, r0 * cols, r1 * cols));
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get(kernel, { WG }),
      what: `${what} rows ${r0}..${r1}`,
      // Every window starts at the same element of identically laid-out tensors, hence one shared base.
      params: packParams([['u32', r1 - r0], ['u32', cols], ['u32', wins[0].base]]),
      buffers: wins.map((w) => w.binding),
      workgroups: grid1d(r1 - r0, WG),
    });
  }
  return out;
}
