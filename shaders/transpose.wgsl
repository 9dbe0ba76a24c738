// Strided gather: y[i] = x[offset(i)], where i's coordinates in y's dims (d0..d5, row-major, leading dims 1 when
// the rank is below 6) each step through x by their own stride (s0..s5). A permutation of axes is such a gather
// with x's strides taken in perm order; the ONNX runner uses it for Transpose and for NHWC <-> NCHW.
// One invocation per output element.

struct Params {
  count: u32,
  d0: u32, d1: u32, d2: u32, d3: u32, d4: u32, d5: u32,
  s0: u32, s1: u32, s2: u32, s3: u32, s4: u32, s5: u32,
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
  let strides = array<u32, 6>(params.s0, params.s1, params.s2, params.s3, params.s4, params.s5);
  var rest = i;
  var src = 0u;
  for (var k = 5i; k >= 0i; k--) {
    let d = dims[k];
    src += (rest % d) * strides[k];
    rest /= d;
  }
  y[i] = x[src];
}
