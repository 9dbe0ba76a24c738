// Pad (or crop) a tensor of rank up to 6: y[o] = x[i] with i_k = o_k - b_k on every axis k (leading dims 1 when the
// rank is below 6), where b_k is the number of elements added before axis k (negative: removed). Where i_k falls
// outside x's dim n_k, MODE decides: 0 constant (y = value), 1 edge (i_k clamped into x), 2 reflect (i_k mirrored
// about the edge element without repeating it, as numpy's 'reflect'; the host keeps pads below n_k, so one mirror
// suffices). One invocation per output element.

struct Params {
  count: u32,
  mode: u32,
  value: f32,
  d0: u32, d1: u32, d2: u32, d3: u32, d4: u32, d5: u32,  // y's dims
  n0: u32, n1: u32, n2: u32, n3: u32, n4: u32, n5: u32,  // x's dims
  s0: u32, s1: u32, s2: u32, s3: u32, s4: u32, s5: u32,  // x's strides
  b0: i32, b1: i32, b2: i32, b3: i32, b4: i32, b5: i32,  // elements added before each axis
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let o = gid.x + gid.y * groups.x * WG;
  if (o >= params.count) { return; }
  let dims = array<u32, 6>(params.d0, params.d1, params.d2, params.d3, params.d4, params.d5);
  let sizes = array<i32, 6>(i32(params.n0), i32(params.n1), i32(params.n2), i32(params.n3), i32(params.n4), i32(params.n5));
  let strides = array<u32, 6>(params.s0, params.s1, params.s2, params.s3, params.s4, params.s5);
  let begins = array<i32, 6>(params.b0, params.b1, params.b2, params.b3, params.b4, params.b5);
  var rest = o;
  var src = 0u;
  var inside = true;
  for (var k = 5i; k >= 0i; k--) {
    let d = dims[k];
    let n = sizes[k];
    var i = i32(rest % d) - begins[k];
    rest /= d;
    if (params.mode == 1u) {
      i = clamp(i, 0i, n - 1i);
    } else if (params.mode == 2u) {
      if (i < 0i) { i = -i; }
      if (i >= n) { i = 2i * (n - 1i) - i; }
    } else if (i < 0i || i >= n) {
      inside = false;
      i = 0i;
    }
    src += u32(i) * strides[k];
  }
  y[o] = select(params.value, x[src], inside);
}
