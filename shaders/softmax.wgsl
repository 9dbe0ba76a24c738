// Softmax over the last axis: y[r, :] = exp(x[r, :] - max) / sum(exp(x[r, :] - max)). Subtracting the row
// maximum keeps exp in range for any logits (1000 or -1000 alike). One invocation per row: rows are a batch of
// class scores, short enough that a loop beats a workgroup reduction with barriers on llvmpipe.

struct Params {
  rows: u32,
  cols: u32,
  base: u32,   // element offset of this chunk's first row inside the windows
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = gid.x + gid.y * groups.x * WG;
  if (row >= params.rows) { return; }
  let start = params.base + row * params.cols;
  let end = start + params.cols;
  var m = x[start];
  for (var i = start + 1u; i < end; i++) { m = max(m, x[i]); }
  var s = 0.0;
  for (var i = start; i < end; i++) {
    let e = exp(x[i] - m);
    y[i] = e;
    s += e;
  }
  let inv = 1.0 / s;
  for (var i = start; i < end; i++) { y[i] *= inv; }
}
