// Average pooling forward, NHWC: y[n,oh,ow,c] = sum of the window's cells inside the input / divisor.
// The divisor follows ONNX and PyTorch: with countIncludePad, the window's cells inside the padded input
// (so a ceil-mode window running past the bottom/right padding counts only its part inside H+pb, W+pr);
// without it, only the cells inside the real input. One invocation per output element.

struct Params {
  H: i32,
  W: i32,
  C: i32,
  OH: i32,
  OW: i32,
  KH: i32,
  KW: i32,
  SH: i32,
  SW: i32,
  PT: i32,
  PL: i32,
  PB: i32,
  PR: i32,
  countIncludePad: u32,  // 1: divide by cells inside the padded input, 0: by cells inside the input
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;        // (N, H, W, C)
@group(0) @binding(2) var<storage, read_write> y: array<f32>;  // (N, OH, OW, C)

// Workgroup shape: WGC adjacent channels by WGW adjacent output columns (WGC * WGW = 64; WGC < 64 only for
// inputs with few channels, so that lanes are not left idle).
override WGC: u32 = 64u;
override WGW: u32 = 1u;

// The grid is (channels, output columns, N * OH): integer division has no vector instruction on the CPU
// drivers this runs on, so the index is not decoded from a flat id; only z is split, once per invocation.
@compute @workgroup_size(WGC, WGW, 1)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let p = params;
  let c = i32(gid.x);
  let ow = i32(gid.y);
  if (c >= p.C || ow >= p.OW) { return; }
  let row = i32(gid.z);  // n * OH + oh
  let n = row / p.OH;
  let oh = row - n * p.OH;
  let i = (row * p.OW + ow) * p.C + c;

  let hs = oh * p.SH - p.PT;
  let ws = ow * p.SW - p.PL;
  let h0 = max(hs, 0);
  let h1 = min(hs + p.KH, p.H);
  let w0 = max(ws, 0);
  let w1 = min(ws + p.KW, p.W);

  var sum = 0.0;
  for (var h = h0; h < h1; h++) {
    let row = ((n * p.H + h) * p.W) * p.C + c;
    for (var w = w0; w < w1; w++) {
      sum += x[row + w * p.C];
    }
  }
  var cells = (h1 - h0) * (w1 - w0);
  if (p.countIncludePad != 0u) {
    cells = (min(hs + p.KH, p.H + p.PB) - hs) * (min(ws + p.KW, p.W + p.PR) - ws);
  }
  y[i] = sum / f32(cells);
}
