// Plain float64 CPU references for the kernels the ONNX runner added: axis permutation, broadcasting weighted
// sum, inference batch normalisation and the weighted NLL gather. Written from the definitions (numpy's
// transpose and broadcasting, ONNX's BatchNormalization and SoftmaxCrossEntropyLoss), not from the shaders.

const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);

/** Row-major coordinates of flat index i in shape. */
function coords(i: number, shape: readonly number[]): number[] {
  const c = new Array<number>(shape.length);
  for (let k = shape.length - 1; k >= 0; k--) {
    c[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return c;
}

function flat(c: readonly number[], shape: readonly number[]): number {
  return c.reduce((acc, v, k) => acc * shape[k] + v, 0);
}

/** numpy.transpose(x, perm). */
export function transposeRef(x: ArrayLike<number>, shape: readonly number[], perm: readonly number[]): number[] {
  const out = perm.map((p) => shape[p]);
  return Array.from({ length: size(out) }, (_, i) => {
    const c = coords(i, out);
    const src = new Array<number>(shape.length);
    perm.forEach((p, k) => (src[p] = c[k]));
    return x[flat(src, shape)];
  });
}

/** alpha * a + beta * b with numpy broadcasting; returns values and the result shape. */
export function broadcastAddRef(
  a: ArrayLike<number>, aShape: readonly number[], b: ArrayLike<number>, bShape: readonly number[], alpha = 1, beta = 1,
): { y: number[]; shape: number[] } {
  const n = Math.max(aShape.length, bShape.length);
  const pa = [...new Array(n - aShape.length).fill(1), ...aShape];
  const pb = [...new Array(n - bShape.length).fill(1), ...bShape];
  const shape = pa.map((d, i) => Math.max(d, pb[i]));
  const y = Array.from({ length: size(shape) }, (_, i) => {
    const c = coords(i, shape);
    const ia = flat(c.map((v, k) => (pa[k] === 1 ? 0 : v)), pa);
    const ib = flat(c.map((v, k) => (pb[k] === 1 ? 0 : v)), pb);
    return alpha * a[ia] + beta * b[ib];
  });
  return { y, shape };
}

/** ONNX BatchNormalization (inference) over x with the channel at `axis` of `shape`. */
export function batchNormRef(
  x: ArrayLike<number>, shape: readonly number[], axis: number,
  p: { gamma: ArrayLike<number>; beta: ArrayLike<number>; mean: ArrayLike<number>; variance: ArrayLike<number>; epsilon: number },
): number[] {
  return Array.from({ length: size(shape) }, (_, i) => {
    const c = coords(i, shape)[axis];
    return ((x[i] - p.mean[c]) / Math.sqrt(p.variance[c] + p.epsilon)) * p.gamma[c] + p.beta[c];
  });
}

/** Per-row -w[label] * logp[row, label] and w[label]; 0 and 0 for the ignore index. */
export function nllRef(
  logp: ArrayLike<number>, rows: number, classes: number, labels: readonly number[], weight: ArrayLike<number> | null, ignore: number | null,
): { loss: number[]; weight: number[] } {
  const loss: number[] = [];
  const w: number[] = [];
  for (let r = 0; r < rows; r++) {
    const l = labels[r];
    const wl = l === ignore ? 0 : weight ? weight[l] : 1;
    w.push(wl);
    loss.push(l === ignore ? 0 : -wl * logp[r * classes + l]);
  }
  return { loss, weight: w };
}

/**
 * numpy.pad with negative widths cropping: mode 'constant' (value), 'edge' or 'reflect' (numpy's, the edge not
 * repeated). Returns values and the result shape.
 */
export function padRef(
  x: ArrayLike<number>, shape: readonly number[], begins: readonly number[], ends: readonly number[], mode: 'constant' | 'edge' | 'reflect', value = 0,
): { y: number[]; shape: number[] } {
  const out = shape.map((d, k) => d + begins[k] + ends[k]);
  const y = Array.from({ length: size(out) }, (_, i) => {
    const src = coords(i, out).map((c, k) => {
      const j = c - begins[k];
      const n = shape[k];
      if (j >= 0 && j < n) return j;
      if (mode === 'constant') return -1;
      if (mode === 'edge') return j < 0 ? 0 : n - 1;
      return j < 0 ? -j : 2 * (n - 1) - j;
    });
    return src.includes(-1) ? value : x[flat(src, shape)];
  });
  return { y, shape: out };
}

/** numpy.concatenate along `axis`; returns values and the result shape. */
export function concatRef(xs: Array<{ x: ArrayLike<number>; shape: readonly number[] }>, axis: number): { y: number[]; shape: number[] } {
  const shape = xs[0].shape.map((d, k) => (k === axis ? xs.reduce((n, t) => n + t.shape[k], 0) : d));
  const y = Array.from({ length: size(shape) }, (_, i) => {
    const c = coords(i, shape);
    let at = c[axis];
    for (const t of xs) {
      if (at < t.shape[axis]) return t.x[flat(c.map((v, k) => (k === axis ? at : v)), t.shape)];
      at -= t.shape[axis];
    }
    throw new Error('concatRef: out of range');
  });
  return { y, shape };
}

/** erf in float64: its Maclaurin series (exact to ~1e-9 up to |x| = 4, where the terms' cancellation grows), then
 *  the limit 1 (erf(4) is 1 - 1.5e-8). */
export function erfRef(x: number): number {
  if (Math.abs(x) > 4) return Math.sign(x);
  let term = x;
  let sum = x;
  for (let n = 1; n < 200 && Math.abs(term) > 1e-17; n++) {
    term *= (-x * x) / n;
    sum += term / (2 * n + 1);
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** Layer normalisation of rows of `cols` in float64 (biased variance), with scale and optional bias per column. */
export function layerNormRef(x: ArrayLike<number>, cols: number, scale: ArrayLike<number>, bias: ArrayLike<number> | undefined, epsilon: number) {
  const y: number[] = [];
  const mean: number[] = [];
  const invStd: number[] = [];
  for (let r = 0; r < x.length / cols; r++) {
    const row = Array.from({ length: cols }, (_, i) => x[r * cols + i]);
    const m = row.reduce((a, b) => a + b, 0) / cols;
    const inv = 1 / Math.sqrt(row.reduce((a, b) => a + (b - m) ** 2, 0) / cols + epsilon);
    row.forEach((v, i) => y.push((v - m) * inv * scale[i] + (bias ? bias[i] : 0)));
    mean.push(m);
    invStd.push(inv);
  }
  return { y, mean, invStd };
}
