// Global average pooling, 4 channels per invocation: y (N, C) is the mean of x (N, H, W, C) over each channel's
// plane, summed in the plane's row-major order (as avgpool2d.wgsl sums a whole-plane window, so the two agree
// bit for bit). avgpool2d.wgsl runs one scalar channel per invocation; on llvmpipe a vec4 load costs far less than
// four scalar ones (npm run bench:loads), and a top model on cached VGG19 or ResNet50 features spends most of its
// step here. Needs C % 4 == 0; src/kernels/pool.ts sends other inputs to avgpool2d.wgsl.
// Grid: (ceil(C / 4 / WG), N) workgroups.

struct Params {
  plane: u32,  // H * W
  c4: u32,     // C / 4
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;        // (N, H, W, C / 4)
@group(0) @binding(2) var<storage, read_write> y: array<vec4f>;  // (N, C / 4)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let c4 = gid.x;
  let n = gid.y;
  if (c4 >= params.c4) { return; }
  var at = n * params.plane * params.c4 + c4;
  var sum = vec4f(0.0);
  for (var p = 0u; p < params.plane; p++) {
    sum += x[at];
    at += params.c4;
  }
  y[n * params.c4 + c4] = sum / f32(params.plane);
}
