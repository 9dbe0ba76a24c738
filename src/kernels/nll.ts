// Weighted negative log-likelihood terms per row (shaders/nll_gather.wgsl): the gather step of ONNX
// SoftmaxCrossEntropyLoss after log-softmax. Returns per-row losses and per-row weights so callers reduce them
// (sum, or sum(loss) / sum(weight) for the ONNX 'mean').

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { bindingLimit } from './windows.ts';

const WG = 64;

/** logp (R, C), labels (R) i32 in [0, C) or the ignore index, classWeight (C) or null -> loss (R), weight (R). */
export function nllGather(
  gpu: Gpu, logp: GpuTensor, labels: GpuTensor<'i32'>, classWeight: GpuTensor | null, ignoreIndex: number | null,
): { loss: GpuTensor; weight: GpuTensor } {
  const what = `nll logp${fmtShape(logp.shape)} labels${fmtShape(labels.shape)}${classWeight ? ` weight${fmtShape(classWeight.shape)}` : ''}`;
  if (logp.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== logp.shape[0]) throw new ShapeError(`${what}: expected (R, C) and (R)`);
  const [R, C] = logp.shape;
  if (labels.dtype !== 'i32' || logp.dtype !== 'f32') throw new ShapeError(`${what}: expected f32 log-probabilities and i32 labels`);
  if (classWeight && (classWeight.size !== C || classWeight.dtype !== 'f32')) throw new ShapeError(`${what}: class weights must be (${C}) f32`);
  if (logp.size > bindingLimit(gpu)) throw new GpuLimitError(`${what}: logp exceeds one storage binding`);
  const loss = GpuTensor.empty(gpu, [R], 'f32', 'nll.loss');
  const weight = GpuTensor.empty(gpu, [R], 'f32', 'nll.weight');
  if (R === 0) return { loss, weight };
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('nll_gather', { WG, HAS_WEIGHT: classWeight !== null }),
    what,
    params: packParams([['u32', R], ['u32', C], ['i32', ignoreIndex ?? 0], ['u32', ignoreIndex === null ? 0 : 1]]),
    buffers: [logp.binding, labels.binding, (classWeight ?? logp).binding, loss.binding, weight.binding],
    workgroups: grid1d(R, WG),
  });
  return { loss, weight };
}
