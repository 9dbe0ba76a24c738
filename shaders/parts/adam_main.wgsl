// Part of the Adam kernels (adam.wgsl: one element per invocation; adam_vec4.wgsl: four), pasted in where they say
// `// #include parts/adam_main.wgsl` (src/gpu/pipelines.ts): the step itself, over elements of type Elem, LANES
// floats each (both given by the including kernel). params.count counts floats.

struct Params {
  count: u32,
  lr: f32,
  beta1: f32,
  beta2: f32,
  eps: f32,
  weightDecay: f32,
  stepSize: f32,       // lr / (1 - beta1^t)
  invSqrtBc2: f32,     // 1 / sqrt(1 - beta2^t)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> p: array<Elem>;
@group(0) @binding(2) var<storage, read> grad: array<Elem>;
@group(0) @binding(3) var<storage, read_write> m: array<Elem>;
@group(0) @binding(4) var<storage, read_write> v: array<Elem>;

override WG: u32 = 256u;
override DECOUPLED: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i * LANES >= params.count) { return; }
  var pi = p[i];
  var g = grad[i];
  if (DECOUPLED) {
    pi *= 1.0 - params.lr * params.weightDecay;
  } else {
    g += params.weightDecay * pi;
  }
  let mi = params.beta1 * m[i] + (1.0 - params.beta1) * g;
  let vi = params.beta2 * v[i] + (1.0 - params.beta2) * g * g;
  m[i] = mi;
  v[i] = vi;
  p[i] = pi - params.stepSize * mi / (sqrt(vi) * params.invSqrtBc2 + params.eps);
}
