// Fused, numerically stable softmax + cross-entropy loss, mean over the batch
// (shaders/softmax_cross_entropy.wgsl, softmax_cross_entropy_backward.wgsl).
//
// Labels are i32 class indices on the GPU. Their values cannot be checked here without a readback (kernels
// never read back): a label outside [0, C) is clamped for the read, so nothing out of bounds is touched, and
// its row's loss is NaN, which makes the mean loss NaN, so the training loop's finite-loss check catches it.
// In the backward such a row matches no class.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { describe } from './shapes.ts';
import { meanAll } from './reduce.ts';
import { rowRanges, window } from './windows.ts';

const WG = 64;

/** logits (N,C), labels (N) i32 -> loss (1) = mean_n -log softmax(logits)[n, label_n], probs (N,C). */
export function softmaxCrossEntropy(gpu: Gpu, logits: GpuTensor, labels: GpuTensor<'i32'>): { loss: GpuTensor; probs: GpuTensor } {
  const [rows, cols] = checkShapes('softmax cross-entropy', { logits, labels }, logits, labels);
  const probs = GpuTensor.empty(gpu, [rows, cols], 'f32', 'softmax_ce.probs'); // (N, C)
  const rowLoss = GpuTensor.empty(gpu, [rows], 'f32', 'softmax_ce.row_loss'); // (N)
  for (const [r0, r1] of rowRanges(gpu, 'softmax cross-entropy', rows, cols)) {
    const xw = window(logits, r0 * cols, r1 * cols);
    const pw = window(probs, r0 * cols, r1 * cols);
    const lw = window(labels, r0, r1);
    const rw = window(rowLoss, r0, r1);
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('softmax_cross_entropy', { WG }),
      what: `softmax cross-entropy ${describe({ logits, labels })} rows ${r0}..${r1}`,
      params: packParams([['u32', r1 - r0], ['u32', cols], ['u32', xw.base], ['u32', lw.base], ['u32', 0x7fc00000]]),
      buffers: [xw.binding, lw.binding, pw.binding, rw.binding],
      workgroups: grid1d(r1 - r0, WG),
    });
  }
  const loss = meanAll(gpu, rowLoss); // (1)
  rowLoss.release();
  return { loss, probs };
}

/** dlogits (N,C) = (probs - onehot(labels)) * dloss / N; dloss is the (1) upstream gradient, or null for 1. */
export function softmaxCrossEntropyBackward(gpu: Gpu, probs: GpuTensor, labels: GpuTensor<'i32'>, dloss: GpuTensor | null): GpuTensor {
  const named: Record<string, GpuTensor> = dloss ? { probs, labels, dloss } : { probs, labels };
  const [rows, cols] = checkShapes('softmax cross-entropy backward', named, probs, labels);
  if (dloss && (dloss.size !== 1 || dloss.dtype !== 'f32')) {
    throw new ShapeError(`softmax cross-entropy backward: dloss must be one f32, got ${describe(named)}`);
  }
  const dlogits = GpuTensor.empty(gpu, [rows, cols], 'f32', 'softmax_ce.dlogits'); // (N, C)
  for (const [r0, r1] of rowRanges(gpu, 'softmax cross-entropy backward', rows, cols)) {
    const pw = window(probs, r0 * cols, r1 * cols);
    const dw = window(dlogits, r0 * cols, r1 * cols);
    const lw = window(labels, r0, r1);
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('softmax_cross_entropy_backward', { WG, HAS_DLOSS: dloss !== null }),
      what: `softmax cross-entropy backward ${describe(named)} rows ${r0}..${r1}`,
      params: packParams([['u32', (r1 - r0) * cols], ['u32', cols], ['u32', pw.base], ['u32', lw.base], ['f32', 1 / rows]]),
      // Without dloss the probs window stands in for the unused binding.
      buffers: [pw.binding, lw.binding, dloss ? dloss.binding : pw.binding, dw.binding],
      workgroups: grid1d((r1 - r0) * cols, WG),
    });
  }
  return dlogits;
}

function checkShapes(op: string, named: Record<string, GpuTensor>, x: GpuTensor, labels: GpuTensor): [number, number] {
  if (x.shape.length !== 2 || labels.shape.length !== 1 || labels.shape[0] !== x.shape[0] || x.shape[0] === 0 || x.shape[1] === 0) {
    throw new ShapeError(`${op}: expected (N,C) with N, C > 0 and labels (N), got ${describe(named)}`);
  }
  if (labels.dtype !== 'i32' || x.dtype !== 'f32') {
    throw new ShapeError(`${op}: expected f32 scores and i32 labels, got ${x.dtype} and ${labels.dtype}`);
  }
  return [x.shape[0], x.shape[1]];
}
