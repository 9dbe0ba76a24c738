// CPU reference for the 2-D convolution and its three gradients, in float64, written for clarity, not speed.
// Layouts match the engine: x (N, H, W, Cin) NHWC, w (KH, KW, Cin, Cout) HWIO, y (N, OH, OW, Cout).
// Padding is [top, left, bottom, right]; taps that fall in the padding read zero.
//
// The GPU kernels are checked against these; these are checked by central finite differences in
// test/conv2d.test.ts. `conv2dRefAt` computes single output elements so the benchmark can check full-size
// results on a sample of positions.

export interface RefConvOptions {
  stride: [number, number];
  pad: [number, number, number, number];
}

export interface RefShapes {
  N: number; H: number; W: number; Cin: number;
  KH: number; KW: number; Cout: number;
  OH: number; OW: number;
}

export function refShapes(xShape: readonly number[], wShape: readonly number[], o: RefConvOptions): RefShapes {
  const [N, H, W, Cin] = xShape;
  const [KH, KW, , Cout] = wShape;
  const OH = Math.floor((H + o.pad[0] + o.pad[2] - KH) / o.stride[0]) + 1;
  const OW = Math.floor((W + o.pad[1] + o.pad[3] - KW) / o.stride[1]) + 1;
  return { N, H, W, Cin, KH, KW, Cout, OH, OW };
}

/** One output element y[n, oh, ow, co], before bias and ReLU. */
export function conv2dRefAt(
  x: ArrayLike<number>, w: ArrayLike<number>, s: RefShapes, o: RefConvOptions,
  n: number, oh: number, ow: number, co: number,
): number {
  let sum = 0;
  for (let kh = 0; kh < s.KH; kh++) {
    const ih = oh * o.stride[0] - o.pad[0] + kh;
    if (ih < 0 || ih >= s.H) continue;
    for (let kw = 0; kw < s.KW; kw++) {
      const iw = ow * o.stride[1] - o.pad[1] + kw;
      if (iw < 0 || iw >= s.W) continue;
      for (let ci = 0; ci < s.Cin; ci++) {
        sum += x[((n * s.H + ih) * s.W + iw) * s.Cin + ci] * w[((kh * s.KW + kw) * s.Cin + ci) * s.Cout + co];
      }
    }
  }
  return sum;
}

/** y = conv(x, w) + bias, then max(y, 0) when relu. */
export function conv2dRef(
  x: ArrayLike<number>, xShape: readonly number[], w: ArrayLike<number>, wShape: readonly number[],
  bias: ArrayLike<number> | null, o: RefConvOptions & { relu?: boolean },
): Float64Array {
  const s = refShapes(xShape, wShape, o);
  const y = new Float64Array(s.N * s.OH * s.OW * s.Cout); // (N, OH, OW, Cout)
  for (let n = 0; n < s.N; n++)
    for (let oh = 0; oh < s.OH; oh++)
      for (let ow = 0; ow < s.OW; ow++)
        for (let co = 0; co < s.Cout; co++) {
          let v = conv2dRefAt(x, w, s, o, n, oh, ow, co) + (bias ? bias[co] : 0);
          if (o.relu) v = Math.max(v, 0);
          y[((n * s.OH + oh) * s.OW + ow) * s.Cout + co] = v;
        }
  return y;
}

/** One element dx[n, ih, iw, ci] = sum over the outputs that read x[n, ih, iw, ci] of dy * w. */
export function conv2dGradInputRefAt(
  dy: ArrayLike<number>, w: ArrayLike<number>, s: RefShapes, o: RefConvOptions,
  n: number, ih: number, iw: number, ci: number,
): number {
  let sum = 0;
  for (let kh = 0; kh < s.KH; kh++) {
    const ohs = ih + o.pad[0] - kh; // = oh * stride
    if (ohs < 0 || ohs % o.stride[0] !== 0 || ohs / o.stride[0] >= s.OH) continue;
    const oh = ohs / o.stride[0];
    for (let kw = 0; kw < s.KW; kw++) {
      const ows = iw + o.pad[1] - kw;
      if (ows < 0 || ows % o.stride[1] !== 0 || ows / o.stride[1] >= s.OW) continue;
      const ow = ows / o.stride[1];
      for (let co = 0; co < s.Cout; co++) {
        sum += dy[((n * s.OH + oh) * s.OW + ow) * s.Cout + co] * w[((kh * s.KW + kw) * s.Cin + ci) * s.Cout + co];
      }
    }
  }
  return sum;
}

/** dx (N, H, W, Cin) from dy (N, OH, OW, Cout). */
export function conv2dGradInputRef(
  dy: ArrayLike<number>, w: ArrayLike<number>, xShape: readonly number[], wShape: readonly number[], o: RefConvOptions,
): Float64Array {
  const s = refShapes(xShape, wShape, o);
  const dx = new Float64Array(s.N * s.H * s.W * s.Cin);
  for (let n = 0; n < s.N; n++)
    for (let ih = 0; ih < s.H; ih++)
      for (let iw = 0; iw < s.W; iw++)
        for (let ci = 0; ci < s.Cin; ci++)
          dx[((n * s.H + ih) * s.W + iw) * s.Cin + ci] = conv2dGradInputRefAt(dy, w, s, o, n, ih, iw, ci);
  return dx;
}

/** One element dw[kh, kw, ci, co] = sum over batch and output pixels of x (at the tap) * dy. */
export function conv2dGradWeightRefAt(
  x: ArrayLike<number>, dy: ArrayLike<number>, s: RefShapes, o: RefConvOptions,
  kh: number, kw: number, ci: number, co: number,
): number {
  let sum = 0;
  for (let n = 0; n < s.N; n++)
    for (let oh = 0; oh < s.OH; oh++) {
      const ih = oh * o.stride[0] - o.pad[0] + kh;
      if (ih < 0 || ih >= s.H) continue;
      for (let ow = 0; ow < s.OW; ow++) {
        const iw = ow * o.stride[1] - o.pad[1] + kw;
        if (iw < 0 || iw >= s.W) continue;
        sum += x[((n * s.H + ih) * s.W + iw) * s.Cin + ci] * dy[((n * s.OH + oh) * s.OW + ow) * s.Cout + co];
      }
    }
  return sum;
}

/** dw (KH, KW, Cin, Cout). */
export function conv2dGradWeightRef(
  x: ArrayLike<number>, dy: ArrayLike<number>, xShape: readonly number[], wShape: readonly number[], o: RefConvOptions,
): Float64Array {
  const s = refShapes(xShape, wShape, o);
  const dw = new Float64Array(s.KH * s.KW * s.Cin * s.Cout);
  for (let kh = 0; kh < s.KH; kh++)
    for (let kw = 0; kw < s.KW; kw++)
      for (let ci = 0; ci < s.Cin; ci++)
        for (let co = 0; co < s.Cout; co++)
          dw[((kh * s.KW + kw) * s.Cin + ci) * s.Cout + co] = conv2dGradWeightRefAt(x, dy, s, o, kh, kw, ci, co);
  return dw;
}

/** db (Cout): dy summed over batch and pixels. */
export function conv2dGradBiasRef(dy: ArrayLike<number>, cout: number): Float64Array {
  const db = new Float64Array(cout);
  for (let i = 0; i < dy.length; i++) db[i % cout] += dy[i];
  return db;
}
