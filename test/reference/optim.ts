// Float64 CPU references for the optimizer steps, transcribed from PyTorch's documented algorithms
// (torch.optim.SGD with dampening 0, torch.optim.Adam and AdamW, amsgrad off). They update their state in place.

export interface RefSgd { lr: number; momentum: number; nesterov?: boolean; weightDecay?: number }

export function sgdRef(p: Float64Array, g: ArrayLike<number>, v: Float64Array | null, o: RefSgd, first: boolean): void {
  for (let i = 0; i < p.length; i++) {
    let d = g[i] + (o.weightDecay ?? 0) * p[i];
    if (o.momentum !== 0 && v) {
      // PyTorch starts the buffer as a copy of the first gradient.
      v[i] = first ? d : o.momentum * v[i] + d;
      d = o.nesterov ? d + o.momentum * v[i] : v[i];
    }
    p[i] -= o.lr * d;
  }
}

export interface RefAdam { lr: number; beta1?: number; beta2?: number; eps?: number; weightDecay?: number; decoupled?: boolean }

export function adamRef(p: Float64Array, g: ArrayLike<number>, m: Float64Array, v: Float64Array, t: number, o: RefAdam): void {
  const b1 = o.beta1 ?? 0.9;
  const b2 = o.beta2 ?? 0.999;
  const eps = o.eps ?? 1e-8;
  const wd = o.weightDecay ?? 0;
  for (let i = 0; i < p.length; i++) {
    let gi = g[i];
    if (o.decoupled) p[i] *= 1 - o.lr * wd;
    else gi += wd * p[i];
    m[i] = b1 * m[i] + (1 - b1) * gi;
    v[i] = b2 * v[i] + (1 - b2) * gi * gi;
    const mHat = m[i] / (1 - b1 ** t);
    const vHat = v[i] / (1 - b2 ** t);
    p[i] -= (o.lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}
