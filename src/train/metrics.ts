// Classification metrics for the study's test-set table: accuracy, Cohen's kappa (unweighted), log loss,
// the confusion matrix and per-class accuracy. Definitions follow scikit-learn 0.19, which the 2017 study used:
// - confusion[t][p] counts photos of true class t predicted as p (rows true, columns predicted);
// - kappa = (p_o - p_e) / (1 - p_e), p_e from the products of the row and column totals (cohen_kappa_score);
//   NaN when p_e = 1 (every photo in one class, both ways), as scikit-learn returns;
// - log loss: probabilities clipped to [1e-15, 1 - 1e-15], each row renormalised, mean of -ln p(true class).
// Plain CPU code on small arrays (a test set is ~100 photos).

export interface ClassificationMetrics {
  count: number;
  accuracy: number;
  kappa: number;
  logLoss: number;
  /** (C, C): confusion[true][predicted] */
  confusion: number[][];
  /** Per true class: correct / photos of that class; null for a class with no photo. */
  perClassAccuracy: (number | null)[];
}

export const LOG_LOSS_EPS = 1e-15;

function checkLabels(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): void {
  if (yTrue.length !== yPred.length) throw new RangeError(`metrics: ${yTrue.length} labels but ${yPred.length} predictions`);
  for (const y of [yTrue, yPred]) {
    for (let i = 0; i < y.length; i++) {
      if (!(Number.isInteger(y[i]) && y[i] >= 0 && y[i] < numClasses)) throw new RangeError(`metrics: label ${y[i]} at ${i} outside 0..${numClasses - 1}`);
    }
  }
}

/** Fraction of predictions equal to the labels (NaN for no photos). */
export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length !== yPred.length) throw new RangeError(`accuracy: ${yTrue.length} labels but ${yPred.length} predictions`);
  let right = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) right++;
  return yTrue.length ? right / yTrue.length : NaN;
}

/** (C, C) counts, rows = true class, columns = predicted class. */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number[][] {
  checkLabels(yTrue, yPred, numClasses);
  const m = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  for (let i = 0; i < yTrue.length; i++) m[yTrue[i]][yPred[i]]++;
  return m;
}

/** Unweighted Cohen's kappa of two labelings. */
export function cohenKappa(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, numClasses: number): number {
  return kappaFromConfusion(confusionMatrix(yTrue, yPred, numClasses));
}

export function kappaFromConfusion(confusion: number[][]): number {
  const c = confusion.length;
  let n = 0;
  let agree = 0;
  const rows = new Array<number>(c).fill(0);
  const cols = new Array<number>(c).fill(0);
  for (let i = 0; i < c; i++) {
    for (let j = 0; j < c; j++) {
      n += confusion[i][j];
      rows[i] += confusion[i][j];
      cols[j] += confusion[i][j];
    }
    agree += confusion[i][i];
  }
  if (n === 0) return NaN;
  let expected = 0;
  for (let i = 0; i < c; i++) expected += rows[i] * cols[i];
  const po = agree / n;
  const pe = expected / (n * n);
  return pe === 1 ? NaN : (po - pe) / (1 - pe);
}

/** Mean -ln p(true class) of (N, C) row-major probabilities, clipped and renormalised as scikit-learn 0.19. */
export function logLoss(yTrue: ArrayLike<number>, probs: ArrayLike<number>, numClasses: number, eps = LOG_LOSS_EPS): number {
  const n = yTrue.length;
  if (probs.length !== n * numClasses) throw new RangeError(`logLoss: ${probs.length} probabilities for ${n} photos x ${numClasses} classes`);
  if (n === 0) return NaN;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const t = yTrue[i];
    if (!(Number.isInteger(t) && t >= 0 && t < numClasses)) throw new RangeError(`logLoss: label ${t} at ${i} outside 0..${numClasses - 1}`);
    let sum = 0;
    for (let k = 0; k < numClasses; k++) sum += clip(probs[i * numClasses + k], eps);
    total += -Math.log(clip(probs[i * numClasses + t], eps) / sum);
  }
  return total / n;
}

function clip(p: number, eps: number): number {
  if (Number.isNaN(p)) throw new RangeError('logLoss: a probability is NaN');
  return Math.min(Math.max(p, eps), 1 - eps);
}

/** Per true class: diagonal / row total (the class's recall); null where the class has no photo. */
export function perClassAccuracy(confusion: number[][]): (number | null)[] {
  return confusion.map((row, i) => {
    const total = row.reduce((a, b) => a + b, 0);
    return total ? row[i] / total : null;
  });
}

/** Index of the largest probability of each (N, C) row (the first on ties). */
export function argmaxRows(probs: ArrayLike<number>, numClasses: number): number[] {
  const n = Math.floor(probs.length / numClasses);
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let k = 1; k < numClasses; k++) if (probs[i * numClasses + k] > probs[i * numClasses + best]) best = k;
    out[i] = best;
  }
  return out;
}

/** Everything the report needs from labels and (N, C) predicted probabilities. */
export function evaluate(yTrue: ArrayLike<number>, probs: ArrayLike<number>, numClasses: number): ClassificationMetrics {
  const yPred = argmaxRows(probs, numClasses);
  const confusion = confusionMatrix(yTrue, yPred, numClasses);
  return {
    count: yTrue.length,
    accuracy: accuracy(yTrue, yPred),
    kappa: kappaFromConfusion(confusion),
    logLoss: logLoss(yTrue, probs, numClasses),
    confusion,
    perClassAccuracy: perClassAccuracy(confusion),
  };
}
