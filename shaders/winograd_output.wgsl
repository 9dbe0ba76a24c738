// Winograd F(4x4, 3x3) output transform (src/kernels/conv2d-winograd.ts explains the scheme): each tile's 6x6
// products M (texel (xi * C / 4 + c / 4, t) of the texture winograd_gemm.wgsl wrote) become its 4x4 outputs
// Y = A^T M A, then the bias and ReLU, stored where they lie inside the output (the last tiles of a row or column
// may overhang it).
// A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1] (Lavin and Gray, 2015).
// One invocation per (tile, 4 output channels).

struct Params {
  OH: u32, OW: u32, C: u32,    // output size and channels
  tilesH: u32, tilesW: u32,    // tiles per image: ceil(OH / 4) x ceil(OW / 4)
  count: u32,                  // tiles of this dispatch's images * C / 4 invocations
  hasBias: u32,                // 1: add bias (else the bias binding is any buffer, never read)
  relu: u32,                   // 1: max(y, 0)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var m: texture_storage_2d<rgba32float, read>;  // (tiles rows, 36 * C / 4 texels)
@group(0) @binding(2) var<storage, read> bias: array<vec4f>;        // (C), or any buffer when !hasBias
@group(0) @binding(3) var<storage, read_write> y: array<vec4f>;     // (n, OH, OW, C) for this dispatch's images

override WG: u32 = 64u;

// A^T z for one column (or row) z of the products.
fn at(z: array<vec4f, 6>) -> array<vec4f, 4> {
  let p12 = z[1] + z[2];
  let m12 = z[1] - z[2];
  let p34 = z[3] + z[4];
  let m34 = z[3] - z[4];
  return array<vec4f, 4>(z[0] + p12 + p34, m12 + 2.0 * m34, p12 + 4.0 * p34, m12 + 8.0 * m34 + z[5]);
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  // #include parts/winograd_tile_index.wgsl

  // Rows of M, each reduced along its columns: r[a][b'] = (M A)[a][b'].
  var r: array<array<vec4f, 4>, 6>;
  for (var a = 0u; a < 6u; a++) {
    var z: array<vec4f, 6>;
    for (var b = 0u; b < 6u; b++) { z[b] = textureLoad(m, vec2u((a * 6u + b) * c4 + c, t)); }
    r[a] = at(z);
  }
  var bv = vec4f(0.0);
  if (params.hasBias != 0u) { bv = bias[c]; }
  for (var b = 0u; b < 4u; b++) {
    let ow = tw * 4u + b;
    let col = at(array<vec4f, 6>(r[0][b], r[1][b], r[2][b], r[3][b], r[4][b], r[5][b]));
    for (var a = 0u; a < 4u; a++) {
      let oh = th * 4u + a;
      if (oh < params.OH && ow < params.OW) {
        let value = col[a] + bv;
        y[((n * params.OH + oh) * params.OW + ow) * c4 + c] = select(value, max(value, vec4f(0.0)), params.relu != 0u);
      }
    }
  }
}
