// Part of the grad weight's dy transforms (parts/winograd_dy_main.wgsl, parts/winograd_dy_b_main.wgsl), pasted in
// where they say `// #include parts/winograd_dy_rows.wgsl` (src/gpu/pipelines.ts): the TILE x TILE tile of dy (zeros
// past its edge), its rows loaded and each transformed along its columns by af, into r. Expects th and tw (the tile),
// c and c4 (the 4 channels, of C / 4), n (the image), real (false: zeros) and dy, params with OH and OW.
// Rows of the tile, each transformed along its columns: r[row][column'] = (z A^T)[row][column'].
var r: array<array<vec4f, ALPHA>, TILE>;
for (var a = 0u; a < TILE; a++) {
  let oh = th * TILE + a;
  var z = array<vec4f, TILE>();
  for (var b = 0u; b < TILE; b++) {
    let ow = tw * TILE + b;
    let inside = real && oh < params.OH && ow < params.OW;
    let texel = vec2u(min(ow, params.OW - 1u) * c4 + c, n * params.OH + min(oh, params.OH - 1u));
    z[b] = select(vec4f(0.0), textureLoad(dy, texel), inside);
  }
  r[a] = af(z);
}
