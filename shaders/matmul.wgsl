// Matrix multiply, fast path: C (M,N) = A (M,K) B (K,N) [+ bias (N)] [then relu], for K and N multiples of 4.
//
// Written for llvmpipe, where storage loads (not arithmetic) are the bottleneck and workgroup memory is slow
// (platform.md): no workgroup memory; each lane owns 2 vec4 columns of C (adjacent lanes own adjacent columns)
// over TM rows, so every vec4 load of B is reused TM times and every vec4 load of A feeds 8 output columns.
// Rows past M are clamped on load and skipped on store, so any M works.
//
// Operands are bound as windows of their buffers (large matrices are split into chunks that fit one binding);
// the *Off fields are vec4 offsets of this chunk's first element inside each window. With ACCUM the chunk
// adds onto C (the K dimension split into chunks); bias and relu are only requested on the last K chunk.

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

const TM = 8u; // rows per lane (a private array length must be a const, hence not an override)

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let col0 = wid.x * (2u * WG) + lane;
  let row0 = wid.y * TM;
  if (col0 >= params.N4 || row0 >= params.M) { return; }
  let col1 = min(col0 + WG, params.N4 - 1u); // clamped: a lane past the edge computes a copy, never stored

  var aRow: array<u32, TM>;
  for (var r = 0u; r < TM; r++) {
    aRow[r] = params.aOff + min(row0 + r, params.M - 1u) * params.lda;
  }
  var acc: array<vec4f, 16>; // acc[2r + j]: row r, column vec4 j
  var bRow = params.bOff;
  let ldb = params.ldb;
  for (var k4 = 0u; k4 < params.K4; k4++) {
    let b00 = b[bRow + col0];
    let b01 = b[bRow + col1];
    let b10 = b[bRow + ldb + col0];
    let b11 = b[bRow + ldb + col1];
    let b20 = b[bRow + 2u * ldb + col0];
    let b21 = b[bRow + 2u * ldb + col1];
    let b30 = b[bRow + 3u * ldb + col0];
    let b31 = b[bRow + 3u * ldb + col1];
    for (var r = 0u; r < TM; r++) {
      let av = a[aRow[r] + k4];
      acc[2u * r] = fma(vec4f(av.x), b00, fma(vec4f(av.y), b10, fma(vec4f(av.z), b20, fma(vec4f(av.w), b30, acc[2u * r]))));
      acc[2u * r + 1u] = fma(vec4f(av.x), b01, fma(vec4f(av.y), b11, fma(vec4f(av.z), b21, fma(vec4f(av.w), b31, acc[2u * r + 1u]))));
    }
    bRow += 4u * ldb;
  }

  for (var r = 0u; r < TM; r++) {
    let row = row0 + r;
    if (row >= params.M) { break; }
    for (var j = 0u; j < 2u; j++) {
      let col = col0 + j * WG;
      if (col >= params.N4) { continue; }
      let at = params.cOff + row * params.ldc + col;
      var v = acc[2u * r + j];
      if (ACCUM) { v += c[at]; }
      if (HAS_BIAS) { v += bias[params.biasOff + col]; }
      if (RELU) { v = max(v, vec4f(0.0)); }
      c[at] = v;
    }
  }
}
