// Ranking class scores: the indices of the k largest values, for printing and checking top-k predictions.

/** Indices of the k largest values, largest first (ties keep the lower index first). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from(values, (v, i) => [v, i] as const)
    .sort((a, b) => b[0] - a[0] || a[1] - b[1])
    .slice(0, k)
    .map(([, i]) => i);
}
