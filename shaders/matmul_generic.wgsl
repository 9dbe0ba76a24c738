// Matrix multiply, general path: C (M,N) = op(A) op(B) [+ bias (N)] [then relu] for any sizes and any
// transposes, through element strides: op(A)[m,k] = a[aOff + m*sam + k*sak], op(B)[k,n] = b[bOff + k*sbk + n*sbn].
// Used where the vec4 fast paths (matmul.wgsl, matmul_nt.wgsl) do not apply: sizes not multiples of 4 (a
// 19-class head), or A transposed (the dense weight gradient x^T dy). Scalar loads, a 4x4 tile per lane, lanes
// own adjacent columns. Windows, ACCUM, bias and relu as matmul.wgsl, offsets in floats.

struct Params {
  M: u32,
  N: u32,
  K: u32,
  sam: u32,
  sak: u32,
  sbk: u32,
  sbn: u32,
  ldc: u32,
  aOff: u32,
  bOff: u32,
  cOff: u32,
  biasOff: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<storage, read_write> c: array<f32>;

override WG: u32 = 64u;
override HAS_BIAS: bool = false;
override RELU: bool = false;
override ACCUM: bool = false;

const T = 4u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) lane: u32) {
  let colBase = wid.x * (T * WG) + lane;
  let row0 = wid.y * T;
  if (colBase >= params.N || row0 >= params.M) { return; }

  var aAt: array<u32, T>;
  var bAt: array<u32, T>;
  for (var i = 0u; i < T; i++) {
    aAt[i] = params.aOff + min(row0 + i, params.M - 1u) * params.sam;
    bAt[i] = params.bOff + min(colBase + i * WG, params.N - 1u) * params.sbn;
  }
  var acc: array<f32, 16>; // acc[r * T + j]
  for (var k = 0u; k < params.K; k++) {
    var bv = array<f32, T>();
    for (var j = 0u; j < T; j++) { bv[j] = b[bAt[j] + k * params.sbk]; }
    for (var r = 0u; r < T; r++) {
      let av = a[aAt[r] + k * params.sak];
      for (var j = 0u; j < T; j++) { acc[r * T + j] = fma(av, bv[j], acc[r * T + j]); }
    }
  }

  for (var r = 0u; r < T; r++) {
    let row = row0 + r;
    if (row >= params.M) { break; }
    for (var j = 0u; j < T; j++) {
      let col = colBase + j * WG;
      if (col >= params.N) { break; }
      let at = params.cOff + row * params.ldc + col;
      var v = acc[r * T + j];
      if (ACCUM) { v += c[at]; }
      if (HAS_BIAS) { v += bias[params.biasOff + col]; }
      if (RELU) { v = max(v, 0.0); }
      c[at] = v;
    }
  }
}
