// Layer normalization over each row (the trailing axes from ONNX LayerNormalization's axis, flattened):
//   y[r, :] = (x[r, :] - mean_r) / sqrt(var_r + epsilon) * scale + bias,
// with var the biased variance, computed in two passes (mean, then squared deviations) of the values less the row's
// first, so that rows far from zero lose no precision. mean_r and 1 / sqrt(var_r + epsilon) are stored too (ONNX's optional Mean and InvStdDev).
// One invocation per row: rows are a pixel's channels (a few hundred), short enough that a loop beats a
// workgroup reduction with barriers on llvmpipe.

struct Params {
  rows: u32,
  cols: u32,
  base: u32,       // element offset of this chunk's first row inside the x and y windows
  statsBase: u32,  // the same row's offset inside the mean and invStd windows
  epsilon: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> scale: array<f32>;  // (cols)
@group(0) @binding(3) var<storage, read> bias: array<f32>;   // (cols), read only when HAS_BIAS
@group(0) @binding(4) var<storage, read_write> y: array<f32>;
@group(0) @binding(5) var<storage, read_write> mean: array<f32>;    // (rows)
@group(0) @binding(6) var<storage, read_write> invStd: array<f32>;  // (rows)

override WG: u32 = 64u;
override HAS_BIAS: bool = true;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let row = gid.x + gid.y * groups.x * WG;
  if (row >= params.rows) { return; }
  let start = params.base + row * params.cols;
  // Deviations from the row's first element: a row far from zero (values near 1000, spread 1) keeps its digits,
  // as x - x0 is exact there and the sums stay small.
  let x0 = x[start];
  var s = 0.0;
  for (var i = 0u; i < params.cols; i++) { s += x[start + i] - x0; }
  let shift = s / f32(params.cols);
  var q = 0.0;
  for (var i = 0u; i < params.cols; i++) {
    let d = (x[start + i] - x0) - shift;
    q += d * d;
  }
  let inv = inverseSqrt(q / f32(params.cols) + params.epsilon);
  for (var i = 0u; i < params.cols; i++) {
    var v = ((x[start + i] - x0) - shift) * inv * scale[i];
    if (HAS_BIAS) { v += bias[i]; }
    y[start + i] = v;
  }
  let m = x0 + shift;
  mean[params.statsBase + row] = m;
  invStd[params.statsBase + row] = inv;
}
