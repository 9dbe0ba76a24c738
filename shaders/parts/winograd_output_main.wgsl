// Part of the Winograd output transforms (winograd_output.wgsl for F(4x4, 3x3), winograd6_output.wgsl for F(6x6,
// 3x3)), pasted in after their tile part (parts/winograd_f4.wgsl or winograd_f6.wgsl, which give TILE, ALPHA and
// at): each tile's ALPHA x ALPHA products M (texel (xi * C / 4 + c / 4, t) of the texture winograd_gemm.wgsl wrote)
// become its TILE x TILE outputs Y = A^T M A, then the bias and ReLU, stored where they lie inside the output (the
// last tiles of a row or column may overhang it). One invocation per (tile, 4 output channels).

struct Params {
  OH: u32, OW: u32, C: u32,    // output size and channels
  tilesH: u32, tilesW: u32,    // tiles per image: ceil(OH / TILE) x ceil(OW / TILE)
  count: u32,                  // tiles of this dispatch's images * C / 4 invocations
  hasBias: u32,                // 1: add bias (else the bias binding is any buffer, never read)
  relu: u32,                   // 1: max(y, 0)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var m: texture_storage_2d<rgba32float, read>;  // (tiles rows, ALPHA^2 * C / 4 texels)
@group(0) @binding(2) var<storage, read> bias: array<vec4f>;        // (C), or any buffer when !hasBias
@group(0) @binding(3) var<storage, read_write> y: array<vec4f>;     // (n, OH, OW, C) for this dispatch's images

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  // #include parts/winograd_tile_index.wgsl

  // Rows of M, each reduced along its columns: r[a][b'] = (M A)[a][b'].
  var r: array<array<vec4f, TILE>, ALPHA>;
  for (var a = 0u; a < ALPHA; a++) {
    var z = array<vec4f, ALPHA>();
    for (var b = 0u; b < ALPHA; b++) { z[b] = textureLoad(m, vec2u((a * ALPHA + b) * c4 + c, t)); }
    r[a] = at(z);
  }
  var bv = vec4f(0.0);
  if (params.hasBias != 0u) { bv = bias[c]; }
  for (var b = 0u; b < TILE; b++) {
    let ow = tw * TILE + b;
    var z = array<vec4f, ALPHA>();
    for (var a = 0u; a < ALPHA; a++) { z[a] = r[a][b]; }
    let col = at(z);
    for (var a = 0u; a < TILE; a++) {
      let oh = th * TILE + a;
      if (oh < params.OH && ow < params.OW) {
        let value = col[a] + bv;
        y[((n * params.OH + oh) * params.OW + ow) * c4 + c] = select(value, max(value, vec4f(0.0)), params.relu != 0u);
      }
    }
  }
}
