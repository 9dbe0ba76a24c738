// The matrix products of a Winograd grad weight (src/kernels/conv2d-winograd.ts explains the scheme): for each of
// the POINTS points xi of the transformed tile (36 for F(3x3, 4x4)'s 6x6, 64 for F(3x3, 6x6)'s 8x8) and each slice
// of the tiles,
//   P[slice][xi] (K, C) = sum over the slice's tiles t of V[xi][t][k] D[xi][t][c]
// with V (winograd_input.wgsl, from x) and D (winograd_dy.wgsl, from dy), or their 6x6-tile forms, in rgba32float
// textures of T rows by POINTS * channels / 4 texels (texel (xi * K / 4 + k / 4, t) = V[xi][t][k..k+3]). winograd_grad_weight_output.wgsl
// adds the slices and transforms the sums back into dw.
// The work split is conv2d_grad_weight_tex.wgsl's (read its header): octets own 32 rows (k) x 32 columns (c), lane j
// loads rows 4j .. 4j + 3 of each tile and subgroupShuffle hands them to the octet, 4 tiles per accumulator write.
// Each slice number stands for a pair (tile slice, point): slice = tileSlice * POINTS + xi, which is also where its
// partial sums go. Needs K % 32 == 0 and C % 32 == 0.

enable subgroups;

// #include parts/winograd_grad_weight_params.wgsl

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var v: texture_storage_2d<rgba32float, read>;  // (T rows, POINTS * K / 4 texels)
@group(0) @binding(2) var d: texture_storage_2d<rgba32float, read>;  // (T rows, POINTS * Cout / 4 texels)
@group(0) @binding(3) var<storage, read_write> p: array<vec4f>;      // (slices, K, Cout): [tile slice][xi][k][c]

override WG: u32 = 64u;
// Points of the transformed tile: 36 (4x4 tiles) or 64 (6x6).
override POINTS: u32 = 36u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  // #include parts/grad_weight_octet_32.wgsl
  let xi = slice % POINTS;
  let tileSlice = slice / POINTS;
  // This lane's 4 rows rowBase + 4 lane .. + 3 are channels of x: one texel of V per tile.
  let vCol = xi * (params.K / 4u) + rowBase / 4u + lane;
  let dCol = xi * cout4 + coLoad;

  // #include parts/acc_32.wgsl

  let t0 = tileSlice * params.tilesPerSlice;
  let t1 = min(t0 + params.tilesPerSlice, params.T);
  let last = params.T - 1u;
  for (var t = t0; t < t1; t += 4u) {
    // #include parts/winograd_tile_loads_4.wgsl
    // #include parts/grad_weight_step_32x4.wgsl
  }

  if (!live || co >= params.Cout) { return; }
  let out = slice * params.K * cout4 + co / 4u;
  // #include parts/grad_weight_store_32.wgsl
}

fn store(out: u32, r: u32, cout4: u32, value: vec4f) {
  if (r < params.K) { p[out + r * cout4] = value; }
}
