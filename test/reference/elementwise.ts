// Float64 CPU references for the elementwise ops: the obvious loops, so a GPU indexing or chunking error shows.

export const addRef = (a: ArrayLike<number>, b: ArrayLike<number>) => Float64Array.from(a, (v, i) => v + b[i]);
export const scaleRef = (a: ArrayLike<number>, s: number) => Float64Array.from(a, (v) => s * v);
export const axpyRef = (y: ArrayLike<number>, x: ArrayLike<number>, alpha: number) => Float64Array.from(y, (v, i) => v + alpha * x[i]);
