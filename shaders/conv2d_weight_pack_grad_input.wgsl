// Packs conv weights w (KH, KW, Cin, Cout) into the blocked rgba32uint texture that conv2d_grad_input_tex.wgsl
// reads. That kernel's octets each own 64 input channels (lane l: ci = b * 64 + l * 4 + 32 g, g < 2, 4 each) and
// run over every tap and output channel; per step of 4 output channels co a lane needs the 4 x 4 blocks
// w[tap, ci + r, co .. co + 3] (r < 4) of both its groups. The texture keeps them in the order the octet reads:
//   texture row  (tap * (Cin / 64) + b) * (Cout / 32) + co / 32, one row per 32 output channels;
//   texel        j * 64 + (g * 4 + r) * 8 + l   (j = (co % 32) / 4), holding the f32 bits of w[tap, ci + r, co .. co + 3],
// so each fetch of the 8 lanes reads 128 contiguous bytes and an octet streams its rows in order, where reading
// the (K, Cout) rows texture took 4 bytes of every lane's rows 2 KB apart. Needs Cin % 64 == 0 and Cout % 32 == 0.
// One invocation per texel.

struct Params {
  Cin: u32,
  Cout: u32,
  count: u32,  // KH * KW * Cin * Cout / 4 texels
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;  // (KH, KW, Cin, Cout)
@group(0) @binding(2) var wTex: texture_storage_2d<rgba32uint, write>;  // (KH * KW * Cin / 64 * Cout / 32 rows, 512 texels)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let x = i % 512u;
  let row = i / 512u;
  let j = x / 64u;
  let g = (x / 32u) % 2u;
  let r = (x / 8u) % 4u;
  let lane = x % 8u;
  let coBlocks = params.Cout / 32u;
  let coBlock = row % coBlocks;
  let b = (row / coBlocks) % (params.Cin / 64u);
  let tap = row / (coBlocks * (params.Cin / 64u));
  let ci = b * 64u + lane * 4u + 32u * g + r;
  let co = coBlock * 32u + 4u * j;
  textureStore(wTex, vec2u(x, row), bitcast<vec4u>(w[((tap * params.Cin + ci) * params.Cout + co) / 4u]));
}
