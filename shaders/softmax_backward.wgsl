// Softmax backward from the forward output y, per row: dx = y * (dy - sum(dy * y)). One invocation per row.

struct Params {
  rows: u32,
  cols: u32,
  base: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> y: array<f32>;
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = gid.x + gid.y * groups.x * WG;
  if (row >= params.rows) { return; }
  let start = params.base + row * params.cols;
  let end = start + params.cols;
  var dot = 0.0;
  for (var i = start; i < end; i++) { dot += dy[i] * y[i]; }
  for (var i = start; i < end; i++) { dx[i] = y[i] * (dy[i] - dot); }
}
