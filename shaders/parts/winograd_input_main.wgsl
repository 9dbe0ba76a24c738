// Part of the Winograd input transforms (winograd_input.wgsl for F(4x4, 3x3), winograd6_input.wgsl for F(6x6,
// 3x3)), pasted in after their tile part (parts/winograd_f4.wgsl or winograd_f6.wgsl, which give TILE, ALPHA and
// bt): for each TILE x TILE tile of the output, the ALPHA x ALPHA patch d of x under it (zeros outside the image:
// the padding) becomes V = B^T d B, ALPHA^2 values per channel, written as v (T, ALPHA^2, C): v[t][xi][c],
// xi = ALPHA * row + column of the transformed tile. The caller copies v into the texture winograd_gemm.wgsl reads
// (texel (xi * C / 4 + c / 4, t)): on llvmpipe a storage-buffer store plus that copy costs well under half a
// storage-texture store (about 100 against 240-290 ns per 8-lane vec4, measured). x is read from the activation
// texture src/kernels/conv2d-texture.ts fills (rows n * H + ih, texel iw * C / 4 + c): on llvmpipe a texture read
// costs well under a storage-buffer load (`npm run bench:loads`), which made the transform about 1.2-1.3x faster
// overall at 64 channels. One invocation per (tile, 4 channels): consecutive invocations read consecutive channels
// of one pixel.

struct Params {
  H: u32, W: u32, C: u32,      // x's image size and channels
  padTop: i32, padLeft: i32,   // x row and column of the tiles' first patch: -pad
  tilesH: u32, tilesW: u32,    // tiles per image: ceil(OH / TILE) x ceil(OW / TILE)
  count: u32,                  // tiles of this dispatch's images * C / 4 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var x: texture_storage_2d<rgba32float, read>;  // (n * H rows, W * C / 4 texels) = (n, H, W, C)
@group(0) @binding(2) var<storage, read_write> v: array<vec4f>;  // (tiles, ALPHA^2, C)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  // #include parts/winograd_tile_index.wgsl
  let ih0 = i32(th * TILE) - params.padTop;
  let iw0 = i32(tw * TILE) - params.padLeft;

  let real = true;  // past the early return, every invocation has a tile
  // #include parts/winograd_input_rows.wgsl
  // Then along the rows: V[a'][b'] = (B^T (d B))[a'][b'].
  for (var b = 0u; b < ALPHA; b++) {
    var z = array<vec4f, ALPHA>();
    for (var a = 0u; a < ALPHA; a++) { z[a] = r[a][b]; }
    let col = bt(z);
    for (var a = 0u; a < ALPHA; a++) {
      v[(t * ALPHA * ALPHA + a * ALPHA + b) * c4 + c] = col[a];
    }
  }
}
