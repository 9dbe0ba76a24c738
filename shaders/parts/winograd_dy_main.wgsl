// Part of the grad weight's dy transforms (winograd_dy.wgsl for F(3x3, 4x4), winograd6_dy.wgsl for F(3x3, 6x6)),
// pasted in after their tile part (parts/winograd_f4.wgsl or winograd_f6.wgsl, which give TILE, ALPHA and af): each
// TILE x TILE tile z of dy (zeros past its edge) becomes D = A z A^T, ALPHA^2 values per channel, written like V:
// d (T, ALPHA^2, C), d[t][xi][c], which the caller copies into the texture winograd_grad_weight.wgsl reads (texel
// (xi * C / 4 + c / 4, t); parts/winograd_input_main.wgsl says why not a texture store). A is the forward's output
// transform transposed: the grad weight of Y = A^T [(G g G^T) (.) (B^T d B)] A with respect to g is
// dg = G^T [(A dY A^T) (.) (B^T d B)] G. One invocation per (tile, 4 channels).

struct Params {
  OH: u32, OW: u32, C: u32,    // dy's size and channels
  tilesH: u32, tilesW: u32,    // tiles per image: ceil(OH / TILE) x ceil(OW / TILE)
  count: u32,                  // tiles of this dispatch's images * C / 4 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var dy: texture_storage_2d<rgba32float, read>;  // (n * OH rows, OW * C / 4 texels) = (n, OH, OW, C)
@group(0) @binding(2) var<storage, read_write> d: array<vec4f>;  // (tiles, ALPHA^2, C)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  // #include parts/winograd_tile_index.wgsl

  let real = true;  // past the early return, every invocation has a tile
  // #include parts/winograd_dy_rows.wgsl
  // Then along the rows: D[a'][b'] = (A (z A^T))[a'][b'].
  for (var b = 0u; b < ALPHA; b++) {
    var z = array<vec4f, TILE>();
    for (var a = 0u; a < TILE; a++) { z[a] = r[a][b]; }
    let col = af(z);
    for (var a = 0u; a < ALPHA; a++) {
      d[(t * ALPHA * ALPHA + a * ALPHA + b) * c4 + c] = col[a];
    }
  }
}
