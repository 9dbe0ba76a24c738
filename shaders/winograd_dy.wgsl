// Winograd F(3x3, 4x4) transform of dy, for the grad weight (src/kernels/conv2d-winograd.ts explains the scheme):
// each 4x4 tile z of dy (zeros past its edge) becomes D = A z A^T, 36 values per channel, written like V:
// d (T, 36, C), d[t][xi][c], which the caller copies into the texture winograd_grad_weight.wgsl reads (texel
// (xi * C / 4 + c / 4, t); winograd_input.wgsl says why not a texture store).
// A is the forward's output transform transposed (A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]):
// the grad weight of Y = A^T [(G g G^T) (.) (B^T d B)] A with respect to g is
// dg = G^T [(A dY A^T) (.) (B^T d B)] G. One invocation per (tile, 4 channels).

struct Params {
  OH: u32, OW: u32, C: u32,    // dy's size and channels
  tilesH: u32, tilesW: u32,    // tiles per image: ceil(OH / 4) x ceil(OW / 4)
  count: u32,                  // tiles of this dispatch's images * C / 4 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var dy: texture_storage_2d<rgba32float, read>;  // (n * OH rows, OW * C / 4 texels) = (n, OH, OW, C)
@group(0) @binding(2) var<storage, read_write> d: array<vec4f>;  // (tiles, 36, C)

override WG: u32 = 64u;

// A z for one column (or row) z of the tile.
fn a6(z: array<vec4f, 4>) -> array<vec4f, 6> {
  let even = z[0] + z[2];
  let odd = z[1] + z[3];
  let even4 = z[0] + 4.0 * z[2];
  let odd4 = 2.0 * z[1] + 8.0 * z[3];
  return array<vec4f, 6>(z[0], even + odd, even - odd, even4 + odd4, even4 - odd4, z[3]);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  // #include parts/winograd_tile_index.wgsl

  // Rows of the tile, each transformed along its columns: r[row][column'] = (z A^T)[row][column'].
  var r: array<array<vec4f, 6>, 4>;
  for (var a = 0u; a < 4u; a++) {
    let oh = th * 4u + a;
    var z: array<vec4f, 4>;
    for (var b = 0u; b < 4u; b++) {
      let ow = tw * 4u + b;
      let inside = oh < params.OH && ow < params.OW;
      let texel = vec2u(min(ow, params.OW - 1u) * c4 + c, n * params.OH + min(oh, params.OH - 1u));
      z[b] = select(vec4f(0.0), textureLoad(dy, texel), inside);
    }
    r[a] = a6(z);
  }
  // Then along the rows: D[a'][b'] = (A (z A^T))[a'][b'].
  for (var b = 0u; b < 6u; b++) {
    let col = a6(array<vec4f, 4>(r[0][b], r[1][b], r[2][b], r[3][b]));
    for (var a = 0u; a < 6u; a++) {
      d[(t * 36u + a * 6u + b) * c4 + c] = col[a];
    }
  }
}
