// Float64 CPU reference for the mean softmax cross-entropy and its gradient, written from the definition
// (loss = mean over rows of -log p[label]) rather than from the fused kernel's formula. Checked by central
// finite differences in test/loss.test.ts.

import { logSoftmaxRef, softmaxRef } from './softmax.ts';

/** mean_n -log softmax(logits)[n, label_n], and the probabilities. */
export function softmaxCrossEntropyRef(logits: ArrayLike<number>, labels: ArrayLike<number>, rows: number, cols: number): { loss: number; probs: Float64Array } {
  const logp = logSoftmaxRef(logits, rows, cols);
  let total = 0;
  for (let n = 0; n < rows; n++) total -= logp[n * cols + labels[n]];
  return { loss: total / rows, probs: softmaxRef(logits, rows, cols) };
}

/** d(dloss * loss)/dlogits = dloss * (probs - onehot) / rows. */
export function softmaxCrossEntropyBackwardRef(probs: ArrayLike<number>, labels: ArrayLike<number>, rows: number, cols: number, dloss = 1): Float64Array {
  const d = new Float64Array(rows * cols);
  for (let n = 0; n < rows; n++) {
    for (let c = 0; c < cols; c++) d[n * cols + c] = (dloss * (probs[n * cols + c] - (c === labels[n] ? 1 : 0))) / rows;
  }
  return d;
}
