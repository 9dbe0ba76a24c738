// Winograd grad weight with the output transform folded into the products (src/kernels/conv2d-winograd.ts explains
// the scheme): each octet owns 32 rows (input channels k) x 32 columns (output channels c) of dw and runs through
// all 36 points (a, b) of the transformed tile, one after the other: the point's product over this slice's tiles,
//   P[a][b] (32 x 32) = sum over tiles t of V[ab][t][k] D[ab][t][c],
// is folded at once into dw = G^T P G, first along b (q[j] += G[b][j] P[a][b], per row a) then along a
// (dw[i][j] += G[a][i] q[j]), so only the 9 taps are ever stored: winograd_grad_weight.wgsl stores all 36 products
// and reads them back, which costs more than the products themselves when there are few tiles (a small batch of
// small images: 16 tiles at 14x14, batch 1).
// The products are computed as in winograd_grad_weight.wgsl (read its header): V and D in rgba32float textures of
// T rows by 36 * channels / 4 texels, lane j loads rows 4j .. 4j + 3 of each tile, subgroupShuffle hands them to
// the octet, 4 tiles per accumulator write. Slices split the tiles; each writes its own partial dw (summed by
// sumRows) unless there is one. Needs K % 32 == 0 and C % 32 == 0.

enable subgroups;

// #include parts/winograd_grad_weight_params.wgsl

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var v: texture_storage_2d<rgba32float, read>;  // (T rows, 36 * K / 4 texels)
@group(0) @binding(2) var d: texture_storage_2d<rgba32float, read>;  // (T rows, 36 * Cout / 4 texels)
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;     // (slices, 3, 3, K, Cout)

override WG: u32 = 64u;

// G's rows (the forward's weight transform: 6 x 3).
const G = array<vec3f, 6>(
  vec3f(0.25, 0.0, 0.0),
  vec3f(-1.0 / 6.0, -1.0 / 6.0, -1.0 / 6.0),
  vec3f(-1.0 / 6.0, 1.0 / 6.0, -1.0 / 6.0),
  vec3f(1.0 / 24.0, 1.0 / 12.0, 1.0 / 6.0),
  vec3f(1.0 / 24.0, -1.0 / 12.0, 1.0 / 6.0),
  vec3f(0.0, 0.0, 1.0),
);

fn foldPoint(q: array<vec4f, 3>, p: vec4f, gb: vec3f) -> array<vec4f, 3> {
  return array<vec4f, 3>(fma(vec4f(gb.x), p, q[0]), fma(vec4f(gb.y), p, q[1]), fma(vec4f(gb.z), p, q[2]));
}

fn foldRow(t: array<vec4f, 9>, q: array<vec4f, 3>, ga: vec3f) -> array<vec4f, 9> {
  return array<vec4f, 9>(
    fma(vec4f(ga.x), q[0], t[0]), fma(vec4f(ga.x), q[1], t[1]), fma(vec4f(ga.x), q[2], t[2]),
    fma(vec4f(ga.y), q[0], t[3]), fma(vec4f(ga.y), q[1], t[4]), fma(vec4f(ga.y), q[2], t[5]),
    fma(vec4f(ga.z), q[0], t[6]), fma(vec4f(ga.z), q[1], t[7]), fma(vec4f(ga.z), q[2], t[8]),
  );
}

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  // #include parts/grad_weight_octet_32.wgsl
  // #include parts/fold_acc_32.wgsl
  let t0 = slice * params.tilesPerSlice;
  let t1 = min(t0 + params.tilesPerSlice, params.T);
  let last = params.T - 1u;
  let k4 = params.K / 4u;

  for (var a = 0u; a < 6u; a++) {
    for (var b = 0u; b < 6u; b++) {
      let xi = a * 6u + b;
      // This lane's 4 rows rowBase + 4 lane .. + 3 are channels of x: one texel of V per tile.
      let vCol = xi * k4 + rowBase / 4u + lane;
      let dCol = xi * cout4 + coLoad;
      // #include parts/acc_32.wgsl
      for (var t = t0; t < t1; t += 4u) {
        // #include parts/winograd_tile_loads_4.wgsl
        // #include parts/grad_weight_step_32x4.wgsl
      }
      let gb = G[b];
      // #include parts/fold_point_32.wgsl
    }
    let ga = G[a];
    // #include parts/fold_row_32.wgsl
  }

  if (!live || co >= params.Cout) { return; }
  let out = slice * 9u * params.K * cout4 + co / 4u;
  // #include parts/fold_store_32.wgsl
}

// Row r of this slice's dw, its 9 taps (rows past K skipped).
fn store(out: u32, r: u32, taps: array<vec4f, 9>) {
  if (r >= params.K) { return; }
  let cout4 = params.Cout / 4u;
  let plane = params.K * cout4;
  let at = out + r * cout4;
  dw[at] = taps[0];
  dw[at + plane] = taps[1];
  dw[at + 2u * plane] = taps[2];
  dw[at + 3u * plane] = taps[3];
  dw[at + 4u * plane] = taps[4];
  dw[at + 5u * plane] = taps[5];
  dw[at + 6u * plane] = taps[6];
  dw[at + 7u * plane] = taps[7];
  dw[at + 8u * plane] = taps[8];
}
