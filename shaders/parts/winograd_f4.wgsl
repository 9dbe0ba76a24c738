// Part of the Winograd F(4x4, 3x3) kernels (winograd_input.wgsl, winograd_output.wgsl, winograd_weights.wgsl, and
// the grad weight's winograd_dy.wgsl and winograd_grad_weight_output.wgsl), pasted in where they say
// `// #include parts/winograd_f4.wgsl` (src/gpu/pipelines.ts): the tile sizes and the one-dimensional transforms
// (the grad weight's are A and G^T, the forward's transposed), applied to a column (or row) of 4 channels at once (Lavin and Gray, "Fast Algorithms
// for Convolutional Neural Networks", 2015; the interpolation points 0, 1, -1, 2, -2 and infinity):
//   B^T = [4 0 -5 0 1 0; 0 -4 -4 1 1 0; 0 4 -4 -1 1 0; 0 -2 -1 2 1 0; 0 2 -1 -2 1 0; 0 4 0 -5 0 1]
//   G   = [1/4 0 0; -1/6 -1/6 -1/6; -1/6 1/6 -1/6; 1/24 1/12 1/6; 1/24 -1/12 1/6; 0 0 1]
//   A^T = [1 1 1 1 1 0; 0 1 -1 2 -2 0; 0 1 1 4 4 0; 0 1 -1 8 -8 1]

const TILE: u32 = 4u;   // outputs per tile side
const ALPHA: u32 = 6u;  // inputs per tile side (TILE + 2), and transformed points per side

// B^T z: a column of the input patch to the transformed tile's.
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

// G z: a column of the 3x3 filter to the transformed filter's.
fn gf(z: array<vec4f, 3>) -> array<vec4f, 6> {
  let s = z[0] + z[2];
  return array<vec4f, 6>(
    z[0] * 0.25,
    (s + z[1]) * (-1.0 / 6.0),
    (s - z[1]) * (-1.0 / 6.0),
    z[0] * (1.0 / 24.0) + z[1] * (1.0 / 12.0) + z[2] * (1.0 / 6.0),
    z[0] * (1.0 / 24.0) - z[1] * (1.0 / 12.0) + z[2] * (1.0 / 6.0),
    z[2],
  );
}

// A^T z: a column of the products to the output tile's.
fn at(z: array<vec4f, 6>) -> array<vec4f, 4> {
  let p12 = z[1] + z[2];
  let m12 = z[1] - z[2];
  let p34 = z[3] + z[4];
  let m34 = z[3] - z[4];
  return array<vec4f, 4>(z[0] + p12 + p34, m12 + 2.0 * m34, p12 + 4.0 * p34, m12 + 8.0 * m34 + z[5]);
}

// A z: a column of a dy tile to the transformed tile's (the grad weight's D = A dY A^T).
fn af(z: array<vec4f, 4>) -> array<vec4f, 6> {
  let even = z[0] + z[2];
  let odd = z[1] + z[3];
  let even4 = z[0] + 4.0 * z[2];
  let odd4 = 2.0 * z[1] + 8.0 * z[3];
  return array<vec4f, 6>(z[0], even + odd, even - odd, even4 + odd4, even4 - odd4, z[3]);
}

// G^T z: a column of summed products to the filter gradient's (dw = G^T P G).
fn gtf(z: array<vec4f, 6>) -> array<vec4f, 3> {
  return array<vec4f, 3>(
    z[0] * 0.25 - (z[1] + z[2]) * (1.0 / 6.0) + (z[3] + z[4]) * (1.0 / 24.0),
    (z[2] - z[1]) * (1.0 / 6.0) + (z[3] - z[4]) * (1.0 / 12.0),
    (z[3] + z[4] - z[1] - z[2]) * (1.0 / 6.0) + z[5],
  );
}
