// One input of a concatenation: x is copied into its place in y, y[base + sum_k c_k * t_k] = x[c] for every
// coordinate c of x (dims d0..d5, leading dims 1 below rank 6), where t_k are y's strides and base is where x's
// element 0 lands (its offset along the concatenated axis times that axis's stride). One invocation per element
// of x; each input of the concatenation is one dispatch.

struct Params {
  count: u32,
  d0: u32, d1: u32, d2: u32, d3: u32, d4: u32, d5: u32,
  t0: u32, t1: u32, t2: u32, t3: u32, t4: u32, t5: u32,
  base: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let dims = array<u32, 6>(params.d0, params.d1, params.d2, params.d3, params.d4, params.d5);
  let strides = array<u32, 6>(params.t0, params.t1, params.t2, params.t3, params.t4, params.t5);
  var rest = i;
  var dst = params.base;
  for (var k = 5i; k >= 0i; k--) {
    let d = dims[k];
    dst += (rest % d) * strides[k];
    rest /= d;
  }
  y[dst] = x[i];
}
