// 2-D convolution gradient with respect to the input, the plain version: one invocation per dx element, any
// shape, no subgroups. Fallback for shapes the fast kernel (conv2d_grad_input.wgsl) does not take, and its
// oracle in tests. dx[n, ih, iw, ci] = sum over taps whose output position oh = (ih + padTop - kh) / strideH is
// whole and in range (same for ow) of dy[n, oh, ow, :] . w[kh, kw, ci, :]. Grouped convolutions (G groups, as in
// conv2d_direct.wgsl): input channel ci of group g = ci / (Cin / G) reaches only that group's Cout / G outputs,
// through its row ci % (Cin / G) of w.

struct Params {
  // #include parts/conv_params.wgsl
  count: u32,    // N * H * W * Cin
  groups: u32,   // G (1: an ordinary convolution)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;       // (N, OH, OW, Cout)
@group(0) @binding(2) var<storage, read> w: array<f32>;        // (KH, KW, Cin / G, Cout)
@group(0) @binding(3) var<storage, read_write> dx: array<f32>; // (N, H, W, Cin)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let ci = i % params.Cin;
  let p = i / params.Cin;
  let iw = p % params.W;
  let ih = (p / params.W) % params.H;
  let n = p / (params.W * params.H);
  let cinG = params.Cin / params.groups;
  let coutG = params.Cout / params.groups;
  let co0 = (ci / cinG) * coutG;  // this group's first output channel
  var sum = 0.0;
  for (var kh = 0u; kh < params.KH; kh++) {
    let ohs = i32(ih + params.padTop) - i32(kh);
    if (ohs < 0 || u32(ohs) % params.strideH != 0u) { continue; }
    let oh = u32(ohs) / params.strideH;
    if (oh >= params.OH) { continue; }
    for (var kw = 0u; kw < params.KW; kw++) {
      let ows = i32(iw + params.padLeft) - i32(kw);
      if (ows < 0 || u32(ows) % params.strideW != 0u) { continue; }
      let ow = u32(ows) / params.strideW;
      if (ow >= params.OW) { continue; }
      let dyBase = ((n * params.OH + oh) * params.OW + ow) * params.Cout;
      let wBase = ((kh * params.KW + kw) * cinG + ci % cinG) * params.Cout;
      for (var co = co0; co < co0 + coutG; co++) {
        sum = fma(dy[dyBase + co], w[wBase + co], sum);
      }
    }
  }
  dx[i] = sum;
}
