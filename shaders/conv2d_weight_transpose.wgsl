// Swaps the last two axes of conv weights: wT[kh, kw, co, ci] = w[kh, kw, ci, co]. The gradient with respect to
// the input reads the weights with input channels innermost (conv2d_grad_input.wgsl), so one vec4 load brings a
// lane's 4 input channels. Weights are small next to activations; one invocation per element.

struct Params {
  taps: u32,   // KH * KW
  Cin: u32,
  Cout: u32,
  count: u32,  // taps * Cin * Cout
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;         // (KH, KW, Cin, Cout)
@group(0) @binding(2) var<storage, read_write> wT: array<f32>;  // (KH, KW, Cout, Cin)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  // i indexes wT: (tap, co, ci)
  let ci = i % params.Cin;
  let t = i / params.Cin;
  let co = t % params.Cout;
  let tap = t / params.Cout;
  wT[i] = w[(tap * params.Cin + ci) * params.Cout + co];
}
