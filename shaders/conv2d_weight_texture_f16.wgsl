// Fills an rgba16float texture with conv weights viewed as a K x C matrix (K rows of C / 4 texels), rounding each
// weight to half precision. The conv kernels that read weights as textures (conv2d_tex.wgsl,
// conv2d_grad_input_tex.wgsl) get f32 values back from textureLoad, so their arithmetic stays f32: only the
// stored weights lose precision (relative 2^-11), and the texture is half the bytes to fetch and keep in cache.
// A copy cannot convert formats, hence a kernel; rgba16float storage textures need no optional feature.
// One invocation per texel.

struct Params {
  width: u32,  // C / 4 texels per row
  count: u32,  // K * width texels
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;  // (K, C)
@group(0) @binding(2) var wTex: texture_storage_2d<rgba16float, write>;  // (K rows, C / 4 texels)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  textureStore(wTex, vec2u(i % params.width, i / params.width), w[i]);
}
