// Winograd F(4x4, 3x3) input transform (src/kernels/conv2d-winograd.ts explains the scheme): for each 4x4 tile of
// the output, the 6x6 patch d of x under it (zeros outside the image: the padding) becomes V = B^T d B, 36
// values per channel, written as v (T, 36, C): v[t][xi][c], xi = 6 * row + column of the transformed tile. The
// caller copies v into the texture winograd_gemm.wgsl reads (texel (xi * C / 4 + c / 4, t)): on llvmpipe a
// storage-buffer store plus that copy costs well under half a storage-texture store (about 100 against 240-290 ns
// per 8-lane vec4, measured).
// B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
// (Lavin and Gray, "Fast Algorithms for Convolutional Neural Networks", 2015). x is read from the activation
// texture src/kernels/conv2d-texture.ts fills (rows n * H + ih, texel iw * C / 4 + c): on llvmpipe a texture read
// costs well under a storage-buffer load (`npm run bench:loads`), which made the transform about 1.2-1.3x faster
// overall at 64 channels. One invocation per (tile, 4 channels): consecutive invocations read consecutive channels
// of one pixel.

struct Params {
  H: u32, W: u32, C: u32,      // x's image size and channels
  padTop: i32, padLeft: i32,   // x row and column of the tiles' first patch: -pad
  tilesH: u32, tilesW: u32,    // tiles per image: ceil(OH / 4) x ceil(OW / 4)
  count: u32,                  // tiles of this dispatch's images * C / 4 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var x: texture_storage_2d<rgba32float, read>;  // (n * H rows, W * C / 4 texels) = (n, H, W, C)
@group(0) @binding(2) var<storage, read_write> v: array<vec4f>;  // (tiles, 36, C)

override WG: u32 = 64u;

// B^T z for one column (or row) z of the patch.
fn bt(z: array<vec4f, 6>) -> array<vec4f, 6> {
  return array<vec4f, 6>(
    4.0 * z[0] - 5.0 * z[2] + z[4],
    -4.0 * (z[1] + z[2]) + z[3] + z[4],
    4.0 * (z[1] - z[2]) - z[3] + z[4],
    2.0 * (z[3] - z[1]) - z[2] + z[4],
    2.0 * (z[1] - z[3]) - z[2] + z[4],
    4.0 * z[1] - 5.0 * z[3] + z[5],
  );
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  // #include parts/winograd_tile_index.wgsl
  let ih0 = i32(th * 4u) - params.padTop;
  let iw0 = i32(tw * 4u) - params.padLeft;

  // Rows of the patch, each transformed along its columns: r[row][column'] = (d B)[row][column'].
  var r: array<array<vec4f, 6>, 6>;
  for (var a = 0u; a < 6u; a++) {
    let ih = ih0 + i32(a);
    var z: array<vec4f, 6>;
    for (var b = 0u; b < 6u; b++) {
      let iw = iw0 + i32(b);
      let inside = ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
      // outside the image: texel (0, 0), which exists, masked to zero
      let texel = vec2u(select(0u, u32(iw) * c4 + c, inside), select(0u, n * params.H + u32(ih), inside));
      z[b] = select(vec4f(0.0), textureLoad(x, texel), inside);
    }
    r[a] = bt(z);
  }
  // Then along the rows: V[a'][b'] = (B^T (d B))[a'][b'].
  for (var b = 0u; b < 6u; b++) {
    let col = bt(array<vec4f, 6>(r[0][b], r[1][b], r[2][b], r[3][b], r[4][b], r[5][b]));
    for (var a = 0u; a < 6u; a++) {
      v[(t * 36u + a * 6u + b) * c4 + c] = col[a];
    }
  }
}
