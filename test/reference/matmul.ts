// Float64 CPU references for the matrix multiply and the dense layer with its gradients, written for clarity:
// one triple loop over explicit row-major index formulas. Matrices are flat row-major arrays with their shape.
// Checked by central finite differences in test/matmul.test.ts.

export interface RefMatmulOptions {
  transA?: boolean;
  transB?: boolean;
  bias?: ArrayLike<number> | null;
  relu?: boolean;
}

/** C (M,N) = op(A) op(B) (+ bias, then relu); a is (M,K) or, transposed, (K,M); b is (K,N) or (N,K). */
export function matmulRef(
  a: ArrayLike<number>, aShape: readonly [number, number],
  b: ArrayLike<number>, bShape: readonly [number, number],
  o: RefMatmulOptions = {},
): Float64Array {
  const [M, K] = o.transA ? [aShape[1], aShape[0]] : aShape;
  const N = o.transB ? bShape[0] : bShape[1];
  const A = (m: number, k: number) => (o.transA ? a[k * M + m] : a[m * K + k]);
  const B = (k: number, n: number) => (o.transB ? b[n * K + k] : b[k * N + n]);
  const c = new Float64Array(M * N);
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = o.bias ? o.bias[n] : 0;
      for (let k = 0; k < K; k++) s += A(m, k) * B(k, n);
      c[m * N + n] = o.relu ? Math.max(s, 0) : s;
    }
  }
  return c;
}

/** y (N,out) = x (N,in) w (in,out) + b (out). */
export function denseRef(x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null, N: number, IN: number, OUT: number): Float64Array {
  return matmulRef(x, [N, IN], w, [IN, OUT], { bias: b });
}

/** Gradients of sum(y * dy) for y = dense(x, w, b): dx (N,in), dw (in,out), db (out), by the chain rule. */
export function denseBackwardRef(
  x: ArrayLike<number>, w: ArrayLike<number>, dy: ArrayLike<number>, N: number, IN: number, OUT: number,
): { dx: Float64Array; dw: Float64Array; db: Float64Array } {
  const dx = new Float64Array(N * IN);
  const dw = new Float64Array(IN * OUT);
  const db = new Float64Array(OUT);
  for (let n = 0; n < N; n++) {
    for (let o = 0; o < OUT; o++) {
      const g = dy[n * OUT + o];
      db[o] += g;
      for (let i = 0; i < IN; i++) {
        dx[n * IN + i] += g * w[i * OUT + o];
        dw[i * OUT + o] += g * x[n * IN + i];
      }
    }
  }
  return { dx, dw, db };
}

/** Column sums of a (R,C) matrix. */
export function sumRowsRef(x: ArrayLike<number>, R: number, C: number): Float64Array {
  const out = new Float64Array(C);
  for (let r = 0; r < R; r++) for (let c = 0; c < C; c++) out[c] += x[r * C + c];
  return out;
}

/** Central finite-difference gradient of a scalar function f at x (float64; f must not modify x). */
export function numericGrad(f: (x: Float64Array) => number, x: Float64Array, h = 1e-6): Float64Array {
  const g = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const keep = x[i];
    x[i] = keep + h;
    const up = f(x);
    x[i] = keep - h;
    const down = f(x);
    x[i] = keep;
    g[i] = (up - down) / (2 * h);
  }
  return g;
}

/** sum(y * dy): the scalar whose gradient with respect to an op's inputs is that op's backward given dy. */
export function dotWith(y: ArrayLike<number>, dy: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) s += y[i] * dy[i];
  return s;
}
