// The per-row terms of a weighted negative log-likelihood, from log-probabilities (rows, classes) and i32 labels
// (rows): loss[r] = -w[label] * logp[r, label] and weight[r] = w[label] (w = 1 without class weights), both 0
// for a row whose label is the ignore index. ONNX SoftmaxCrossEntropyLoss reduces these (sum, or sum of loss
// over sum of weights for 'mean'). Labels were range-checked on the CPU before upload. One invocation per row.

struct Params {
  rows: u32,
  classes: u32,
  ignore_index: i32,
  has_ignore: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logp: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read> class_weight: array<f32>;
@group(0) @binding(4) var<storage, read_write> loss: array<f32>;
@group(0) @binding(5) var<storage, read_write> weight: array<f32>;

override WG: u32 = 64u;
override HAS_WEIGHT: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let r = gid.x + gid.y * groups.x * WG;
  if (r >= params.rows) { return; }
  let label = labels[r];
  if (params.has_ignore == 1u && label == params.ignore_index) {
    loss[r] = 0.0;
    weight[r] = 0.0;
    return;
  }
  let k = u32(clamp(label, 0i, i32(params.classes) - 1i));
  var w = 1.0;
  if (HAS_WEIGHT) { w = class_weight[k]; }
  loss[r] = -w * logp[r * params.classes + k];
  weight[r] = w;
}
