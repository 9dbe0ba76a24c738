// The matrix products of a Winograd convolution (src/kernels/conv2d-winograd.ts explains the whole scheme): for each
// of the POINTS points xi of the transformed tile (36 for F(4x4, 3x3)'s 6x6, 64 for F(6x6, 3x3)'s 8x8),
//   M[xi] (T, N) = V[xi] (T, K) U[xi] (K, N)
// over the T tiles of this dispatch's images, K input channels and N output channels, with
//   V in an rgba32float texture of T rows by POINTS * K / 4 texels: texel (xi * K / 4 + k / 4, t) = V[xi][t][k..k+3]
//     (written by winograd_input.wgsl or winograd6_input.wgsl);
//   U packed by conv2d_weight_pack.wgsl as a (POINTS * K, N) matrix, row xi * K + k holding U[xi][k][*] (read that
//     file's header: one texture row per 64-channel block and 32 consecutive rows of the matrix), f32 bits or
//     halves packed 8 to a texel when PACKED_F16;
//   M as m (T, POINTS, N), m[t][xi][n], which the caller copies into a texture laid out like V's for
//     winograd_output.wgsl (winograd_input.wgsl says why not a texture store).
// The work split is conv2d_tex.wgsl's (read its header) for a 1x1 convolution: octets of 8 lanes own 16 rows
// (tiles) x 64 columns, lane j loads row m's channels 4j..4j+3 of each 32-channel step and subgroupShuffle hands
// them to the octet, each lane's weights are its 2 x 4 columns. The point xi is one more coordinate of the octet.
// Needs K % 32 == 0 and N % 64 == 0.

enable subgroups;

struct Params {
  T: u32,          // tiles (rows of V and M)
  K: u32,          // input channels (the reduction)
  N: u32,          // output channels
  rowBlocks: u32,  // ceil(T / TM)
  colBlocks: u32,  // N / 64
  octets: u32,     // POINTS * colBlocks * rowBlocks
  groupsX: u32,    // workgroups along x (the grid is folded into y past 65535)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var v: texture_storage_2d<rgba32float, read>;   // (T rows, POINTS * K / 4 texels) = (POINTS, T, K)
@group(0) @binding(2) var w: texture_storage_2d<rgba32uint, read>;    // U: (N / 64 * POINTS * K / 32 rows, 512 or 256 texels)
@group(0) @binding(3) var<storage, read_write> m: array<vec4f>;  // (T, POINTS, N)

override WG: u32 = 64u;
// Weights stored as packed halves (8 per texel) rather than f32 bits (4 per texel); arithmetic is f32 either way.
override PACKED_F16: bool = false;
// Points of the transformed tile: 36 (F(4x4, 3x3)) or 64 (F(6x6, 3x3)).
override POINTS: u32 = 36u;
// M stored point-major, m (POINTS, T, N), rather than (T, POINTS, N): the grad weight's products (conv2d-winograd.ts
// runs this kernel over tiles as the reduction, x's channels as the rows T and dy's as the columns N).
override POINT_MAJOR: bool = false;

const TM: u32 = 16u;

var<private> pointCol: u32;  // xi * N / 4: the first texel of this octet's point in each row of M
var<private> pointIndex: u32;  // xi

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  // #include parts/octet_prologue.wgsl
  // Point-major, then column-block-major order: consecutive octets (and the workgroups a CPU thread of a software
  // driver takes in turn) read the same slice of U, which then stays in cache.
  let perPoint = params.colBlocks * params.rowBlocks;
  let xi = o / perPoint;
  let colBlock = (o % perPoint) / params.rowBlocks;
  let rowBase = (o % params.rowBlocks) * TM;
  let k4 = params.K / 4u;
  let n4 = params.N / 4u;
  // Rows past T read the last tile (their results are never stored).
  let last = params.T - 1u;
  let r0 = min(rowBase + 0u, last);
  let r1 = min(rowBase + 1u, last);
  let r2 = min(rowBase + 2u, last);
  let r3 = min(rowBase + 3u, last);
  let r4 = min(rowBase + 4u, last);
  let r5 = min(rowBase + 5u, last);
  let r6 = min(rowBase + 6u, last);
  let r7 = min(rowBase + 7u, last);
  let r8 = min(rowBase + 8u, last);
  let r9 = min(rowBase + 9u, last);
  let r10 = min(rowBase + 10u, last);
  let r11 = min(rowBase + 11u, last);
  let r12 = min(rowBase + 12u, last);
  let r13 = min(rowBase + 13u, last);
  let r14 = min(rowBase + 14u, last);
  let r15 = min(rowBase + 15u, last);

  // #include parts/octet_acc_16x2.wgsl
  // This octet's rows of U: its 64-column block's, from matrix row xi * K on.
  let wRow0 = colBlock * (POINTS * params.K / 32u) + xi * (params.K / 32u);
  let vCol0 = xi * k4 + lane;

  for (var c0 = 0u; c0 < params.K; c0 += 32u) {
    let c = vCol0 + c0 / 4u;
    let a0 = textureLoad(v, vec2u(c, r0));
    let a1 = textureLoad(v, vec2u(c, r1));
    let a2 = textureLoad(v, vec2u(c, r2));
    let a3 = textureLoad(v, vec2u(c, r3));
    let a4 = textureLoad(v, vec2u(c, r4));
    let a5 = textureLoad(v, vec2u(c, r5));
    let a6 = textureLoad(v, vec2u(c, r6));
    let a7 = textureLoad(v, vec2u(c, r7));
    let a8 = textureLoad(v, vec2u(c, r8));
    let a9 = textureLoad(v, vec2u(c, r9));
    let a10 = textureLoad(v, vec2u(c, r10));
    let a11 = textureLoad(v, vec2u(c, r11));
    let a12 = textureLoad(v, vec2u(c, r12));
    let a13 = textureLoad(v, vec2u(c, r13));
    let a14 = textureLoad(v, vec2u(c, r14));
    let a15 = textureLoad(v, vec2u(c, r15));
    let wRow = wRow0 + c0 / 32u;  // matrix rows xi * K + c0 + 4 j + q, q < 4, all in this texture row
    // The bound is 8; written from a uniform so the loop stays rolled (compiles faster on llvmpipe, runs as fast).
    for (var j = 0u; j < min(8u, (params.K - c0) / 4u); j++) {
      // #include parts/octet_weights_16x2.wgsl
      // #include parts/octet_step_16x2.wgsl
    }
  }

  if (!live) { return; }
  let c0 = colBlock * 64u + lane * 4u;  // this lane's columns: c0 .. c0 + 3 and c0 + 32 .. c0 + 35
  let channels = params.N;
  let stride4 = n4;
  pointCol = xi * n4;
  pointIndex = xi;
  // #include parts/octet_store_16x2.wgsl
}

// m[row][xi][4 col .. 4 col + 3] (stride4 is N / 4, so pointCol = xi * stride4), or m[xi][row][..] when
// POINT_MAJOR; rows past T are skipped.
fn store(row: u32, col: u32, stride4: u32, value: vec4f) {
  if (row < params.T) {
    let at = select(row * POINTS * stride4 + pointCol, (pointIndex * params.T + row) * stride4, POINT_MAJOR);
    m[at + col] = value;
  }
}
