// Class activation maps, first half (Zhou et al., CVPR 2016): the low-resolution map of one class is the
// last convolution's feature maps weighted by that class's dense weights, cam[m, y, x] =
// sum_c features[n, y, x, c] * weights[c, class_idx[m]], with n = m / maps_per_image (top-k CAMs: k maps
// per image, class_idx is then (N, k) flattened). The dense bias is left out: it shifts every pixel alike.
// One invocation per low-resolution pixel; the C-long dot product reads one contiguous run of channels (NHWC)
// and a column of the (C, K) weights. The work is tiny (14 x 14 x 512 per map), so no tiling.
// A class index outside [0, K) writes NaN: kernels never read back, so the bad index shows in the result.
// Upsampling to the photo is shaders/cam_upsample.wgsl.

struct Params {
  count: u32,           // maps * pixels
  pixels: u32,          // h * w of the feature maps
  channels: u32,        // C
  classes: u32,         // K
  maps_per_image: u32,  // 1, or k for top-k CAMs
  invalid: f32,         // NaN, written for a bad class index (WGSL has no NaN constant)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> features: array<f32>;   // (N, h, w, C)
@group(0) @binding(2) var<storage, read> weights: array<f32>;    // (C, K)
@group(0) @binding(3) var<storage, read> class_idx: array<i32>;  // (N * maps_per_image)
@group(0) @binding(4) var<storage, read_write> cam: array<f32>;  // (N * maps_per_image, h, w)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let m = i / params.pixels;
  let p = i - m * params.pixels;
  let n = m / params.maps_per_image;
  let k = class_idx[m];
  if (k < 0 || u32(k) >= params.classes) {
    cam[i] = params.invalid;
    return;
  }
  let base = (n * params.pixels + p) * params.channels;
  var acc = 0.0;
  for (var c = 0u; c < params.channels; c++) {
    acc = fma(features[base + c], weights[c * params.classes + u32(k)], acc);
  }
  cam[i] = acc;
}
