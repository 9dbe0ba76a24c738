// Part of the SGD kernels (sgd.wgsl: one element per invocation; sgd_vec4.wgsl: four), pasted in where they say
// `// #include parts/sgd_main.wgsl` (src/gpu/pipelines.ts): the step itself, over elements of type Elem, LANES
// floats each (both given by the including kernel). params.count counts floats.

struct Params {
  count: u32,
  lr: f32,
  momentum: f32,
  weightDecay: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> p: array<Elem>;
@group(0) @binding(2) var<storage, read> grad: array<Elem>;
@group(0) @binding(3) var<storage, read_write> velocity: array<Elem>;

override WG: u32 = 256u;
override HAS_VELOCITY: bool = true;
override NESTEROV: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i * LANES >= params.count) { return; }
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
