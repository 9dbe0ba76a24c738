// Inverted dropout, training: mask = 1/(1-rate) where kept, else 0; y = x * mask. Whether element i is kept
// comes from a counter-based hash of (seed, i) (PCG output function), so a seed gives the same mask on any
// device and in any chunking, with no random state to carry between dispatches. Kept when the hash is at least
// threshold = rate * 2^32.

struct Params {
  count: u32,
  first: u32,      // global index of this chunk's first element (the hash counter)
  seed: u32,
  threshold: u32,
  keepScale: f32,  // 1 / (1 - rate)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<storage, read_write> mask: array<f32>;

override WG: u32 = 256u;

// PCG-RXS-M-XS hash (Jarzynski and Olano, "Hash Functions for GPU Rendering", 2020).
fn pcg(v: u32) -> u32 {
  let state = v * 747796405u + 2891336453u;
  let word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let h = pcg(pcg(params.first + i) ^ pcg(params.seed ^ 0x9e3779b9u));
  let m = select(0.0, params.keepScale, h >= params.threshold);
  mask[i] = m;
  y[i] = x[i] * m;
}
