// 2-D convolution gradient with respect to the weights, the plain version: one invocation per dw element,
// summing x (at the tap) * dy over the batch and every output pixel. Any shape, no subgroups. Fallback for the
// fast kernel (conv2d_grad_weight.wgsl) and its oracle in tests. Grouped convolutions (G groups, as in
// conv2d_direct.wgsl): dw's row ci of output channel co reads input channel (co / (Cout / G)) * (Cin / G) + ci.

struct Params {
  // #include parts/conv_params.wgsl
  N: u32,
  count: u32,    // KH * KW * (Cin / G) * Cout
  groups: u32,   // G (1: an ordinary convolution)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // (N, H, W, Cin)
@group(0) @binding(2) var<storage, read> dy: array<f32>;       // (N, OH, OW, Cout)
@group(0) @binding(3) var<storage, read_write> dw: array<f32>; // (KH, KW, Cin / G, Cout)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let co = i % params.Cout;
  let t = i / params.Cout;
  let cinG = params.Cin / params.groups;
  let ci = t % cinG;
  let tap = t / cinG;
  let cx = (co / (params.Cout / params.groups)) * cinG + ci;  // the input channel this row reads
  let kw = tap % params.KW;
  let kh = tap / params.KW;
  var sum = 0.0;
  for (var n = 0u; n < params.N; n++) {
    for (var oh = 0u; oh < params.OH; oh++) {
      let ih = i32(oh * params.strideH + kh) - i32(params.padTop);
      if (ih < 0 || ih >= i32(params.H)) { continue; }
      for (var ow = 0u; ow < params.OW; ow++) {
        let iw = i32(ow * params.strideW + kw) - i32(params.padLeft);
        if (iw < 0 || iw >= i32(params.W)) { continue; }
        let xv = x[((n * params.H + u32(ih)) * params.W + u32(iw)) * params.Cin + cx];
        sum = fma(xv, dy[((n * params.OH + oh) * params.OW + ow) * params.Cout + co], sum);
      }
    }
  }
  dw[i] = sum;
}
