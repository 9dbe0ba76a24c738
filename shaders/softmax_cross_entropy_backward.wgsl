// Fused softmax + cross-entropy backward: dlogits = (probs - onehot(label)) * dloss / N, elementwise, where N is
// the whole batch (the forward loss is a mean) and dloss the upstream gradient of the loss (1 if HAS_DLOSS is
// false). A label outside [0, cols) matches no class: its row gets probs * dloss / N (the forward loss was NaN).

struct Params {
  count: u32,     // elements in this chunk
  cols: u32,
  base: u32,      // element offset of this chunk's first element inside the probs/dlogits windows
  rowBase: u32,   // offset of this chunk's first row inside the labels window
  invN: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> probs: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> dloss: array<f32>;
@group(0) @binding(4) var<storage, read_write> dlogits: array<f32>;

override WG: u32 = 64u;
override HAS_DLOSS: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let row = i / params.cols;
  let col = i % params.cols;
  var g = params.invN;
  if (HAS_DLOSS) { g *= dloss[0]; }
  let hit = labels[params.rowBase + row] == i32(col);
  dlogits[params.base + i] = (probs[params.base + i] - select(0.0, 1.0, hit)) * g;
}
