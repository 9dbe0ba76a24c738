// The augmentation warp: one affine transform per image (rotation, shear, zoom about the centre, horizontal
// flip, as Keras 2.0's ImageDataGenerator.random_transform builds them), followed by the preprocessing of the
// network's input (channel order, scale, mean, std). Also serves plain preprocessing (identity transform) and
// resize + preprocessing (a scaling transform with bilinear sampling).
//
// Like scipy.ndimage.affine_transform (which Keras called), the transform maps OUTPUT pixel indices to INPUT
// pixel indices, in (row, col) order:
//   col' = flip ? out_w - 1 - col : col        (Keras flips the transformed image, so the flip comes first here)
//   row_in = t[0] * row + t[1] * col' + t[4]
//   col_in = t[2] * row + t[3] * col' + t[5]
// Sampling: nearest (Keras order=0: index floor(x + 0.5)) or bilinear (override BILINEAR); outside the image the
// nearest edge pixel is used (fill_mode='nearest').
//
// Input (N, in_h, in_w, 3): uint8 packed four to a u32 (INPUT_U8, each image starting at a word boundary,
// image_words_in apart) or f32 bits. Transforms (N, 8) f32: t[0..5] above, t[6] flip (0 or 1), t[7] unused.
// Output (N, out_h, out_w, 3) f32: out[c] = (in[bgr ? 2 - c : c] * scale - mean[c]) * inv_std[c].
// One invocation per output pixel.

struct Params {
  count: u32,          // n * out_h * out_w
  in_h: u32,
  in_w: u32,
  out_h: u32,
  out_w: u32,
  image_words_in: u32,
  bgr: u32,
  scale: f32,
  mean0: f32,
  mean1: f32,
  mean2: f32,
  inv_std0: f32,
  inv_std1: f32,
  inv_std2: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read> transforms: array<f32>;
@group(0) @binding(3) var<storage, read_write> dst: array<f32>;

override WG: u32 = 256u;
override INPUT_U8: bool = true;
override BILINEAR: bool = false;

fn load(image: u32, index: u32) -> f32 {
  let base = image * params.image_words_in;
  if (INPUT_U8) {
    let word = src[base + (index >> 2u)];
    return f32((word >> ((index & 3u) * 8u)) & 255u);
  }
  return bitcast<f32>(src[base + index]);
}

fn pixel(image: u32, y: u32, x: u32) -> vec3f {
  let i = (y * params.in_w + x) * 3u;
  return vec3f(load(image, i), load(image, i + 1u), load(image, i + 2u));
}

fn sample(image: u32, fy: f32, fx: f32) -> vec3f {
  let max_y = f32(params.in_h - 1u);
  let max_x = f32(params.in_w - 1u);
  if (!BILINEAR) {
    let y = u32(clamp(floor(fy + 0.5), 0.0, max_y));
    let x = u32(clamp(floor(fx + 0.5), 0.0, max_x));
    return pixel(image, y, x);
  }
  let cy = clamp(fy, 0.0, max_y);
  let cx = clamp(fx, 0.0, max_x);
  let y0 = u32(floor(cy));
  let x0 = u32(floor(cx));
  let y1 = min(y0 + 1u, params.in_h - 1u);
  let x1 = min(x0 + 1u, params.in_w - 1u);
  let wy = cy - f32(y0);
  let wx = cx - f32(x0);
  let top = mix(pixel(image, y0, x0), pixel(image, y0, x1), wx);
  let bottom = mix(pixel(image, y1, x0), pixel(image, y1, x1), wx);
  return mix(top, bottom, wy);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let per_image = params.out_h * params.out_w;
  let image = i / per_image;
  let p = i - image * per_image;
  let row = p / params.out_w;
  var col = p - row * params.out_w;
  let t = image * 8u;
  if (transforms[t + 6u] > 0.5) { col = params.out_w - 1u - col; }
  let r = f32(row);
  let c = f32(col);
  let fy = transforms[t] * r + transforms[t + 1u] * c + transforms[t + 4u];
  let fx = transforms[t + 2u] * r + transforms[t + 3u] * c + transforms[t + 5u];
  var v = sample(image, fy, fx);
  if (params.bgr != 0u) { v = v.zyx; }
  let mean = vec3f(params.mean0, params.mean1, params.mean2);
  let inv_std = vec3f(params.inv_std0, params.inv_std1, params.inv_std2);
  let o = (v * params.scale - mean) * inv_std;
  dst[i * 3u] = o.x;
  dst[i * 3u + 1u] = o.y;
  dst[i * 3u + 2u] = o.z;
}
