// Depthwise 2-D convolution forward (groups = Cin = Cout, one input channel per output: MobileNet's and
// EfficientNet's 3x3 and 5x5 layers), vectorised for a software adapter: each invocation computes 4 channels
// (one vec4) of 4 output pixels along a row. Each input column of the window is loaded once, as a vec4, and serves
// every output pixel whose window covers it; each tap's 4 weights are loaded once per row of taps and serve all 4
// pixels. conv2d_direct.wgsl, one scalar output per invocation, made 18 scalar loads per output; this makes
// (3 * stride + KW) * KH + KW * KH vec4 loads per 16 outputs. Needs C % 4 == 0 and KW <= 8.

struct Params {
  // #include parts/conv_params.wgsl
  count: u32,    // N * OH * ceil(OW / 4) * C / 4 invocations
  hasBias: u32,  // 1: add bias (else the bias binding is any buffer, never read)
  relu: u32,     // 1: max(y, 0)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<vec4f>;     // (N, H, W, C)
@group(0) @binding(2) var<storage, read> w: array<vec4f>;     // (KH, KW, 1, C)
@group(0) @binding(3) var<storage, read> bias: array<vec4f>;  // (C), or any buffer when hasBias == 0
@group(0) @binding(4) var<storage, read_write> y: array<vec4f>; // (N, OH, OW, C)

override WG: u32 = 64u;
// KW == 3 and strideW == 1 (most depthwise layers): the straight-line path that loads each column once.
override THREE_WIDE: bool = false;

// Column iw of an input row, zeros outside the input (padding).
fn column(row: u32, iw: i32, inW: i32, c4: u32, c: u32) -> vec4f {
  if (iw < 0 || iw >= inW) { return vec4f(0.0); }
  return x[(row + u32(iw)) * c4 + c];
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let c4 = params.Cout / 4u;
  let c = i % c4;
  let q = i / c4;
  let quads = (params.OW + 3u) / 4u;
  let ow0 = (q % quads) * 4u;
  let oh = (q / quads) % params.OH;
  let n = q / (quads * params.OH);
  // Four accumulators by name, not an array: llvmpipe keeps a dynamically indexed array in memory.
  var a0 = vec4f(0.0);
  var a1 = vec4f(0.0);
  var a2 = vec4f(0.0);
  var a3 = vec4f(0.0);
  let s = i32(params.strideW);
  let left = i32(ow0 * params.strideW) - i32(params.padLeft);
  let inW = i32(params.W);
  for (var kh = 0u; kh < params.KH; kh++) {
    let ih = i32(oh * params.strideH + kh) - i32(params.padTop);
    if (ih < 0 || ih >= i32(params.H)) { continue; }
    let row = (n * params.H + u32(ih)) * params.W;
    if (THREE_WIDE) {
      // A 3-wide window at stride 1: the 4 pixels read 6 columns, each loaded once.
      let w0 = w[(kh * 3u) * c4 + c];
      let w1 = w[(kh * 3u + 1u) * c4 + c];
      let w2 = w[(kh * 3u + 2u) * c4 + c];
      let x0 = column(row, left, inW, c4, c);
      let x1 = column(row, left + 1, inW, c4, c);
      let x2 = column(row, left + 2, inW, c4, c);
      let x3 = column(row, left + 3, inW, c4, c);
      let x4 = column(row, left + 4, inW, c4, c);
      let x5 = column(row, left + 5, inW, c4, c);
      a0 = fma(x0, w0, fma(x1, w1, fma(x2, w2, a0)));
      a1 = fma(x1, w0, fma(x2, w1, fma(x3, w2, a1)));
      a2 = fma(x2, w0, fma(x3, w1, fma(x4, w2, a2)));
      a3 = fma(x3, w0, fma(x4, w1, fma(x5, w2, a3)));
      continue;
    }
    for (var kw = 0u; kw < params.KW; kw++) {
      let wv = w[(kh * params.KW + kw) * c4 + c];
      let iw = left + i32(kw);
      // Pixel p reads column iw + p * stride; columns outside the input are padding (zeros).
      if (iw >= 0 && iw < inW) { a0 = fma(x[(row + u32(iw)) * c4 + c], wv, a0); }
      if (iw + s >= 0 && iw + s < inW) { a1 = fma(x[(row + u32(iw + s)) * c4 + c], wv, a1); }
      if (iw + 2 * s >= 0 && iw + 2 * s < inW) { a2 = fma(x[(row + u32(iw + 2 * s)) * c4 + c], wv, a2); }
      if (iw + 3 * s >= 0 && iw + 3 * s < inW) { a3 = fma(x[(row + u32(iw + 3 * s)) * c4 + c], wv, a3); }
    }
  }
  let acc = array<vec4f, 4>(a0, a1, a2, a3);
  var b = vec4f(0.0);
  if (params.hasBias != 0u) { b = bias[c]; }
  for (var p = 0u; p < 4u; p++) {
    let ow = ow0 + p;
    if (ow >= params.OW) { break; }
    var v = acc[p] + b;
    if (params.relu != 0u) { v = max(v, vec4f(0.0)); }
    y[((n * params.OH + oh) * params.OW + ow) * c4 + c] = v;
  }
}
