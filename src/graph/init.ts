// Seeded weight initialisation: He (Kaiming, fan-in; for ReLU networks) and Glorot (Xavier) uniform.
// Fans for HWIO conv weights are kh*kw*cin (in) and kh*kw*cout (out); for (in, out) dense weights, in and out.

import type { Rng } from '../util/rng.ts';

export type InitKind = 'he-normal' | 'he-uniform' | 'glorot-uniform' | 'zeros';

/** `n` initial values for a weight with the given fans. */
export function initValues(rng: Rng, n: number, kind: InitKind, fanIn: number, fanOut: number): Float32Array {
  const out = new Float32Array(n);
  if (kind === 'zeros') return out;
  if (kind === 'he-normal') {
    const std = Math.sqrt(2 / fanIn);
    for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
    return out;
  }
  const limit = kind === 'he-uniform' ? Math.sqrt(6 / fanIn) : Math.sqrt(6 / (fanIn + fanOut));
  for (let i = 0; i < n; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/** Fan-in and fan-out of a weight shape: HWIO (kh, kw, cin, cout) or (in, out). */
export function fans(shape: readonly number[]): { fanIn: number; fanOut: number } {
  if (shape.length === 2) return { fanIn: shape[0], fanOut: shape[1] };
  const receptive = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { fanIn: receptive * shape[shape.length - 2], fanOut: receptive * shape[shape.length - 1] };
}
