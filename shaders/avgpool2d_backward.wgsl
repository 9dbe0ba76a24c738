// Average pooling backward as a gather: each input cell sums dy[o] / divisor(o) over the outputs o whose
// window contains it. Every invocation writes only its own dx element, so overlapping windows need no atomics
// and the summation order (oh, then ow, ascending) is fixed. The divisor is recomputed exactly as
// shaders/avgpool2d.wgsl computes it. One invocation per input element.

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
  countIncludePad: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;        // (N, OH, OW, C)
@group(0) @binding(2) var<storage, read_write> dx: array<f32>;  // (N, H, W, C)

// Workgroup shape: WGC adjacent channels by WGW adjacent input columns (see shaders/avgpool2d.wgsl).
override WGC: u32 = 64u;
override WGW: u32 = 1u;
// True when at most one output covers any input cell along each axis (stride >= kernel, or a single output:
// VGG's 2x2/2 pools, global pooling). That case skips the candidate loops: on llvmpipe the looped version of
// the same work ran about 2x slower (noisy measurement on a loaded 2-core machine).
override ONE_CANDIDATE: bool = false;

// The first output index whose window (start o*S - P, length K) reaches position `at`, i.e. the smallest o
// with o*S - P + K - 1 >= at, and never below 0.
fn firstCovering(at: i32, K: i32, S: i32, P: i32) -> i32 {
  let need = at + P - K + 1;
  if (need <= 0) { return 0; }
  return (need + S - 1) / S;
}

fn divisor(oh: i32, ow: i32) -> f32 {
  let p = params;
  let hs = oh * p.SH - p.PT;
  let ws = ow * p.SW - p.PL;
  if (p.countIncludePad != 0u) {
    return f32((min(hs + p.KH, p.H + p.PB) - hs) * (min(ws + p.KW, p.W + p.PR) - ws));
  }
  return f32((min(hs + p.KH, p.H) - max(hs, 0)) * (min(ws + p.KW, p.W) - max(ws, 0)));
}

// The grid is (channels, input columns, N * H), so the index needs no per-lane integer division to decode.
@compute @workgroup_size(WGC, WGW, 1)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let p = params;
  let c = i32(gid.x);
  let w = i32(gid.y);
  if (c >= p.C || w >= p.W) { return; }
  let row = i32(gid.z);  // n * H + h
  let n = row / p.H;
  let h = row - n * p.H;
  let i = (row * p.W + w) * p.C + c;

  if (ONE_CANDIDATE) {
    // The last output starting at or before (h, w) is the only one that can cover it.
    let oh = min((h + p.PT) / p.SH, p.OH - 1);
    let ow = min((w + p.PL) / p.SW, p.OW - 1);
    var g = 0.0;
    if (h + p.PT - oh * p.SH < p.KH && w + p.PL - ow * p.SW < p.KW) {
      g = dy[((n * p.OH + oh) * p.OW + ow) * p.C + c] / divisor(oh, ow);
    }
    dx[i] = g;
    return;
  }

  // Outputs covering (h, w): o*S - P <= at <= o*S - P + K - 1, within [0, O).
  let oh0 = firstCovering(h, p.KH, p.SH, p.PT);
  let oh1 = min((h + p.PT) / p.SH + 1, p.OH);
  let ow0 = firstCovering(w, p.KW, p.SW, p.PL);
  let ow1 = min((w + p.PL) / p.SW + 1, p.OW);

  var sum = 0.0;
  for (var oh = oh0; oh < oh1; oh++) {
    let dyRow = ((n * p.OH + oh) * p.OW) * p.C + c;
    for (var ow = ow0; ow < ow1; ow++) {
      sum += dy[dyRow + ow * p.C] / divisor(oh, ow);
    }
  }
  dx[i] = sum;
}
