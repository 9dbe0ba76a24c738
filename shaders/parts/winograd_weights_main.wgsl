// Part of the Winograd weight transforms (winograd_weights.wgsl for F(4x4, 3x3), winograd6_weights.wgsl for F(6x6,
// 3x3)), pasted in after their tile part (parts/winograd_f4.wgsl or winograd_f6.wgsl, which give ALPHA and gf):
// each 3x3 filter g of one (input, output) channel pair becomes U = G g G^T, ALPHA^2 values, u[xi][k][n] with
// xi = ALPHA * row + column of the transformed filter, stored straight into the blocked texture that
// winograd_gemm.wgsl reads: U as a (ALPHA^2 * K, N) matrix (row xi * K + k) in conv2d_weight_pack.wgsl's layout
// (parts/blocked_weight_store.wgsl). Transforming and packing in one pass stores each value once: a separate u buffer,
// packed after, took as long again (a fine-tuning step of VGG19's block 5 transforms its weights every step).
// Forward (FLIP false): w (3, 3, K, N) as stored, g[a][b] = w[a][b][k][n].
// Grad input (FLIP true): dx is the convolution of dy with w turned 180 degrees and its channel axes swapped, so
// w (3, 3, N, K) and g[a][b] = w[2 - a][2 - b][n][k].
// One invocation per (k, 64-channel block, lane): the lane's channels n .. n + 3 and n + 32 .. n + 35, the two
// halves of one texel in F16. Needs N % 64 == 0. Runs once per weight tensor and version (the texture is cached).

struct Params {
  K: u32,      // the product's reduction channels (w's Cin forward, its Cout for grad input)
  N: u32,      // the product's output channels
  count: u32,  // K * N / 8 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<f32>;                   // (3, 3, K, N), or (3, 3, N, K) when FLIP
@group(0) @binding(2) var wTex: texture_storage_2d<rgba32uint, write>;  // (N / 64 * ALPHA^2 * K / 32 rows, 32 * T)

override WG: u32 = 64u;
override FLIP: bool = false;
override F16: bool = false;

// g[a][b] for output channels n .. n + 3.
fn tap(a: u32, b: u32, k: u32, n: u32) -> vec4f {
  if (FLIP) {
    let idx = ((2u - a) * 3u + (2u - b)) * params.N * params.K + k;  // w[2 - a][2 - b][n][k], n strided by K
    return vec4f(w[idx + n * params.K], w[idx + (n + 1u) * params.K], w[idx + (n + 2u) * params.K], w[idx + (n + 3u) * params.K]);
  }
  let idx = ((a * 3u + b) * params.K + k) * params.N + n;
  return vec4f(w[idx], w[idx + 1u], w[idx + 2u], w[idx + 3u]);
}

// Rows of the filter for channels n .. n + 3, each transformed along its columns: r[a][b'] = (g G^T)[a][b'].
fn rowsOf(k: u32, n: u32) -> array<array<vec4f, ALPHA>, 3> {
  var r: array<array<vec4f, ALPHA>, 3>;
  for (var a = 0u; a < 3u; a++) {
    r[a] = gf(array<vec4f, 3>(tap(a, 0u, k, n), tap(a, 1u, k, n), tap(a, 2u, k, n)));
  }
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let slot = blockedSlot(i, params.N);
  let lo = rowsOf(slot.k, slot.c);
  let hi = rowsOf(slot.k, slot.c + 32u);
  let rows = ALPHA * ALPHA * params.K;  // of U as a (ALPHA^2 * K, N) matrix
  for (var b = 0u; b < ALPHA; b++) {
    let colLo = gf(array<vec4f, 3>(lo[0][b], lo[1][b], lo[2][b]));
    let colHi = gf(array<vec4f, 3>(hi[0][b], hi[1][b], hi[2][b]));
    for (var a = 0u; a < ALPHA; a++) {
      storeBlocked((a * ALPHA + b) * params.K + slot.k, rows, slot, colLo[a], colHi[a]);
    }
  }
}

// #include parts/blocked_weight_store.wgsl
