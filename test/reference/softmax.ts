// Float64 CPU references for softmax and log-softmax over the last axis of a (rows, cols) array and their
// backwards, written for clarity from the definitions (Jacobian-vector products spelled out per row). Checked by
// central finite differences in test/softmax.test.ts.

/** softmax of each row, shifted by the row max so exp never overflows. */
export function softmaxRef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
    for (let c = 0; c < cols; c++) y[r * cols + c] = Math.exp(x[r * cols + c] - m) / s;
  }
  return y;
}

/** log softmax of each row: x - max - log(sum exp(x - max)). */
export function logSoftmaxRef(x: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const y = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    let m = -Infinity;
    for (let c = 0; c < cols; c++) m = Math.max(m, x[r * cols + c]);
    let s = 0;
    for (let c = 0; c < cols; c++) s += Math.exp(x[r * cols + c] - m);
    for (let c = 0; c < cols; c++) y[r * cols + c] = x[r * cols + c] - m - Math.log(s);
  }
  return y;
}

/** dx_i = sum_j dy_j dy_j/dx_i with dy_j/dx_i = y_j (delta_ij - y_i), per row; y = softmax output. */
export function softmaxBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) {
        const yi = y[r * cols + i];
        const yj = y[r * cols + j];
        s += dy[r * cols + j] * yj * ((i === j ? 1 : 0) - yi);
      }
      dx[r * cols + i] = s;
    }
  }
  return dx;
}

/** dx_i = sum_j dy_j (delta_ij - softmax_i), per row; y = log-softmax output, so softmax = exp(y). */
export function logSoftmaxBackwardRef(y: ArrayLike<number>, dy: ArrayLike<number>, rows: number, cols: number): Float64Array {
  const dx = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += dy[r * cols + j] * ((i === j ? 1 : 0) - Math.exp(y[r * cols + i]));
      dx[r * cols + i] = s;
    }
  }
  return dx;
}
