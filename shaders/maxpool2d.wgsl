// Max pooling forward, NHWC: y[n,oh,ow,c] = max over the window's cells that lie inside the input, and
// argmax[n,oh,ow,c] = the flat NHWC index into the whole x of that maximum (saved so the backward need not rescan;
// a dispatch may cover a chunk of the batch, whose first element sits at params.base in x).
// Padding cells are never candidates: the window's row and column ranges are clamped to the input, and the
// first valid cell seeds the maximum, so no stand-in for -infinity is needed. Ties keep the first maximum in
// scan order (kh, then kw), as ONNX and PyTorch do. The host guarantees every window holds a valid cell
// (each pad < kernel). One invocation per output element; adjacent lanes read adjacent channels.

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
  base: i32,  // flat index in the whole x of this dispatch's first element (src/kernels/pool.ts chunks batches)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;             // (N, H, W, C)
@group(0) @binding(2) var<storage, read_write> y: array<f32>;       // (N, OH, OW, C)
@group(0) @binding(3) var<storage, read_write> argmax: array<i32>;  // (N, OH, OW, C), or one dummy word

// Workgroup shape: WGC adjacent channels by WGW adjacent output columns (WGC * WGW = 64; WGC < 64 only for
// inputs with few channels, so that lanes are not left idle).
override WGC: u32 = 64u;
override WGW: u32 = 1u;
// False when the caller does not need the indices (inference): the binding is then a dummy word.
override SAVE_ARGMAX: bool = true;

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

  var best = 0.0;
  var bestIndex = -1;
  var found = false;
  for (var h = h0; h < h1; h++) {
    let row = ((n * p.H + h) * p.W) * p.C + c;
    for (var w = w0; w < w1; w++) {
      let idx = row + w * p.C;
      let v = x[idx];
      if (!found || v > best) {
        best = v;
        bestIndex = idx;
        found = true;
      }
    }
  }
  y[i] = best;
  if (SAVE_ARGMAX) {
    argmax[i] = bestIndex + p.base;
  }
}
