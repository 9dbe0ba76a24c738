// SGD step in place, as PyTorch's torch.optim.SGD (dampening 0): g = grad + weightDecay * p; with momentum
// v = momentum * v + g (v starts at zero, so the first step gives v = g as in PyTorch); the step is
// g + momentum * v with NESTEROV, else v; p -= lr * step. Without HAS_VELOCITY the step is g.

struct Params {
  count: u32,
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> p: array<f32>;
@group(0) @binding(2) var<storage, read> grad: array<f32>;
@group(0) @binding(3) var<storage, read_write> velocity: array<f32>;

override WG: u32 = 256u;
override HAS_VELOCITY: bool = true;
override NESTEROV: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let pi = p[i];
  let g = grad[i] + params.weightDecay * pi;
  var stepDir = g;
  if (HAS_VELOCITY) {
    let v = params.momentum * velocity[i] + g;
    velocity[i] = v;
    stepDir = select(v, g + params.momentum * v, NESTEROV);
  }
  p[i] = pi - params.lr * stepDir;
}
