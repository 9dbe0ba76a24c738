// CPU reference for inverted dropout given a mask: the mask itself comes from the GPU's hash and is judged
// statistically in test/dropout.test.ts (a reference that re-implemented the hash would only copy the shader).

/** The only values a mask may hold for `rate`: 0 (dropped) and 1/(1-rate) (kept). */
export function maskValues(rate: number): [number, number] {
  return [0, 1 / (1 - rate)];
}

/** y = x * mask (the forward) and dx = dy * mask (the backward) are both this product. */
export function applyMaskRef(x: ArrayLike<number>, mask: ArrayLike<number>): Float64Array {
  return Float64Array.from(x, (v, i) => v * mask[i]);
}
