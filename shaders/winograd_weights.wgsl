// Winograd F(4x4, 3x3) weight transform (src/kernels/conv2d-winograd.ts explains the scheme): each 3x3 filter g
// of one (input, output) channel pair becomes U = G g G^T, 36 values, written as u (36, K, N): u[xi][k][n],
// xi = 6 * row + column of the transformed filter, which conv2d_weight_pack.wgsl then packs as a (36 * K, N)
// matrix for winograd_gemm.wgsl.
// G = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1] (Lavin and Gray, 2015).
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
@group(0) @binding(2) var<storage, read_write> u: array<vec4f>;   // (36, K, N)

override WG: u32 = 64u;
override FLIP: bool = false;

// G z for one column (or row) z of the filter.
fn g6(z: array<vec4f, 3>) -> array<vec4f, 6> {
  let s = z[0] + z[2];
  return array<vec4f, 6>(
    z[0] * 0.25,
    (s + z[1]) * (-1.0 / 6.0),
    (s - z[1]) * (-1.0 / 6.0),
    z[0] * (1.0 / 24.0) + z[1] * (1.0 / 12.0) + z[2] * (1.0 / 6.0),
    z[0] * (1.0 / 24.0) - z[1] * (1.0 / 12.0) + z[2] * (1.0 / 6.0),
    z[2],
  );
}

// g[a][b] for this invocation's 4 output channels n .. n + 3.
fn tap(a: u32, b: u32, k: u32, n: u32) -> vec4f {
  if (FLIP) {
    let at = ((2u - a) * 3u + (2u - b)) * params.N * params.K + k;  // w[2 - a][2 - b][n][k], n strided by K
    return vec4f(w[at + n * params.K], w[at + (n + 1u) * params.K], w[at + (n + 2u) * params.K], w[at + (n + 3u) * params.K]);
  }
  let at = ((a * 3u + b) * params.K + k) * params.N + n;
  return vec4f(w[at], w[at + 1u], w[at + 2u], w[at + 3u]);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let n4 = params.N / 4u;
  let n = (i % n4) * 4u;
  let k = i / n4;
  // Rows of the filter, each transformed along its columns: r[a][b'] = (g G^T)[a][b'].
  var r: array<array<vec4f, 6>, 3>;
  for (var a = 0u; a < 3u; a++) {
    r[a] = g6(array<vec4f, 3>(tap(a, 0u, k, n), tap(a, 1u, k, n), tap(a, 2u, k, n)));
  }
  for (var b = 0u; b < 6u; b++) {
    let col = g6(array<vec4f, 3>(r[0][b], r[1][b], r[2][b]));
    for (var a = 0u; a < 6u; a++) {
      u[((a * 6u + b) * params.K + k) * n4 + n / 4u] = col[a];
    }
  }
}
