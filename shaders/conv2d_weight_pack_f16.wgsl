// Packs conv weights, viewed as a K x C matrix, into an rgba32uint texture of K rows by C / 8 texels, each texel
// eight half-precision weights: the layout conv2d_tex.wgsl reads when its weights are stored as f16. Texel t of row
// k belongs to lane t % 8 of the 64-column block t / 8 and holds that lane's two groups of 4 columns,
//   .xy = w[k, c .. c + 3] and .zw = w[k, c + 32 .. c + 35], c = (t / 8) * 64 + (t % 8) * 4,
// two halves per u32 (pack2x16float), so one texel fetch brings all 8 of a lane's weights for one k.
// Why: on software drivers every texel fetch is a call costing about as much as dozens of FMAs, whatever the texel
// holds, so eight weights per fetch halve the forward's weight fetches; on GPUs it halves the bytes.
// Rounding to f16 loses relative 2^-11 per weight; arithmetic stays f32. Needs C % 64 == 0.
// One invocation per texel.

struct Params {
  width: u32,  // C / 8 texels per row
  count: u32,  // K * width texels
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;  // (K, C)
@group(0) @binding(2) var wTex: texture_storage_2d<rgba32uint, write>;  // (K rows, C / 8 texels)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let t = i % params.width;
  let k = i / params.width;
  let first = (k * params.width * 8u + (t / 8u) * 64u + (t % 8u) * 4u) / 4u;  // vec4 index of w[k, c]
  let lo = w[first];
  let hi = w[first + 8u];  // w[k, c + 32 .. c + 35]
  textureStore(wTex, vec2u(t, k), vec4u(pack2x16float(lo.xy), pack2x16float(lo.zw), pack2x16float(hi.xy), pack2x16float(hi.zw)));
}
