// Clip backward (ReLU6 and the like): dx = dy where the forward output y lay strictly inside (lo, hi), else 0 (the
// input was clipped there, or sat on a bound, where PyTorch's hardtanh also passes nothing). Uses the saved output,
// so the forward input need not be kept. One invocation per element.

struct Params {
  count: u32,
  lo: f32,
  hi: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let v = y[i];
  dx[i] = select(0.0, dy[i], v > params.lo && v < params.hi);
}
