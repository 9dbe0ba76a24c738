// The adapter's arithmetic ceiling: each invocation runs `iterations` rounds of 8 independent vec4 FMA chains
// (64 FLOPs per round) with no memory traffic, then writes one value so the compiler cannot drop the loop.
// On llvmpipe an invocation is a lane of an 8-wide AVX2 register and a vec4 FMA is four vector FMAs, so eight
// chains give the two FMA units enough independent work to hide their latency.

struct Params {
  iterations: u32,
  seed: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read_write> sink: array<vec4<f32>>;

override WG: u32 = 64;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  let index = gid.x + gid.y * groups.x * WG;
  let s = params.seed + f32(index) * 1e-9;
  var a0 = vec4<f32>(s, s + 0.1, s + 0.2, s + 0.3);
  var a1 = a0 + 0.01;
  var a2 = a0 + 0.02;
  var a3 = a0 + 0.03;
  var a4 = a0 + 0.04;
  var a5 = a0 + 0.05;
  var a6 = a0 + 0.06;
  var a7 = a0 + 0.07;
  let m = vec4<f32>(0.9999);
  let c = vec4<f32>(1e-4);
  for (var i = 0u; i < params.iterations; i++) {
    a0 = fma(a0, m, c);
    a1 = fma(a1, m, c);
    a2 = fma(a2, m, c);
    a3 = fma(a3, m, c);
    a4 = fma(a4, m, c);
    a5 = fma(a5, m, c);
    a6 = fma(a6, m, c);
    a7 = fma(a7, m, c);
  }
  sink[index] = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7));
}
