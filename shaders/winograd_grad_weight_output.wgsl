// Winograd grad weight, last step (src/kernels/conv2d-winograd.ts explains the scheme): for each (k, 4 output
// channels), the 36 products P[s][xi][k][c] of winograd_grad_weight.wgsl summed over the slices s, then turned
// into the 3x3 filter gradient dw = G^T P G, written into dw (3, 3, K, C).
// G^T = [1/4 -1/6 -1/6 1/24 1/24 0; 0 -1/6 1/6 1/12 -1/12 0; 0 -1/6 -1/6 1/6 1/6 1] (the forward's weight
// transform, transposed). dw is linear in P, so products too many for one buffer are added in groups
// (`accumulate`). One invocation per (k, 4 channels).

struct Params {
  K: u32,
  C: u32,
  slices: u32,  // tile slices (all chunks'), each holding 36 products
  count: u32,   // K * C / 4 invocations
  accumulate: u32,  // 1: add to dw (the products of earlier chunks are already in it), 0: overwrite
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> p: array<vec4f>;         // (slices, 36, K, C)
@group(0) @binding(2) var<storage, read_write> dw: array<vec4f>;  // (3, 3, K, C)

override WG: u32 = 64u;

// G^T z for one column (or row) z of the products.
fn gt(z: array<vec4f, 6>) -> array<vec4f, 3> {
  return array<vec4f, 3>(
    z[0] * 0.25 - (z[1] + z[2]) * (1.0 / 6.0) + (z[3] + z[4]) * (1.0 / 24.0),
    (z[2] - z[1]) * (1.0 / 6.0) + (z[3] - z[4]) * (1.0 / 12.0),
    (z[3] + z[4] - z[1] - z[2]) * (1.0 / 6.0) + z[5],
  );
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let plane = params.K * params.C / 4u;  // vec4 per product
  // Rows of P (summed over slices), each reduced along its columns: r[a][b'] = (P G)[a][b'].
  var r: array<array<vec4f, 3>, 6>;
  for (var a = 0u; a < 6u; a++) {
    var z: array<vec4f, 6>;
    for (var b = 0u; b < 6u; b++) {
      var sum = vec4f(0.0);
      for (var s = 0u; s < params.slices; s++) { sum += p[(s * 36u + a * 6u + b) * plane + i]; }
      z[b] = sum;
    }
    r[a] = gt(z);
  }
  for (var b = 0u; b < 3u; b++) {
    let col = gt(array<vec4f, 6>(r[0][b], r[1][b], r[2][b], r[3][b], r[4][b], r[5][b]));
    for (var a = 0u; a < 3u; a++) {
      let at = (a * 3u + b) * plane + i;
      dw[at] = select(col[a], dw[at] + col[a], params.accumulate != 0u);
    }
  }
}
