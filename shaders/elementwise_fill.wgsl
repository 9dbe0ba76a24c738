// Sets every element to one value (as raw bits, so f32, i32 and u32 tensors are all filled exactly).
// One invocation per element.

struct Params {
  count: u32,
  bits: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> t: array<u32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  t[i] = params.bits;
}
