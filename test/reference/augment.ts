// CPU references for the image kernels, in float64, written after the code they imitate rather than after our
// shaders:
// - kerasRandomTransform: Keras 2.0 ImageDataGenerator.random_transform + apply_transform (scipy
//   ndimage.affine_transform, order=0, mode='nearest'), then flip_axis on the columns, then preprocessing.
// - resizeBilinear: TensorFlow's resize_bilinear with half_pixel_centers=True (lower = max(floor(in), 0),
//   upper = min(ceil(in), size - 1)), rounded half up to uint8.
// Both also return the source coordinate each output came from, so a test can check that any disagreement
// with the GPU sits on a rounding boundary (x.5), where float32 and float64 may legitimately round apart.

export interface RefPreprocess {
  colour: 'RGB' | 'BGR';
  scale: number;
  mean: readonly number[];
  std: readonly number[];
}

export interface RefAugment {
  theta: number;
  shear: number;
  zx: number;
  zy: number;
  flip: boolean;
}

type M = number[][];

function dot(a: M, b: M): M {
  const out: M = [];
  for (let i = 0; i < a.length; i++) {
    out.push([]);
    for (let j = 0; j < b[0].length; j++) {
      let s = 0;
      for (let k = 0; k < b.length; k++) s += a[i][k] * b[k][j];
      out[i].push(s);
    }
  }
  return out;
}

/** transform_matrix_offset_center(matrix, x, y) from keras/preprocessing/image.py (2.0). */
function offsetCenter(matrix: M, x: number, y: number): M {
  const ox = x / 2 + 0.5;
  const oy = y / 2 + 0.5;
  const offset = [
    [1, 0, ox],
    [0, 1, oy],
    [0, 0, 1],
  ];
  const reset = [
    [1, 0, -ox],
    [0, 1, -oy],
    [0, 0, 1],
  ];
  return dot(dot(offset, matrix), reset);
}

export interface AugmentRefResult {
  /** (H, W, 3) preprocessed float64 */
  out: Float64Array;
  /** (H, W, 2): the input (row, col) coordinate each output pixel was sampled at, before rounding. */
  coords: Float64Array;
}

/** One image (H, W, 3) of 0..255 values through Keras 2.0's augmentation and then `pre`. */
export function kerasRandomTransform(img: ArrayLike<number>, h: number, w: number, p: RefAugment, pre: RefPreprocess): AugmentRefResult {
  let transform: M | null = null;
  if (p.theta !== 0) {
    transform = [
      [Math.cos(p.theta), -Math.sin(p.theta), 0],
      [Math.sin(p.theta), Math.cos(p.theta), 0],
      [0, 0, 1],
    ];
  }
  if (p.shear !== 0) {
    const s = [
      [1, -Math.sin(p.shear), 0],
      [0, Math.cos(p.shear), 0],
      [0, 0, 1],
    ];
    transform = transform === null ? s : dot(transform, s);
  }
  if (p.zx !== 1 || p.zy !== 1) {
    const z = [
      [p.zx, 0, 0],
      [0, p.zy, 0],
      [0, 0, 1],
    ];
    transform = transform === null ? z : dot(transform, z);
  }
  // apply_transform: per channel, ndi.affine_transform(x_channel, m[:2,:2], m[:2,2], order=0, mode='nearest'):
  // input[o] = matrix @ o + offset, nearest = floor(x + 0.5), clamped to the edge.
  const transformed = new Float64Array(h * w * 3);
  const coordsT = new Float64Array(h * w * 2);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      let ri = r;
      let ci = c;
      if (transform !== null) {
        const m = offsetCenter(transform, h, w);
        ri = m[0][0] * r + m[0][1] * c + m[0][2];
        ci = m[1][0] * r + m[1][1] * c + m[1][2];
      }
      coordsT[(r * w + c) * 2] = ri;
      coordsT[(r * w + c) * 2 + 1] = ci;
      const rr = Math.min(Math.max(Math.floor(ri + 0.5), 0), h - 1);
      const cc = Math.min(Math.max(Math.floor(ci + 0.5), 0), w - 1);
      for (let k = 0; k < 3; k++) transformed[(r * w + c) * 3 + k] = img[(rr * w + cc) * 3 + k];
    }
  }
  // flip_axis(x, img_col_axis) after the transform.
  const out = new Float64Array(h * w * 3);
  const coords = new Float64Array(h * w * 2);
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const from = p.flip ? w - 1 - c : c;
      for (let k = 0; k < 3; k++) {
        const srcChannel = pre.colour === 'BGR' ? 2 - k : k;
        out[(r * w + c) * 3 + k] = (transformed[(r * w + from) * 3 + srcChannel] * pre.scale - pre.mean[k]) / pre.std[k];
      }
      coords[(r * w + c) * 2] = coordsT[(r * w + from) * 2];
      coords[(r * w + c) * 2 + 1] = coordsT[(r * w + from) * 2 + 1];
    }
  }
  return { out, coords };
}

export interface ResizeRefResult {
  /** (outH, outW, 3) uint8 */
  out: Uint8Array;
  /** (outH, outW, 3) the float64 value before rounding */
  exact: Float64Array;
}

/** TF resize_bilinear, half_pixel_centers=True, on (H, W, 3) uint8, rounded half up. */
export function resizeBilinear(img: ArrayLike<number>, h: number, w: number, outH: number, outW: number): ResizeRefResult {
  const out = new Uint8Array(outH * outW * 3);
  const exact = new Float64Array(outH * outW * 3);
  const sy = h / outH;
  const sx = w / outW;
  for (let y = 0; y < outH; y++) {
    const iny = (y + 0.5) * sy - 0.5;
    const y0 = Math.max(Math.floor(iny), 0);
    const y1 = Math.min(Math.ceil(iny), h - 1);
    const ly = iny - Math.floor(iny);
    for (let x = 0; x < outW; x++) {
      const inx = (x + 0.5) * sx - 0.5;
      const x0 = Math.max(Math.floor(inx), 0);
      const x1 = Math.min(Math.ceil(inx), w - 1);
      const lx = inx - Math.floor(inx);
      for (let k = 0; k < 3; k++) {
        const tl = img[(y0 * w + x0) * 3 + k];
        const tr = img[(y0 * w + x1) * 3 + k];
        const bl = img[(y1 * w + x0) * 3 + k];
        const br = img[(y1 * w + x1) * 3 + k];
        const top = tl + (tr - tl) * lx;
        const bottom = bl + (br - bl) * lx;
        const v = top + (bottom - top) * ly;
        exact[(y * outW + x) * 3 + k] = v;
        out[(y * outW + x) * 3 + k] = Math.min(255, Math.max(0, Math.floor(v + 0.5)));
      }
    }
  }
  return { out, exact };
}

/** Plain preprocessing of (H, W, 3) 0..255 values (no resampling). */
export function preprocessRef(img: ArrayLike<number>, pre: RefPreprocess): Float64Array {
  const out = new Float64Array(img.length);
  for (let i = 0; i < img.length; i += 3) {
    for (let k = 0; k < 3; k++) out[i + k] = (img[i + (pre.colour === 'BGR' ? 2 - k : k)] * pre.scale - pre.mean[k]) / pre.std[k];
  }
  return out;
}
