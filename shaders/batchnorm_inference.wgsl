// Batch normalisation with running statistics (inference): y = (x - mean[c]) * gamma[c] / sqrt(var[c] + eps)
// + beta[c]. The channel of element i is (i / inner) % channels: inner = 1 for NHWC (channels last), H*W for
// NCHW. Tensors past one storage binding run in chunks: x and y are bound as windows starting at element
// `start`, the per-channel vectors whole. One invocation per element of the chunk.

struct Params {
  count: u32,
  start: u32,
  channels: u32,
  inner: u32,
  epsilon: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read> gamma: array<f32>;
@group(0) @binding(3) var<storage, read> beta: array<f32>;
@group(0) @binding(4) var<storage, read> mean: array<f32>;
@group(0) @binding(5) var<storage, read> variance: array<f32>;
@group(0) @binding(6) var<storage, read_write> y: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let c = ((params.start + i) / params.inner) % params.channels;
  y[i] = (x[i] - mean[c]) * (gamma[c] / sqrt(variance[c] + params.epsilon)) + beta[c];
}
