// Max pooling backward: dx[argmax[o]] += dy[o] for every output o, for the pooling of shaders/maxpool2d.wgsl
// (also the global max pool, whose window is the whole plane).
//
// Overlapping windows (stride < kernel) can route several outputs to the same input, so a parallel scatter
// would race, and WGSL has no float atomics. An output's argmax always lies in its own (n, c) plane, so one
// invocation owns one plane: it zeroes the plane of dx, then adds its outputs' gradients in row-major output
// order. No races, no atomics, and the summation order is fixed, so results are deterministic. This needs no
// pooling geometry either: the saved indices say everything. The indices must come from maxpool2d over an
// input of dx's shape; one outside image n (which the forward never writes) is ignored, not written.

struct Params {
  C: u32,
  HW: u32,      // H * W of the input
  OHW: u32,     // OH * OW of the output
  base: u32,    // flat index in the whole x of this dispatch's first element (src/kernels/pool.ts chunks batches)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<f32>;           // (N, OH, OW, C)
@group(0) @binding(2) var<storage, read> argmax: array<i32>;       // (N, OH, OW, C), flat NHWC indices into the whole x
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;     // (N, H, W, C)

override WG: u32 = 64u;

// The grid is (channels, N): lanes own adjacent channels of one image.
@compute @workgroup_size(WG, 1, 1)
fn main(@builtin(global_invocation_id) gid: vec3u) {
  let C = params.C;
  let c = gid.x;
  if (c >= C) { return; }
  let n = gid.y;
  let planeSize = params.HW * C;
  let inBase = n * planeSize;         // first element of image n in dx
  let outBase = n * params.OHW * C;   // first element of image n in dy

  for (var q = 0u; q < params.HW; q++) {
    dx[inBase + q * C + c] = 0.0;
  }
  for (var q = 0u; q < params.OHW; q++) {
    let o = outBase + q * C + c;
    // The saved index into the whole x, made relative to this dispatch's chunk (negative: before the chunk).
    let a = argmax[o] - i32(params.base);
    if (a >= 0 && u32(a) - inBase < planeSize) {
      dx[u32(a)] += dy[o];
    }
  }
}
