// Part of the Winograd grad weight's last step (winograd_grad_weight_output.wgsl for F(3x3, 4x4),
// winograd6_grad_weight_output.wgsl for F(3x3, 6x6)), pasted in after their tile part (parts/winograd_f4.wgsl or
// winograd_f6.wgsl, which give ALPHA and gtf): for each (k, 4 output channels), the ALPHA^2 products
// P[s][xi][k][c] of winograd_grad_weight.wgsl summed over the slices s, then turned into the 3x3 filter gradient
// dw = G^T P G, written into dw (3, 3, K, C). dw is linear in P, so products too many for one buffer are added in
// groups (`accumulate`). One invocation per (k, 4 channels).

struct Params {
  K: u32,
  C: u32,
  slices: u32,  // tile slices (all chunks'), each holding ALPHA^2 products
  count: u32,   // K * C / 4 invocations
  accumulate: u32,  // 1: add to dw (the products of earlier chunks are already in it), 0: overwrite
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> p: array<vec4f>;         // (slices, ALPHA^2, K, C)
@group(0) @binding(2) var<storage, read_write> dw: array<vec4f>;  // (3, 3, K, C)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let plane = params.K * params.C / 4u;  // vec4 per product
  // Rows of P (summed over slices), each reduced along its columns: r[a][b'] = (P G)[a][b'].
  var r: array<array<vec4f, 3>, ALPHA>;
  for (var a = 0u; a < ALPHA; a++) {
    var z = array<vec4f, ALPHA>();
    for (var b = 0u; b < ALPHA; b++) {
      var sum = vec4f(0.0);
      for (var s = 0u; s < params.slices; s++) { sum += p[(s * ALPHA * ALPHA + a * ALPHA + b) * plane + i]; }
      z[b] = sum;
    }
    r[a] = gtf(z);
  }
  for (var b = 0u; b < 3u; b++) {
    var z = array<vec4f, ALPHA>();
    for (var a = 0u; a < ALPHA; a++) { z[a] = r[a][b]; }
    let col = gtf(z);
    for (var a = 0u; a < 3u; a++) {
      let idx = (a * 3u + b) * plane + i;
      dw[idx] = select(col[a], dw[idx] + col[a], params.accumulate != 0u);
    }
  }
}
