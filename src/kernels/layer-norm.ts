// Layer normalization over the last `cols` elements of each row (shaders/layer_norm.wgsl), for the ONNX runner's
// LayerNormalization (ConvNeXt-style blocks and transformers' norms). Inference only (no backward). Tensors past
// one storage binding run in ranges of whole rows.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { rowRanges, window } from './windows.ts';

const WG = 64;

export interface LayerNormResult {
  /** x's shape. */
  y: GpuTensor;
  /** (rows): each row's mean and 1 / sqrt(variance + epsilon). */
  mean: GpuTensor;
  invStd: GpuTensor;
}

/** y = (x - mean) / sqrt(var + epsilon) * scale + bias over rows of `cols` elements; scale and bias have `cols`. */
export function layerNorm(gpu: Gpu, x: GpuTensor, cols: number, scale: GpuTensor, bias: GpuTensor | undefined, epsilon: number): LayerNormResult {
  const what = `layer_norm x${fmtShape(x.shape)} over ${cols}`;
  for (const t of [x, scale, bias]) if (t && t.dtype !== 'f32') throw new ShapeError(`${what}: ${t.label} must be f32, got ${t.dtype}`);
  if (cols < 1 || x.size % cols !== 0) throw new ShapeError(`${what}: ${x.size} elements are not rows of ${cols}`);
  if (scale.size !== cols || (bias && bias.size !== cols)) {
    throw new ShapeError(`${what}: scale${fmtShape(scale.shape)}${bias ? ` and bias${fmtShape(bias.shape)}` : ''} must have ${cols} elements`);
  }
  const rows = x.size / cols;
  const y = GpuTensor.empty(gpu, x.shape, 'f32', 'layer_norm.y');
  const mean = GpuTensor.empty(gpu, [rows], 'f32', 'layer_norm.mean');
  const invStd = GpuTensor.empty(gpu, [rows], 'f32', 'layer_norm.invStd');
  for (const [r0, r1] of rowRanges(gpu, what, rows, cols)) {
    const [xw, yw] = [x, y].map((t) => window(t, r0 * cols, r1 * cols));
    const [mw, sw] = [mean, invStd].map((t) => window(t, r0, r1));
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('layer_norm', { WG, HAS_BIAS: bias !== undefined }),
      what: rows > r1 - r0 ? `${what} rows ${r0}..${r1}` : what,
      params: packParams([['u32', r1 - r0], ['u32', cols], ['u32', xw.base], ['u32', mw.base], ['f32', epsilon]]),
      // Without a bias the scale is bound in its place (never read) so that the layout stays one.
      buffers: [xw.binding, scale.binding, (bias ?? scale).binding, yw.binding, mw.binding, sw.binding],
      workgroups: grid1d(r1 - r0, WG),
    });
  }
  return { y, mean, invStd };
}
