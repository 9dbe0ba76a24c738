// Part of the Winograd input transforms (parts/winograd_input_main.wgsl, parts/winograd_input_t_main.wgsl), pasted in
// where they say `// #include parts/winograd_input_rows.wgsl` (src/gpu/pipelines.ts): the ALPHA x ALPHA patch of x
// under a tile, its rows loaded and each transformed along its columns by bt, into r. Expects ih0 and iw0 (the
// patch's first row and column in x), c and c4 (the 4 channels, of C / 4), n (the image), real (false: zeros) and
// x, params with H and W.
// Rows of the patch, each transformed along its columns: r[row][column'] = (d B)[row][column'].
var r: array<array<vec4f, ALPHA>, ALPHA>;
for (var a = 0u; a < ALPHA; a++) {
  let ih = ih0 + i32(a);
  var z = array<vec4f, ALPHA>();
  for (var b = 0u; b < ALPHA; b++) {
    let iw = iw0 + i32(b);
    let inside = real && ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
    // outside the image (or past the chunk's tiles): texel (0, 0), which exists, masked to zero
    let texel = vec2u(select(0u, u32(iw) * c4 + c, inside), select(0u, n * params.H + u32(ih), inside));
    z[b] = select(vec4f(0.0), textureLoad(x, texel), inside);
  }
  r[a] = bt(z);
}
