// Float64 CPU references for pooling (max, average, global average, global max) and their backward passes,
// written for clarity: every window is walked cell by cell over the padded input, padding cells skipped.
// Tensors are flat NHWC arrays with their shape alongside. Independent of the WGSL: the output size is found by
// counting which windows exist, and the global pools are written directly rather than as 2-D pools.

export interface PoolGeometry {
  kernel: [number, number];
  stride: [number, number];
  pad: [number, number, number, number]; // top, left, bottom, right
  ceilMode?: boolean;
  countIncludePad?: boolean;
}

/**
 * How many windows fit along one axis. Without ceil mode a window must end inside the padded input. With it,
 * a window may overhang the padded end by less than one stride (the rounding up), but must start inside the
 * input or its leading padding (the ONNX / PyTorch rule that drops a window lying wholly in the trailing pad).
 */
export function windowCount(size: number, k: number, s: number, before: number, after: number, ceil: boolean): number {
  let count = 0;
  for (;; count++) {
    const start = count * s - before;
    const fits = ceil ? start + k - s < size + after && start < size : start + k <= size + after;
    if (!fits) return count;
  }
}

export function outputShape(shape: readonly number[], g: PoolGeometry): number[] {
  const [N, H, W, C] = shape;
  const ceil = g.ceilMode ?? false;
  return [
    N,
    windowCount(H, g.kernel[0], g.stride[0], g.pad[0], g.pad[2], ceil),
    windowCount(W, g.kernel[1], g.stride[1], g.pad[1], g.pad[3], ceil),
    C,
  ];
}

const at = (shape: readonly number[], n: number, h: number, w: number, c: number): number =>
  ((n * shape[1] + h) * shape[2] + w) * shape[3] + c;

/** Calls `visit(h, w)` for each input cell of the window of output (oh, ow), in (kh, kw) order, skipping padding. */
function forEachCell(
  shape: readonly number[],
  g: PoolGeometry,
  oh: number,
  ow: number,
  visit: (h: number, w: number) => void,
): void {
  const [, H, W] = shape;
  for (let kh = 0; kh < g.kernel[0]; kh++) {
    for (let kw = 0; kw < g.kernel[1]; kw++) {
      const h = oh * g.stride[0] - g.pad[0] + kh;
      const w = ow * g.stride[1] - g.pad[1] + kw;
      if (h >= 0 && h < H && w >= 0 && w < W) visit(h, w);
    }
  }
}

/** Cells the average of output (oh, ow) divides by. */
function avgDivisor(shape: readonly number[], g: PoolGeometry, oh: number, ow: number): number {
  if (!g.countIncludePad) {
    let cells = 0;
    forEachCell(shape, g, oh, ow, () => cells++);
    return cells;
  }
  // Cells of the window inside the padded input [-top, H + bottom) x [-left, W + right).
  const [, H, W] = shape;
  let cells = 0;
  for (let kh = 0; kh < g.kernel[0]; kh++) {
    for (let kw = 0; kw < g.kernel[1]; kw++) {
      const h = oh * g.stride[0] - g.pad[0] + kh;
      const w = ow * g.stride[1] - g.pad[1] + kw;
      if (h >= -g.pad[0] && h < H + g.pad[2] && w >= -g.pad[1] && w < W + g.pad[3]) cells++;
    }
  }
  return cells;
}

/** Iterates over every output index (n, oh, ow, c) of a pooling, with its flat index. */
function forEachOutput(yShape: readonly number[], visit: (o: number, n: number, oh: number, ow: number, c: number) => void): void {
  const [N, OH, OW, C] = yShape;
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) visit(at(yShape, n, oh, ow, c), n, oh, ow, c);
}

// --- max ----------------------------------------------------------------------------------------------------

