// Bilinear resize of uint8 RGB images, bytes in and bytes out (both packed four to a u32, little-endian), for
// the decoded-photo cache. Half-pixel centres (TF resize with half_pixel_centers=True, align_corners=False;
// PIL's BILINEAR when enlarging): the output pixel centre (o + 0.5) maps to input coordinate
// (o + 0.5) * in / out - 0.5, clamped to [0, in - 1]. No antialiasing filter when shrinking (as TF's default).
// Results are rounded half up to the nearest integer.
//
// Images are (N, H, W, 3); each image starts at a word boundary (imageWordsIn / imageWordsOut apart), so one
// output buffer can hold several resized images of one size. One invocation writes one output word: four
// consecutive bytes, which may belong to two pixels.

struct Params {
  count: u32,          // output words to write: n * imageWordsOut
  in_h: u32,
  in_w: u32,
  out_h: u32,
  out_w: u32,
  image_words_in: u32,
  image_words_out: u32,
  scale_y: f32,        // in_h / out_h
  scale_x: f32,        // in_w / out_w
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> src: array<u32>;
@group(0) @binding(2) var<storage, read_write> dst: array<u32>;

override WG: u32 = 256u;

fn load_byte(image: u32, byte_index: u32) -> f32 {
  let word = src[image * params.image_words_in + (byte_index >> 2u)];
  return f32((word >> ((byte_index & 3u) * 8u)) & 255u);
}

fn sample(image: u32, oy: u32, ox: u32, c: u32) -> u32 {
  let fy = clamp((f32(oy) + 0.5) * params.scale_y - 0.5, 0.0, f32(params.in_h - 1u));
  let fx = clamp((f32(ox) + 0.5) * params.scale_x - 0.5, 0.0, f32(params.in_w - 1u));
  let y0 = u32(floor(fy));
  let x0 = u32(floor(fx));
  let y1 = min(y0 + 1u, params.in_h - 1u);
  let x1 = min(x0 + 1u, params.in_w - 1u);
  let wy = fy - f32(y0);
  let wx = fx - f32(x0);
  let row = params.in_w * 3u;
  let top = mix(load_byte(image, y0 * row + x0 * 3u + c), load_byte(image, y0 * row + x1 * 3u + c), wx);
  let bottom = mix(load_byte(image, y1 * row + x0 * 3u + c), load_byte(image, y1 * row + x1 * 3u + c), wx);
  let v = mix(top, bottom, wy);
  return u32(clamp(floor(v + 0.5), 0.0, 255.0));
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let image = i / params.image_words_out;
  let first = (i - image * params.image_words_out) * 4u;
  let bytes = params.out_h * params.out_w * 3u;
  var word = 0u;
  for (var k = 0u; k < 4u; k++) {
    let b = first + k;
    if (b < bytes) {
      let pixel = b / 3u;
      let c = b - pixel * 3u;
      let oy = pixel / params.out_w;
      let ox = pixel - oy * params.out_w;
      word = word | (sample(image, oy, ox, c) << (k * 8u));
    }
  }
  dst[i] = word;
}
