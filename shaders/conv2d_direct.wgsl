// 2-D convolution forward, the plain version: one invocation per output element, any shape (no channel-count
// restrictions, no subgroups). It is the fallback when the fast kernels' conditions do not hold and the oracle
// the fast kernels are compared with in tests. It also runs grouped convolutions (the ONNX runner's Conv with
// group > 1; depthwise when each group has one input channel): the Cin input and Cout output channels split into
// G groups, and output channel co reads only the Cin / G input channels of its group co / (Cout / G).

struct Params {
  // #include parts/conv_params.wgsl
  count: u32,    // N * OH * OW * Cout
  hasBias: u32,  // 1: add bias (else the bias binding is any buffer, never read)
  relu: u32,     // 1: max(y, 0)
  groups: u32,   // G (1: an ordinary convolution); Cin and Cout are multiples of it
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;     // (N, H, W, Cin)
@group(0) @binding(2) var<storage, read> w: array<f32>;     // (KH, KW, Cin / G, Cout)
@group(0) @binding(3) var<storage, read> bias: array<f32>;  // (Cout), or any buffer when hasBias == 0
@group(0) @binding(4) var<storage, read_write> y: array<f32>; // (N, OH, OW, Cout)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let co = i % params.Cout;
  let p = i / params.Cout;
  let ow = p % params.OW;
  let oh = (p / params.OW) % params.OH;
  let n = p / (params.OW * params.OH);
  let cinG = params.Cin / params.groups;
  let c0 = (co / (params.Cout / params.groups)) * cinG;  // this group's first input channel
  var sum = 0.0;
  for (var kh = 0u; kh < params.KH; kh++) {
    let ih = i32(oh * params.strideH + kh) - i32(params.padTop);
    if (ih < 0 || ih >= i32(params.H)) { continue; }
    for (var kw = 0u; kw < params.KW; kw++) {
      let iw = i32(ow * params.strideW + kw) - i32(params.padLeft);
      if (iw < 0 || iw >= i32(params.W)) { continue; }
      let xBase = ((n * params.H + u32(ih)) * params.W + u32(iw)) * params.Cin + c0;
      let wBase = (kh * params.KW + kw) * cinG * params.Cout + co;
      for (var ci = 0u; ci < cinG; ci++) {
        sum = fma(x[xBase + ci], w[wBase + ci * params.Cout], sum);
      }
    }
  }
  if (params.hasBias != 0u) { sum += bias[co]; }
  if (params.relu != 0u) { sum = max(sum, 0.0); }
  y[i] = sum;
}
