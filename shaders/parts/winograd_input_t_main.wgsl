// Part of the grad weight's transposed input transforms (winograd_input_t.wgsl for 4x4 tiles, winograd6_input_t.wgsl
// for 6x6), pasted in after their tile part (parts/winograd_f4.wgsl or winograd_f6.wgsl, which give TILE, ALPHA and
// bt): V = B^T d B as parts/winograd_input_main.wgsl computes it, for one slice of Tp tiles (t0 .. t0 + Tp of this
// chunk's T; tiles past T are zeros), written transposed for winograd_gemm.wgsl to reduce over tiles:
//   vt (K rows, ALPHA^2 * Tp / 4 texels): texel (xi * Tp / 4 + ts / 4, k) = V[xi][t0 + ts .. + 3][k], 4 tiles of one
//   channel per texel.
// Four consecutive invocations take four consecutive tiles of one group of 4 channels; each computes its tile's
// V (4 channels per point), and subgroupShuffle turns the 4 x 4 block around, so that invocation l stores channel
// 4 c + l of the 4 tiles: one vec4 store per point, as many as the untransposed transform (on llvmpipe a store to a
// buffer costs a loop over lanes and components, so the layout is free but not the number of stores).
// Needs subgroups of a multiple of 4 lanes holding consecutive invocations, and Tp % 32 == 0.


struct Params {
  H: u32, W: u32, C: u32,      // x's image size and channels
  padTop: i32, padLeft: i32,   // x row and column of the tiles' first patch: -pad
  tilesH: u32, tilesW: u32,    // tiles per image: ceil(OH / TILE) x ceil(OW / TILE)
  T: u32,                      // tiles of this chunk's images
  t0: u32,                     // the slice's first tile
  Tp: u32,                     // tiles in the slice, padded to a multiple of 32
  count: u32,                  // Tp * C / 4 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var x: texture_storage_2d<rgba32float, read>;  // (n * H rows, W * C / 4 texels) = (n, H, W, C)
@group(0) @binding(2) var<storage, read_write> vt: array<vec4f>;  // (C rows, ALPHA^2 * Tp / 4 texels)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  // No early return: every invocation takes part in the shuffles; those past the end store nothing.
  let i = gid.x + gid.y * groups.x * WG;
  let live = i < params.count;
  let c4 = params.C / 4u;
  let l = i % 4u;
  let c = (i / 4u) % c4;
  let g = i / (4u * c4);      // the group of 4 tiles in the slice
  let ts = g * 4u + l;        // this invocation's tile in the slice
  let t = params.t0 + ts;
  let real = live && t < params.T;
  let tc = min(t, params.T - 1u);
  let tw = tc % params.tilesW;
  let th = (tc / params.tilesW) % params.tilesH;
  let n = tc / (params.tilesW * params.tilesH);
  let ih0 = i32(th * TILE) - params.padTop;
  let iw0 = i32(tw * TILE) - params.padLeft;

  // #include parts/winograd_input_rows.wgsl
  // Then along the rows, V[a'][b'] = (B^T (d B))[a'][b'], turned around within each group of 4 and stored.
  let base = sgLane & ~3u;
  let tp4 = params.Tp / 4u;
  let row = (c * 4u + l) * ALPHA * ALPHA * tp4;  // channel 4 c + l's row
  for (var b = 0u; b < ALPHA; b++) {
    var z = array<vec4f, ALPHA>();
    for (var a = 0u; a < ALPHA; a++) { z[a] = r[a][b]; }
    let col = bt(z);
    for (var a = 0u; a < ALPHA; a++) {
      let mine = col[a];  // point (a, b), channels 4 c .. 4 c + 3 of tile ts
      let v0 = subgroupShuffle(mine, base);
      let v1 = subgroupShuffle(mine, base + 1u);
      let v2 = subgroupShuffle(mine, base + 2u);
      let v3 = subgroupShuffle(mine, base + 3u);
      if (live) { vt[row + (a * ALPHA + b) * tp4 + g] = vec4f(v0[l], v1[l], v2[l], v3[l]); }
    }
  }
}
