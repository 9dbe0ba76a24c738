// Part of the Winograd F(6x6, 3x3) kernels (winograd6_input.wgsl, winograd6_output.wgsl, winograd6_weights.wgsl,
// and the grad weight's winograd6_dy.wgsl and winograd6_grad_weight_output.wgsl), pasted in where they say
// `// #include parts/winograd_f6.wgsl` (src/gpu/pipelines.ts): the tile sizes and the one-dimensional transforms
// (the grad weight's are A and G^T, the forward's transposed), applied to a column (or row) of 4 channels at once. The interpolation points are 0, 1,
// -1, 2, -2, 1/2, -1/2 and infinity (Lavin and Gray, 2015; the matrices of Lavin's wincnn for them, checked against
// the direct correlation in float64 to 2e-16):
//   B^T = [1 0 -21/4 0 21/4 0 -1 0; 0 1 1 -17/4 -17/4 1 1 0; 0 -1 1 17/4 -17/4 -1 1 0;
//          0 1/2 1/4 -5/2 -5/4 2 1 0; 0 -1/2 1/4 5/2 -5/4 -2 1 0; 0 2 4 -5/2 -5 1/2 1 0;
//          0 -2 4 5/2 -5 -1/2 1 0; 0 -1 0 21/4 0 -21/4 0 1]
//   G   = [1 0 0; -2/9 -2/9 -2/9; -2/9 2/9 -2/9; 1/90 1/45 2/45; 1/90 -1/45 2/45; 32/45 16/45 8/45;
//          32/45 -16/45 8/45; 0 0 1]
//   A^T = [1 1 1 1 1 1 1 0; 0 1 -1 2 -2 1/2 -1/2 0; 0 1 1 4 4 1/4 1/4 0; 0 1 -1 8 -8 1/8 -1/8 0;
//          0 1 1 16 16 1/16 1/16 0; 0 1 -1 32 -32 1/32 -1/32 1]
// Rows come in pairs that share their even and odd halves (points p and -p), computed once.

const TILE: u32 = 6u;   // outputs per tile side
const ALPHA: u32 = 8u;  // inputs per tile side (TILE + 2), and transformed points per side

// B^T z: a column of the input patch to the transformed tile's.
fn bt(z: array<vec4f, 8>) -> array<vec4f, 8> {
  let a1 = z[2] + z[6] - 4.25 * z[4];
  let b1 = z[1] + z[5] - 4.25 * z[3];
  let a2 = 0.25 * z[2] - 1.25 * z[4] + z[6];
  let b2 = 0.5 * z[1] - 2.5 * z[3] + 2.0 * z[5];
  let a3 = 4.0 * z[2] - 5.0 * z[4] + z[6];
  let b3 = 2.0 * z[1] - 2.5 * z[3] + 0.5 * z[5];
  return array<vec4f, 8>(
    z[0] - z[6] + 5.25 * (z[4] - z[2]),
    a1 + b1, a1 - b1,
    a2 + b2, a2 - b2,
    a3 + b3, a3 - b3,
    z[7] - z[1] + 5.25 * (z[3] - z[5]),
  );
}

// G z: a column of the 3x3 filter to the transformed filter's.
fn gf(z: array<vec4f, 3>) -> array<vec4f, 8> {
  let s = z[0] + z[2];
  let q1 = z[0] * (1.0 / 90.0) + z[2] * (2.0 / 45.0);
  let r1 = z[1] * (1.0 / 45.0);
  let q2 = z[0] * (32.0 / 45.0) + z[2] * (8.0 / 45.0);
  let r2 = z[1] * (16.0 / 45.0);
  return array<vec4f, 8>(
    z[0],
    (s + z[1]) * (-2.0 / 9.0), (s - z[1]) * (-2.0 / 9.0),
    q1 + r1, q1 - r1,
    q2 + r2, q2 - r2,
    z[2],
  );
}

// A^T z: a column of the products to the output tile's.
fn at(z: array<vec4f, 8>) -> array<vec4f, 6> {
  let p12 = z[1] + z[2];
  let m12 = z[1] - z[2];
  let p34 = z[3] + z[4];
  let m34 = z[3] - z[4];
  let p56 = z[5] + z[6];
  let m56 = z[5] - z[6];
  return array<vec4f, 6>(
    z[0] + p12 + p34 + p56,
    m12 + 2.0 * m34 + 0.5 * m56,
    p12 + 4.0 * p34 + 0.25 * p56,
    m12 + 8.0 * m34 + 0.125 * m56,
    p12 + 16.0 * p34 + 0.0625 * p56,
    m12 + 32.0 * m34 + 0.03125 * m56 + z[7],
  );
}

// A z: a column of a dy tile to the transformed tile's (the grad weight's D = A dY A^T): z's polynomial
// z0 + z1 p + ... + z5 p^5 at each point p (its even and odd parts shared by p and -p), and z5 at infinity.
fn af(z: array<vec4f, 6>) -> array<vec4f, 8> {
  let e1 = z[0] + z[2] + z[4];
  let o1 = z[1] + z[3] + z[5];
  let e2 = z[0] + 4.0 * z[2] + 16.0 * z[4];
  let o2 = 2.0 * z[1] + 8.0 * z[3] + 32.0 * z[5];
  let e3 = z[0] + 0.25 * z[2] + 0.0625 * z[4];
  let o3 = 0.5 * z[1] + 0.125 * z[3] + 0.03125 * z[5];
  return array<vec4f, 8>(z[0], e1 + o1, e1 - o1, e2 + o2, e2 - o2, e3 + o3, e3 - o3, z[5]);
}

// G^T z: a column of summed products to the filter gradient's (dw = G^T P G).
fn gtf(z: array<vec4f, 8>) -> array<vec4f, 3> {
  let p12 = z[1] + z[2];
  let p34 = z[3] + z[4];
  let p56 = z[5] + z[6];
  return array<vec4f, 3>(
    z[0] - p12 * (2.0 / 9.0) + p34 * (1.0 / 90.0) + p56 * (32.0 / 45.0),
    (z[2] - z[1]) * (2.0 / 9.0) + (z[3] - z[4]) * (1.0 / 45.0) + (z[5] - z[6]) * (16.0 / 45.0),
    p34 * (2.0 / 45.0) + p56 * (8.0 / 45.0) - p12 * (2.0 / 9.0) + z[7],
  );
}