/** y and argmax (flat NHWC index into x of the first maximum in (kh, kw) order), both (N, OH, OW, C). */
export function maxPool(
  x: ArrayLike<number>,
  shape: readonly number[],
  g: PoolGeometry,
): { y: Float64Array; argmax: Int32Array; shape: number[] } {
  const yShape = outputShape(shape, g);
  const size = yShape.reduce((a, b) => a * b, 1);
  const y = new Float64Array(size);
  const argmax = new Int32Array(size).fill(-1);
  forEachOutput(yShape, (o, n, oh, ow, c) => {
    let best = -Infinity;
    forEachCell(shape, g, oh, ow, (h, w) => {
      const i = at(shape, n, h, w, c);
      if (argmax[o] < 0 || x[i] > best) {
        best = x[i];
        argmax[o] = i;
      }
    });
    y[o] = best;
  });
  return { y, argmax, shape: yShape };
}

/** dx (input shape): each dy routed to the input its argmax names, summed where several outputs share one. */
export function maxPoolBackward(dy: ArrayLike<number>, argmax: ArrayLike<number>, inputShape: readonly number[]): Float64Array {
  const dx = new Float64Array(inputShape.reduce((a, b) => a * b, 1));
  for (let o = 0; o < dy.length; o++) dx[argmax[o]] += dy[o];
  return dx;
}

// --- average ------------------------------------------------------------------------------------------------

export function avgPool(x: ArrayLike<number>, shape: readonly number[], g: PoolGeometry): { y: Float64Array; shape: number[] } {
  const yShape = outputShape(shape, g);
  const y = new Float64Array(yShape.reduce((a, b) => a * b, 1));
  forEachOutput(yShape, (o, n, oh, ow, c) => {
    let sum = 0;
    forEachCell(shape, g, oh, ow, (h, w) => (sum += x[at(shape, n, h, w, c)]));
    y[o] = sum / avgDivisor(shape, g, oh, ow);
  });
  return { y, shape: yShape };
}

/** dx (input shape): each dy spread evenly (by the forward's divisor) over its window's real cells. */
export function avgPoolBackward(dy: ArrayLike<number>, inputShape: readonly number[], g: PoolGeometry): Float64Array {
  const yShape = outputShape(inputShape, g);
  const dx = new Float64Array(inputShape.reduce((a, b) => a * b, 1));
  forEachOutput(yShape, (o, n, oh, ow, c) => {
    const share = dy[o] / avgDivisor(inputShape, g, oh, ow);
    forEachCell(inputShape, g, oh, ow, (h, w) => (dx[at(inputShape, n, h, w, c)] += share));
  });
  return dx;
}

// --- global -------------------------------------------------------------------------------------------------

/** (N, H, W, C) -> (N, C) means. */
export function globalAvgPool(x: ArrayLike<number>, shape: readonly number[]): Float64Array {
  const [N, H, W, C] = shape;
  const y = new Float64Array(N * C);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      let sum = 0;
      for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) sum += x[at(shape, n, h, w, c)];
      y[n * C + c] = sum / (H * W);
    }
  return y;
}

export function globalAvgPoolBackward(dy: ArrayLike<number>, inputShape: readonly number[]): Float64Array {
  const [N, H, W, C] = inputShape;
  const dx = new Float64Array(N * H * W * C);
  for (let n = 0; n < N; n++)
    for (let h = 0; h < H; h++)
      for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) dx[at(inputShape, n, h, w, c)] = dy[n * C + c] / (H * W);
  return dx;
}

/** (N, H, W, C) -> (N, C) maxima and the flat NHWC index of the first one in (h, w) order. */
export function globalMaxPool(x: ArrayLike<number>, shape: readonly number[]): { y: Float64Array; argmax: Int32Array } {
  const [N, H, W, C] = shape;
  const y = new Float64Array(N * C).fill(-Infinity);
  const argmax = new Int32Array(N * C).fill(-1);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++)
      for (let h = 0; h < H; h++)
        for (let w = 0; w < W; w++) {
          const i = at(shape, n, h, w, c);
          if (argmax[n * C + c] < 0 || x[i] > y[n * C + c]) {
            y[n * C + c] = x[i];
            argmax[n * C + c] = i;
          }
        }
  return { y, argmax };
}

export function globalMaxPoolBackward(dy: ArrayLike<number>, argmax: ArrayLike<number>, inputShape: readonly number[]): Float64Array {
  const dx = new Float64Array(inputShape.reduce((a, b) => a * b, 1));
  for (let o = 0; o < dy.length; o++) dx[argmax[o]] += dy[o];
  return dx;
}
