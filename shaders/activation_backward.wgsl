// Backward of the activations beyond ReLU in MobileNets and EfficientNets, one pipeline per OP:
//  0 sigmoid:       dx = dy * y * (1 - y), from the saved output y
//  1 hard sigmoid:  dx = dy * alpha where the output y lies strictly inside (0, 1), else 0, from y
//  2 hard swish:    y = x * clamp(x / 6 + 1/2, 0, 1), dx = dy * (0 below -3, 1 above 3, x / 3 + 1/2 between), from
//                   the saved input x (y does not determine x: hard swish is not monotonic below -1.5)
//  3 clip (ReLU6):  dx = dy where the output y lies strictly inside (lo, hi), else 0 (the input was clipped there, or
//                   sat on a bound, where PyTorch's hardtanh also passes nothing), from y
// One invocation per element.

struct Params {
  count: u32,
  alpha: f32,
  lo: f32,
  hi: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> v: array<f32>;  // y, or x for hard swish
@group(0) @binding(2) var<storage, read> dy: array<f32>;
@group(0) @binding(3) var<storage, read_write> dx: array<f32>;

override WG: u32 = 256u;
override OP: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let s = v[i];
  var slope: f32;
  switch OP {
    case 0u: { slope = s * (1.0 - s); }
    case 1u: { slope = select(0.0, params.alpha, s > 0.0 && s < 1.0); }
    case 3u: { slope = select(0.0, 1.0, s > params.lo && s < params.hi); }
    default: { slope = select(select(s / 3.0 + 0.5, 1.0, s > 3.0), 0.0, s < -3.0); }
  }
  dx[i] = dy[i] * slope;
}
