// Part of the Winograd weight transforms (winograd_weights.wgsl for F(4x4, 3x3), winograd6_weights.wgsl for F(6x6,
// 3x3)), pasted in after their tile part (parts/winograd_f4.wgsl or winograd_f6.wgsl, which give ALPHA and gf):
// each 3x3 filter g of one (input, output) channel pair becomes U = G g G^T, ALPHA^2 values, written as
// u (ALPHA^2, K, N): u[xi][k][n], xi = ALPHA * row + column of the transformed filter, which conv2d_weight_pack.wgsl
// then packs as an (ALPHA^2 * K, N) matrix for winograd_gemm.wgsl.
// Forward (FLIP false): w (3, 3, K, N) as stored, g[a][b] = w[a][b][k][n].
// Grad input (FLIP true): dx is the convolution of dy with w turned 180 degrees and its channel axes swapped, so
// w (3, 3, N, K) and g[a][b] = w[2 - a][2 - b][n][k].
// One invocation per (k, 4 consecutive n); runs once per weight tensor and version (the packed texture is cached).

struct Params {
  K: u32,      // the product's reduction channels (w's Cin forward, its Cout for grad input)
  N: u32,      // the product's output channels
  count: u32,  // K * N / 4 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;           // (3, 3, K, N), or (3, 3, N, K) when FLIP
@group(0) @binding(2) var<storage, read_write> u: array<vec4f>;   // (ALPHA^2, K, N)

override WG: u32 = 64u;
override FLIP: bool = false;

// g[a][b] for this invocation's 4 output channels n .. n + 3.
fn tap(a: u32, b: u32, k: u32, n: u32) -> vec4f {
  if (FLIP) {
    let idx = ((2u - a) * 3u + (2u - b)) * params.N * params.K + k;  // w[2 - a][2 - b][n][k], n strided by K
    return vec4f(w[idx + n * params.K], w[idx + (n + 1u) * params.K], w[idx + (n + 2u) * params.K], w[idx + (n + 3u) * params.K]);
  }
  let idx = ((a * 3u + b) * params.K + k) * params.N + n;
  return vec4f(w[idx], w[idx + 1u], w[idx + 2u], w[idx + 3u]);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let n4 = params.N / 4u;
  let n = (i % n4) * 4u;
  let k = i / n4;
  // Rows of the filter, each transformed along its columns: r[a][b'] = (g G^T)[a][b'].
  var r: array<array<vec4f, ALPHA>, 3>;
  for (var a = 0u; a < 3u; a++) {
    r[a] = gf(array<vec4f, 3>(tap(a, 0u, k, n), tap(a, 1u, k, n), tap(a, 2u, k, n)));
  }
  for (var b = 0u; b < ALPHA; b++) {
    let col = gf(array<vec4f, 3>(r[0][b], r[1][b], r[2][b]));
    for (var a = 0u; a < ALPHA; a++) {
      u[((a * ALPHA + b) * params.K + k) * n4 + n / 4u] = col[a];
    }
  }
}
