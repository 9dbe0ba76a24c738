// Part of the grad weight's blocked dy transforms (winograd_dy_b.wgsl for 4x4 tiles, winograd6_dy_b.wgsl for 6x6),
// pasted in after their tile part (parts/winograd_f4.wgsl or winograd_f6.wgsl, which give TILE, ALPHA and af):
// D = A dY A^T as parts/winograd_dy_main.wgsl computes it, for one slice of Tp tiles (t0 .. t0 + Tp of this chunk's
// T; tiles past T are zeros), written as the (ALPHA^2 * Tp, C) matrix of rows xi * Tp + ts in the blocked layout
// conv2d_weight_pack.wgsl gives weights (read its header), which winograd_gemm.wgsl reads as its second operand:
// row (c / 64) * (ALPHA^2 * Tp / 32) + (xi * Tp + ts) / 32 of 512 texels, texel (ts % 32) * 16 + (c % 64) / 4 holding
// channels c .. c + 3. One invocation per (tile of the slice, 4 channels). Needs C % 64 == 0 and Tp % 32 == 0.

struct Params {
  OH: u32, OW: u32, C: u32,    // dy's size and channels
  tilesH: u32, tilesW: u32,    // tiles per image: ceil(OH / TILE) x ceil(OW / TILE)
  T: u32,                      // tiles of this chunk's images
  t0: u32,                     // the slice's first tile
  Tp: u32,                     // tiles in the slice, padded to a multiple of 32
  count: u32,                  // Tp * C / 4 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var dy: texture_storage_2d<rgba32float, read>;  // (n * OH rows, OW * C / 4 texels) = (n, OH, OW, C)
@group(0) @binding(2) var<storage, read_write> d: array<vec4f>;  // blocked, (C / 64 * ALPHA^2 * Tp / 32 rows, 512)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let c4 = params.C / 4u;
  let c = i % c4;
  let ts = i / c4;
  let t = params.t0 + ts;
  let real = t < params.T;
  let tc = min(t, params.T - 1u);
  let tw = tc % params.tilesW;
  let th = (tc / params.tilesW) % params.tilesH;
  let n = tc / (params.tilesW * params.tilesH);

  // #include parts/winograd_dy_rows.wgsl
  // Then along the rows: D[a'][b'] = (A (z A^T))[a'][b'], into the blocked matrix.
  let tp32 = params.Tp / 32u;
  let block = (c / 16u) * ALPHA * ALPHA * tp32 + ts / 32u;  // row of point 0
  let texel = (ts % 32u) * 16u + c % 16u;
  for (var b = 0u; b < ALPHA; b++) {
    var z = array<vec4f, TILE>();
    for (var a = 0u; a < TILE; a++) { z[a] = r[a][b]; }
    let col = af(z);
    for (var a = 0u; a < ALPHA; a++) {
      d[(block + (a * ALPHA + b) * tp32) * 512u + texel] = col[a];
    }
  }
}
