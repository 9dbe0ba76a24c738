// The adapter's arithmetic ceiling: each invocation runs `iterations` rounds of 4 independent vec4 FMA chains,
// each advanced by 4 nested FMAs per round (128 FLOPs per round), with no memory traffic, then writes one value
// so the compiler cannot drop the loop.
// Why this shape (measured on llvmpipe, where an invocation is a lane of an 8-wide AVX2 register and a vec4 FMA is
// four vector FMAs): a variable assigned inside a loop is written through the execution mask (a blend per
// assignment), so one FMA per assignment spends half the issue slots on blends; nesting 4 FMAs per assignment
// amortises that. Four vec4 chains are 16 vector registers, all AVX2 has: eight chains (the first version) spilled
// and measured 55-62 GFLOPS against 70-75 for this one.

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
  let m = vec4<f32>(0.9999);
  let c = vec4<f32>(1e-4);
  for (var i = 0u; i < params.iterations; i++) {
    a0 = fma(fma(fma(fma(a0, m, c), m, c), m, c), m, c);
    a1 = fma(fma(fma(fma(a1, m, c), m, c), m, c), m, c);
    a2 = fma(fma(fma(fma(a2, m, c), m, c), m, c), m, c);
    a3 = fma(fma(fma(fma(a3, m, c), m, c), m, c), m, c);
  }
  sink[index] = (a0 + a1) + (a2 + a3);
}
