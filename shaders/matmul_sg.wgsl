// Matrix multiply, fast path with subgroups: C (M,N) = A (M,K) B (K,N) [+ bias (N)] [then relu], K and N
// multiples of 4, used for M > 8 when the adapter has subgroups (matmul.wgsl otherwise).
//
// Same scheme as matmul.wgsl (lanes own 2 adjacent vec4 columns, no workgroup memory) with two changes that
// measured about 5x faster per CPU-second on llvmpipe (1024^3, noisy shared machine):
// - Every lane of a workgroup works on the same 32 rows, so instead of each lane loading all 32 rows of A
//   (loads are what costs on llvmpipe), lane l loads rows l%8 and l%8 + 8, 16, 24, and subgroupShuffle hands
//   row r to every lane from lane r%8. This needs subgroups of at least 8 lanes (llvmpipe: 8, most GPUs 32+);
//   a smaller subgroup takes the plain loop below instead.
// - The 32x2 accumulators are named variables, written out, not an array indexed in a loop: llvmpipe kept the
//   array in memory. Row r's accumulators are acc<r>_0 and acc<r>_1; the lines follow one pattern.
// Windows, offsets (in vec4), ACCUM, bias and relu as matmul.wgsl.

enable subgroups;

struct Params {
  M: u32,      // rows of this chunk
  N4: u32,     // vec4 columns of this chunk
  K4: u32,     // vec4 steps of the reduction in this chunk
  lda: u32,    // row stride of A, in vec4
  ldb: u32,    // row stride of B, in vec4
  ldc: u32,    // row stride of C, in vec4
  aOff: u32,
  bOff: u32,
  cOff: u32,
  biasOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read> bias: array<vec4f>;
@group(0) @binding(4) var<storage, read_write> c: array<vec4f>;

override WG: u32 = 64u;
override HAS_BIAS: bool = false;
override RELU: bool = false;
override ACCUM: bool = false;

const TM = 32u; // rows per workgroup

@compute @workgroup_size(WG)
fn main(
  @builtin(workgroup_id) wid: vec3u,
  @builtin(local_invocation_index) lane: u32,
  @builtin(subgroup_invocation_id) sgLane: u32,
  @builtin(subgroup_size) sgSize: u32,
) {
  let col0 = wid.x * (2u * WG) + lane;
  let row0 = wid.y * TM;
  // Whole workgroups only leave together, so every lane still active takes part in the shuffles.
  if (row0 >= params.M) { return; }
  let lastRow = params.M - 1u;
  let c0 = min(col0, params.N4 - 1u); // clamped: lanes past the edge compute copies, never stored
  let c1 = min(col0 + WG, params.N4 - 1u);
  let ldb = params.ldb;
  let lda = params.lda;

  var acc0_0 = vec4f(0.0); var acc0_1 = vec4f(0.0);
  var acc1_0 = vec4f(0.0); var acc1_1 = vec4f(0.0);
  var acc2_0 = vec4f(0.0); var acc2_1 = vec4f(0.0);
  var acc3_0 = vec4f(0.0); var acc3_1 = vec4f(0.0);
  var acc4_0 = vec4f(0.0); var acc4_1 = vec4f(0.0);
  var acc5_0 = vec4f(0.0); var acc5_1 = vec4f(0.0);
  var acc6_0 = vec4f(0.0); var acc6_1 = vec4f(0.0);
  var acc7_0 = vec4f(0.0); var acc7_1 = vec4f(0.0);
  var acc8_0 = vec4f(0.0); var acc8_1 = vec4f(0.0);
  var acc9_0 = vec4f(0.0); var acc9_1 = vec4f(0.0);
  var acc10_0 = vec4f(0.0); var acc10_1 = vec4f(0.0);
  var acc11_0 = vec4f(0.0); var acc11_1 = vec4f(0.0);
  var acc12_0 = vec4f(0.0); var acc12_1 = vec4f(0.0);
  var acc13_0 = vec4f(0.0); var acc13_1 = vec4f(0.0);
  var acc14_0 = vec4f(0.0); var acc14_1 = vec4f(0.0);
  var acc15_0 = vec4f(0.0); var acc15_1 = vec4f(0.0);
  var acc16_0 = vec4f(0.0); var acc16_1 = vec4f(0.0);
  var acc17_0 = vec4f(0.0); var acc17_1 = vec4f(0.0);
  var acc18_0 = vec4f(0.0); var acc18_1 = vec4f(0.0);
  var acc19_0 = vec4f(0.0); var acc19_1 = vec4f(0.0);
  var acc20_0 = vec4f(0.0); var acc20_1 = vec4f(0.0);
  var acc21_0 = vec4f(0.0); var acc21_1 = vec4f(0.0);
  var acc22_0 = vec4f(0.0); var acc22_1 = vec4f(0.0);
  var acc23_0 = vec4f(0.0); var acc23_1 = vec4f(0.0);
  var acc24_0 = vec4f(0.0); var acc24_1 = vec4f(0.0);
  var acc25_0 = vec4f(0.0); var acc25_1 = vec4f(0.0);
  var acc26_0 = vec4f(0.0); var acc26_1 = vec4f(0.0);
  var acc27_0 = vec4f(0.0); var acc27_1 = vec4f(0.0);
  var acc28_0 = vec4f(0.0); var acc28_1 = vec4f(0.0);
  var acc29_0 = vec4f(0.0); var acc29_1 = vec4f(0.0);
  var acc30_0 = vec4f(0.0); var acc30_1 = vec4f(0.0);
  var acc31_0 = vec4f(0.0); var acc31_1 = vec4f(0.0);

  var bRow = params.bOff;
  if (sgSize >= 8u) {
    let aRow0 = params.aOff + min(row0 + 0u + (sgLane & 7u), lastRow) * lda;
    let aRow1 = params.aOff + min(row0 + 8u + (sgLane & 7u), lastRow) * lda;
    let aRow2 = params.aOff + min(row0 + 16u + (sgLane & 7u), lastRow) * lda;
    let aRow3 = params.aOff + min(row0 + 24u + (sgLane & 7u), lastRow) * lda;
    for (var k4 = 0u; k4 < params.K4; k4++) {
      let b0_0 = b[bRow + c0]; let b0_1 = b[bRow + c1];
      let b1_0 = b[bRow + 1u * ldb + c0]; let b1_1 = b[bRow + 1u * ldb + c1];
      let b2_0 = b[bRow + 2u * ldb + c0]; let b2_1 = b[bRow + 2u * ldb + c1];
      let b3_0 = b[bRow + 3u * ldb + c0]; let b3_1 = b[bRow + 3u * ldb + c1];
      let mine0 = a[aRow0 + k4];
      let mine1 = a[aRow1 + k4];
      let mine2 = a[aRow2 + k4];
      let mine3 = a[aRow3 + k4];
      { let av = subgroupShuffle(mine0, 0u); acc0_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc0_0); acc0_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc0_1); }
      { let av = subgroupShuffle(mine0, 1u); acc1_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc1_0); acc1_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc1_1); }
      { let av = subgroupShuffle(mine0, 2u); acc2_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc2_0); acc2_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc2_1); }
      { let av = subgroupShuffle(mine0, 3u); acc3_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc3_0); acc3_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc3_1); }
      { let av = subgroupShuffle(mine0, 4u); acc4_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc4_0); acc4_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc4_1); }
      { let av = subgroupShuffle(mine0, 5u); acc5_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc5_0); acc5_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc5_1); }
      { let av = subgroupShuffle(mine0, 6u); acc6_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc6_0); acc6_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc6_1); }
      { let av = subgroupShuffle(mine0, 7u); acc7_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc7_0); acc7_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc7_1); }
      { let av = subgroupShuffle(mine1, 0u); acc8_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc8_0); acc8_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc8_1); }
      { let av = subgroupShuffle(mine1, 1u); acc9_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc9_0); acc9_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc9_1); }
      { let av = subgroupShuffle(mine1, 2u); acc10_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc10_0); acc10_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc10_1); }
      { let av = subgroupShuffle(mine1, 3u); acc11_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc11_0); acc11_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc11_1); }
      { let av = subgroupShuffle(mine1, 4u); acc12_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc12_0); acc12_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc12_1); }
      { let av = subgroupShuffle(mine1, 5u); acc13_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc13_0); acc13_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc13_1); }
      { let av = subgroupShuffle(mine1, 6u); acc14_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc14_0); acc14_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc14_1); }
      { let av = subgroupShuffle(mine1, 7u); acc15_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc15_0); acc15_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc15_1); }
      { let av = subgroupShuffle(mine2, 0u); acc16_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc16_0); acc16_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc16_1); }
      { let av = subgroupShuffle(mine2, 1u); acc17_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc17_0); acc17_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc17_1); }
      { let av = subgroupShuffle(mine2, 2u); acc18_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc18_0); acc18_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc18_1); }
      { let av = subgroupShuffle(mine2, 3u); acc19_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc19_0); acc19_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc19_1); }
      { let av = subgroupShuffle(mine2, 4u); acc20_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc20_0); acc20_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc20_1); }
      { let av = subgroupShuffle(mine2, 5u); acc21_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc21_0); acc21_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc21_1); }
      { let av = subgroupShuffle(mine2, 6u); acc22_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc22_0); acc22_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc22_1); }
      { let av = subgroupShuffle(mine2, 7u); acc23_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc23_0); acc23_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc23_1); }
      { let av = subgroupShuffle(mine3, 0u); acc24_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc24_0); acc24_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc24_1); }
      { let av = subgroupShuffle(mine3, 1u); acc25_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc25_0); acc25_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc25_1); }
      { let av = subgroupShuffle(mine3, 2u); acc26_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc26_0); acc26_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc26_1); }
      { let av = subgroupShuffle(mine3, 3u); acc27_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc27_0); acc27_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc27_1); }
      { let av = subgroupShuffle(mine3, 4u); acc28_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc28_0); acc28_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc28_1); }
      { let av = subgroupShuffle(mine3, 5u); acc29_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc29_0); acc29_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc29_1); }
      { let av = subgroupShuffle(mine3, 6u); acc30_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc30_0); acc30_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc30_1); }
      { let av = subgroupShuffle(mine3, 7u); acc31_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc31_0); acc31_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc31_1); }
      bRow += 4u * ldb;
    }
  } else {
    for (var k4 = 0u; k4 < params.K4; k4++) {
      let b0_0 = b[bRow + c0]; let b0_1 = b[bRow + c1];
      let b1_0 = b[bRow + 1u * ldb + c0]; let b1_1 = b[bRow + 1u * ldb + c1];
      let b2_0 = b[bRow + 2u * ldb + c0]; let b2_1 = b[bRow + 2u * ldb + c1];
      let b3_0 = b[bRow + 3u * ldb + c0]; let b3_1 = b[bRow + 3u * ldb + c1];
      { let av = a[params.aOff + min(row0 + 0u, lastRow) * lda + k4]; acc0_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc0_0); acc0_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc0_1); }
      { let av = a[params.aOff + min(row0 + 1u, lastRow) * lda + k4]; acc1_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc1_0); acc1_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc1_1); }
      { let av = a[params.aOff + min(row0 + 2u, lastRow) * lda + k4]; acc2_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc2_0); acc2_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc2_1); }
      { let av = a[params.aOff + min(row0 + 3u, lastRow) * lda + k4]; acc3_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc3_0); acc3_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc3_1); }
      { let av = a[params.aOff + min(row0 + 4u, lastRow) * lda + k4]; acc4_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc4_0); acc4_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc4_1); }
      { let av = a[params.aOff + min(row0 + 5u, lastRow) * lda + k4]; acc5_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc5_0); acc5_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc5_1); }
      { let av = a[params.aOff + min(row0 + 6u, lastRow) * lda + k4]; acc6_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc6_0); acc6_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc6_1); }
      { let av = a[params.aOff + min(row0 + 7u, lastRow) * lda + k4]; acc7_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc7_0); acc7_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc7_1); }
      { let av = a[params.aOff + min(row0 + 8u, lastRow) * lda + k4]; acc8_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc8_0); acc8_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc8_1); }
      { let av = a[params.aOff + min(row0 + 9u, lastRow) * lda + k4]; acc9_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc9_0); acc9_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc9_1); }
      { let av = a[params.aOff + min(row0 + 10u, lastRow) * lda + k4]; acc10_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc10_0); acc10_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc10_1); }
      { let av = a[params.aOff + min(row0 + 11u, lastRow) * lda + k4]; acc11_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc11_0); acc11_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc11_1); }
      { let av = a[params.aOff + min(row0 + 12u, lastRow) * lda + k4]; acc12_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc12_0); acc12_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc12_1); }
      { let av = a[params.aOff + min(row0 + 13u, lastRow) * lda + k4]; acc13_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc13_0); acc13_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc13_1); }
      { let av = a[params.aOff + min(row0 + 14u, lastRow) * lda + k4]; acc14_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc14_0); acc14_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc14_1); }
      { let av = a[params.aOff + min(row0 + 15u, lastRow) * lda + k4]; acc15_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc15_0); acc15_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc15_1); }
      { let av = a[params.aOff + min(row0 + 16u, lastRow) * lda + k4]; acc16_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc16_0); acc16_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc16_1); }
      { let av = a[params.aOff + min(row0 + 17u, lastRow) * lda + k4]; acc17_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc17_0); acc17_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc17_1); }
      { let av = a[params.aOff + min(row0 + 18u, lastRow) * lda + k4]; acc18_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc18_0); acc18_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc18_1); }
      { let av = a[params.aOff + min(row0 + 19u, lastRow) * lda + k4]; acc19_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc19_0); acc19_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc19_1); }
      { let av = a[params.aOff + min(row0 + 20u, lastRow) * lda + k4]; acc20_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc20_0); acc20_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc20_1); }
      { let av = a[params.aOff + min(row0 + 21u, lastRow) * lda + k4]; acc21_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc21_0); acc21_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc21_1); }
      { let av = a[params.aOff + min(row0 + 22u, lastRow) * lda + k4]; acc22_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc22_0); acc22_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc22_1); }
      { let av = a[params.aOff + min(row0 + 23u, lastRow) * lda + k4]; acc23_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc23_0); acc23_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc23_1); }
      { let av = a[params.aOff + min(row0 + 24u, lastRow) * lda + k4]; acc24_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc24_0); acc24_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc24_1); }
      { let av = a[params.aOff + min(row0 + 25u, lastRow) * lda + k4]; acc25_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc25_0); acc25_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc25_1); }
      { let av = a[params.aOff + min(row0 + 26u, lastRow) * lda + k4]; acc26_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc26_0); acc26_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc26_1); }
      { let av = a[params.aOff + min(row0 + 27u, lastRow) * lda + k4]; acc27_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc27_0); acc27_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc27_1); }
      { let av = a[params.aOff + min(row0 + 28u, lastRow) * lda + k4]; acc28_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc28_0); acc28_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc28_1); }
      { let av = a[params.aOff + min(row0 + 29u, lastRow) * lda + k4]; acc29_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc29_0); acc29_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc29_1); }
      { let av = a[params.aOff + min(row0 + 30u, lastRow) * lda + k4]; acc30_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc30_0); acc30_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc30_1); }
      { let av = a[params.aOff + min(row0 + 31u, lastRow) * lda + k4]; acc31_0 = step4(av, b0_0, b1_0, b2_0, b3_0, acc31_0); acc31_1 = step4(av, b0_1, b1_1, b2_1, b3_1, acc31_1); }
      bRow += 4u * ldb;
    }
  }

  store(row0 + 0u, col0, acc0_0); store(row0 + 0u, col0 + WG, acc0_1);
  store(row0 + 1u, col0, acc1_0); store(row0 + 1u, col0 + WG, acc1_1);
  store(row0 + 2u, col0, acc2_0); store(row0 + 2u, col0 + WG, acc2_1);
  store(row0 + 3u, col0, acc3_0); store(row0 + 3u, col0 + WG, acc3_1);
  store(row0 + 4u, col0, acc4_0); store(row0 + 4u, col0 + WG, acc4_1);
  store(row0 + 5u, col0, acc5_0); store(row0 + 5u, col0 + WG, acc5_1);
  store(row0 + 6u, col0, acc6_0); store(row0 + 6u, col0 + WG, acc6_1);
  store(row0 + 7u, col0, acc7_0); store(row0 + 7u, col0 + WG, acc7_1);
  store(row0 + 8u, col0, acc8_0); store(row0 + 8u, col0 + WG, acc8_1);
  store(row0 + 9u, col0, acc9_0); store(row0 + 9u, col0 + WG, acc9_1);
  store(row0 + 10u, col0, acc10_0); store(row0 + 10u, col0 + WG, acc10_1);
  store(row0 + 11u, col0, acc11_0); store(row0 + 11u, col0 + WG, acc11_1);
  store(row0 + 12u, col0, acc12_0); store(row0 + 12u, col0 + WG, acc12_1);
  store(row0 + 13u, col0, acc13_0); store(row0 + 13u, col0 + WG, acc13_1);
  store(row0 + 14u, col0, acc14_0); store(row0 + 14u, col0 + WG, acc14_1);
  store(row0 + 15u, col0, acc15_0); store(row0 + 15u, col0 + WG, acc15_1);
  store(row0 + 16u, col0, acc16_0); store(row0 + 16u, col0 + WG, acc16_1);
  store(row0 + 17u, col0, acc17_0); store(row0 + 17u, col0 + WG, acc17_1);
  store(row0 + 18u, col0, acc18_0); store(row0 + 18u, col0 + WG, acc18_1);
  store(row0 + 19u, col0, acc19_0); store(row0 + 19u, col0 + WG, acc19_1);
  store(row0 + 20u, col0, acc20_0); store(row0 + 20u, col0 + WG, acc20_1);
  store(row0 + 21u, col0, acc21_0); store(row0 + 21u, col0 + WG, acc21_1);
  store(row0 + 22u, col0, acc22_0); store(row0 + 22u, col0 + WG, acc22_1);
  store(row0 + 23u, col0, acc23_0); store(row0 + 23u, col0 + WG, acc23_1);
  store(row0 + 24u, col0, acc24_0); store(row0 + 24u, col0 + WG, acc24_1);
  store(row0 + 25u, col0, acc25_0); store(row0 + 25u, col0 + WG, acc25_1);
  store(row0 + 26u, col0, acc26_0); store(row0 + 26u, col0 + WG, acc26_1);
  store(row0 + 27u, col0, acc27_0); store(row0 + 27u, col0 + WG, acc27_1);
  store(row0 + 28u, col0, acc28_0); store(row0 + 28u, col0 + WG, acc28_1);
  store(row0 + 29u, col0, acc29_0); store(row0 + 29u, col0 + WG, acc29_1);
  store(row0 + 30u, col0, acc30_0); store(row0 + 30u, col0 + WG, acc30_1);
  store(row0 + 31u, col0, acc31_0); store(row0 + 31u, col0 + WG, acc31_1);
}

// acc + A[row, k..k+3] . B[k..k+3, 4 columns]
fn step4(av: vec4f, b0: vec4f, b1: vec4f, b2: vec4f, b3: vec4f, acc: vec4f) -> vec4f {
  return fma(vec4f(av.x), b0, fma(vec4f(av.y), b1, fma(vec4f(av.z), b2, fma(vec4f(av.w), b3, acc))));
}

fn store(row: u32, col: u32, acc: vec4f) {
  if (row >= params.M || col >= params.N4) { return; }
  let at = params.cOff + row * params.ldc + col;
  var v = acc;
  if (ACCUM) { v += c[at]; }
  if (HAS_BIAS) { v += bias[params.biasOff + col]; }
  if (RELU) { v = max(v, vec4f(0.0)); }
  c[at] = v;
}
