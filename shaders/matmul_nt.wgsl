// Matrix multiply with B transposed, fast path: C (M,N) = A (M,K) B^T where B is stored (N,K), for K a multiple
// of 4 (any M, N). This is ONNX Gemm with transB=1 (weights stored [out,in]) and the dense layer's input gradient
// dx = dy w^T. Both operands are contiguous along K, so each output is a dot product of vec4 runs.
//
// No workgroup memory (slow on llvmpipe, platform.md). Each lane owns TN columns of C (lanes interleaved, so
// adjacent lanes own adjacent columns) over TM rows: per 4 steps of K it loads TM vec4 of A and TN vec4 of B
// for TM*TN vec4 FMAs. Rows and columns past the edge are clamped on load and skipped on store.
// Windows, offsets (in floats here; A and B offsets are multiples of 4), ACCUM, bias and relu as matmul.wgsl.

struct Params {
  M: u32,
  N: u32,
  K4: u32,     // vec4 steps of the reduction in this chunk
  lda: u32,    // row stride of A, in vec4
  ldb: u32,    // row stride of B (stored (N,K)), in vec4
  ldc: u32,    // row stride of C, in floats
  aOff: u32,   // vec4
  bOff: u32,   // vec4
  cOff: u32,   // float
  biasOff: u32, // float
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<vec4f>;
@group(0) @binding(2) var<storage, read> b: array<vec4f>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

override WG: u32 = 64u;
override HAS_BIAS: bool = false;
override RELU: bool = false;
override ACCUM: bool = false;

const TM = 4u;
const TN = 4u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let colBase = wid.x * (TN * WG) + lane;
  let row0 = wid.y * TM;
  if (colBase >= params.N || row0 >= params.M) { return; }

  var aRow: array<u32, TM>;
  for (var r = 0u; r < TM; r++) {
    aRow[r] = params.aOff + min(row0 + r, params.M - 1u) * params.lda;
  }
  var bRow: array<u32, TN>;
  for (var j = 0u; j < TN; j++) {
    bRow[j] = params.bOff + min(colBase + j * WG, params.N - 1u) * params.ldb;
  }
  var acc: array<vec4f, 16>; // acc[r * TN + j], reduced horizontally at the end
  for (var k4 = 0u; k4 < params.K4; k4++) {
    var bv = array<vec4f, TN>();
    for (var j = 0u; j < TN; j++) { bv[j] = b[bRow[j] + k4]; }
    for (var r = 0u; r < TM; r++) {
      let av = a[aRow[r] + k4];
      for (var j = 0u; j < TN; j++) { acc[r * TN + j] = fma(av, bv[j], acc[r * TN + j]); }
    }
  }

  for (var r = 0u; r < TM; r++) {
    let row = row0 + r;
    if (row >= params.M) { break; }
    for (var j = 0u; j < TN; j++) {
      let col = colBase + j * WG;
      if (col >= params.N) { break; }
      let at = params.cOff + row * params.ldc + col;
      let s = acc[r * TN + j];
      var v = (s.x + s.y) + (s.z + s.w);
      if (ACCUM) { v += c[at]; }
      if (HAS_BIAS) { v += bias[params.biasOff + col]; }
      if (RELU) { v = max(v, 0.0); }
      c[at] = v;
    }
  }
}
