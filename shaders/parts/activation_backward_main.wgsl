// Part of the activation backward kernels (activation_backward.wgsl: one element per invocation;
// activation_backward_vec4.wgsl: four), pasted in where they say `// #include parts/activation_backward_main.wgsl`
// (src/gpu/pipelines.ts): the rules (described in activation_backward.wgsl) over elements of type Elem, LANES floats
// each. params.count counts floats.

struct Params {
  count: u32,
  alpha: f32,
  lo: f32,
  hi: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> v: array<Elem>;  // y, or x for hard swish
@group(0) @binding(2) var<storage, read> dy: array<Elem>;
@group(0) @binding(3) var<storage, read_write> dx: array<Elem>;

override WG: u32 = 256u;
override OP: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i * LANES >= params.count) { return; }
  let s = v[i];
  var slope: Elem;
  switch OP {
    case 0u: { slope = s * (Elem(1.0) - s); }
    case 1u: { slope = select(Elem(0.0), Elem(params.alpha), (s > Elem(0.0)) & (s < Elem(1.0))); }
    case 3u: { slope = select(Elem(0.0), Elem(1.0), (s > Elem(params.lo)) & (s < Elem(params.hi))); }
    default: { slope = select(select(s / 3.0 + 0.5, Elem(1.0), s > Elem(3.0)), Elem(0.0), s < Elem(-3.0)); }
  }
  dx[i] = dy[i] * slope;
}
