// CPU reference for class activation maps in float64, written for clarity: the weighted channel sum of the
// last conv's features for one class, then bilinear upsampling with half-pixel centres (input coordinate of
// output pixel o is (o + 0.5) * in / out - 0.5, clamped to [0, in - 1]). Checks src/kernels/cam.ts.

/** features (N, h, w, C), weights (C, K), classIdx (N * k) -> (N * k, h, w): map m uses image floor(m / k). */
export function camMapsRef(
  features: ArrayLike<number>,
  [n, h, w, c]: readonly number[],
  weights: ArrayLike<number>,
  classes: number,
  classIdx: ArrayLike<number>,
  perImage = 1,
): Float64Array {
  const out = new Float64Array(n * perImage * h * w);
  for (let img = 0; img < n; img++) {
    for (let j = 0; j < perImage; j++) {
      const m = img * perImage + j;
      const k = classIdx[m];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          let sum = 0;
          for (let ch = 0; ch < c; ch++) sum += features[((img * h + y) * w + x) * c + ch] * weights[ch * classes + k];
          out[(m * h + y) * w + x] = sum;
        }
      }
    }
  }
  return out;
}

/** Where output pixel `o` of `outSize` samples an axis of `inSize`: the two neighbours and the weight of the second. */
function sourceOf(o: number, inSize: number, outSize: number): [number, number, number] {
  const f = Math.min(Math.max(((o + 0.5) * inSize) / outSize - 0.5, 0), inSize - 1);
  const lo = Math.floor(f);
  return [lo, Math.min(lo + 1, inSize - 1), f - lo];
}

/** maps (M, h, w) -> (M, outH, outW), bilinear with half-pixel centres. */
export function upsampleRef(maps: ArrayLike<number>, m: number, h: number, w: number, outH: number, outW: number): Float64Array {
  const out = new Float64Array(m * outH * outW);
  for (let i = 0; i < m; i++) {
    const at = (y: number, x: number) => maps[(i * h + y) * w + x];
    for (let oy = 0; oy < outH; oy++) {
      const [y0, y1, wy] = sourceOf(oy, h, outH);
      for (let ox = 0; ox < outW; ox++) {
        const [x0, x1, wx] = sourceOf(ox, w, outW);
        const top = at(y0, x0) * (1 - wx) + at(y0, x1) * wx;
        const bottom = at(y1, x0) * (1 - wx) + at(y1, x1) * wx;
        out[(i * outH + oy) * outW + ox] = top * (1 - wy) + bottom * wy;
      }
    }
  }
  return out;
}
