// Class activation maps, second half: bilinear upsampling of low-resolution maps (M, h, w) to (outH, outW),
// with half-pixel centres as shaders/resize_bilinear.wgsl (TF's half_pixel_centers=True, PIL's BILINEAR when
// enlarging): output pixel centre (o + 0.5) samples input coordinate (o + 0.5) * in / out - 0.5, clamped to
// [0, in - 1], so the border cells stretch flat to the image edge and a non-integer factor (a 14x14 map on a
// 500x375 photo) is handled exactly. Raw values in, raw values out: normalising is the overlay's business.
// Maps first .. first + count - 1 are upsampled, so each photo of a batch can go to its own size.

struct Params {
  count: u32,   // maps * out_h * out_w
  in_h: u32,
  in_w: u32,
  out_h: u32,
  out_w: u32,
  first: u32,   // first map of the range
  scale_y: f32, // in_h / out_h
  scale_x: f32, // in_w / out_w
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> maps: array<f32>;       // (M, in_h, in_w)
@group(0) @binding(2) var<storage, read_write> out: array<f32>;  // (count, out_h, out_w)

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let plane = params.out_h * params.out_w;
  let m = i / plane;
  let p = i - m * plane;
  let oy = p / params.out_w;
  let ox = p - oy * params.out_w;
  let fy = clamp((f32(oy) + 0.5) * params.scale_y - 0.5, 0.0, f32(params.in_h - 1u));
  let fx = clamp((f32(ox) + 0.5) * params.scale_x - 0.5, 0.0, f32(params.in_w - 1u));
  let y0 = u32(floor(fy));
  let x0 = u32(floor(fx));
  let y1 = min(y0 + 1u, params.in_h - 1u);
  let x1 = min(x0 + 1u, params.in_w - 1u);
  let wy = fy - f32(y0);
  let wx = fx - f32(x0);
  let base = (params.first + m) * params.in_h * params.in_w;
  let top = mix(maps[base + y0 * params.in_w + x0], maps[base + y0 * params.in_w + x1], wx);
  let bottom = mix(maps[base + y1 * params.in_w + x0], maps[base + y1 * params.in_w + x1], wx);
  out[i] = mix(top, bottom, wy);
}
