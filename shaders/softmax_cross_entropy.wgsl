// Fused softmax + cross-entropy, per row n: probs[n, :] = softmax(logits[n, :]) and
// rowLoss[n] = -log softmax(logits[n, :])[label_n] = log(sum(exp(x - max))) - (x[label] - max), which stays
// finite for any logits (no log of a probability that rounded to 0). The mean over rows is a separate pass.
//
// A label outside [0, cols) is never used as an index (it is clamped for the read) and makes that row's loss
// NaN, so a bad label surfaces as a non-finite loss instead of a silent wrong number or an out-of-bounds read.

struct Params {
  rows: u32,
  cols: u32,
  base: u32,    // element offset of this chunk's first row inside the logits/probs windows
  rowBase: u32, // element offset of this chunk's first row inside the labels/rowLoss windows
  nanBits: u32, // 0x7fc00000, a quiet NaN: WGSL rejects NaN as a constant in the shader text
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> logits: array<f32>;
@group(0) @binding(2) var<storage, read> labels: array<i32>;
@group(0) @binding(3) var<storage, read_write> probs: array<f32>;
@group(0) @binding(4) var<storage, read_write> rowLoss: array<f32>;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = gid.x + gid.y * groups.x * WG;
  if (row >= params.rows) { return; }
  let start = params.base + row * params.cols;
  let end = start + params.cols;
  var m = logits[start];
  for (var i = start + 1u; i < end; i++) { m = max(m, logits[i]); }
  var s = 0.0;
  for (var i = start; i < end; i++) {
    let e = exp(logits[i] - m);
    probs[i] = e;
    s += e;
  }
  let inv = 1.0 / s;
  for (var i = start; i < end; i++) { probs[i] *= inv; }

  let label = labels[params.rowBase + row];
  let valid = label >= 0 && u32(label) < params.cols;
  let picked = logits[start + select(0u, u32(label), valid)];
  rowLoss[params.rowBase + row] = select(bitcast<f32>(params.nanBits), log(s) - (picked - m), valid);
}
