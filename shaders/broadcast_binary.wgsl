// Broadcasting binary operation (numpy rules): OP 0, the weighted sum y = alpha * a + beta * b (ONNX's Add, Sub,
// Sum, Mean and Gemm's C term, Expand with beta 0); OP 1, the product y = a * b (Mul); OP 2, the quotient y = a / b
// (Div); OP 3 max(a, b) and OP 4 min(a, b) (Max, Min); OP 5 a to the power b (Pow); OP 6 a, or b * a where a is
// negative (PRelu, b the slope). y's dims are d0..d5 (row-major, leading 1s below rank 6); each operand steps through its own buffer by a stride per
// output axis, 0 along axes it is broadcast over. Strides also let an operand be laid out differently from y
// (NCHW against an NHWC output) without a copy. One invocation per output element.

struct Params {
  count: u32,
  d0: u32, d1: u32, d2: u32, d3: u32, d4: u32, d5: u32,
  a0: u32, a1: u32, a2: u32, a3: u32, a4: u32, a5: u32,
  b0: u32, b1: u32, b2: u32, b3: u32, b4: u32, b5: u32,
  alpha: f32,
  beta: f32,
  aBase: u32,  // where a's element 0 of this dispatch sits in its binding (a slice of y's first axis: src/kernels/broadcast.ts)
  bBase: u32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> a: array<f32>;
@group(0) @binding(2) var<storage, read> b: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;

override WG: u32 = 256u;
override OP: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let dims = array<u32, 6>(params.d0, params.d1, params.d2, params.d3, params.d4, params.d5);
  let sa = array<u32, 6>(params.a0, params.a1, params.a2, params.a3, params.a4, params.a5);
  let sb = array<u32, 6>(params.b0, params.b1, params.b2, params.b3, params.b4, params.b5);
  var rest = i;
  var ia = params.aBase;
  var ib = params.bBase;
  for (var k = 5i; k >= 0i; k--) {
    let d = dims[k];
    let c = rest % d;
    ia += c * sa[k];
    ib += c * sb[k];
    rest /= d;
  }
  let va = a[ia];
  let vb = b[ib];
  var r: f32;
  switch OP {
    case 1u: { r = va * vb; }
    case 2u: { r = va / vb; }
    case 3u: { r = max(va, vb); }
    case 4u: { r = min(va, vb); }
    case 5u: { r = power(va, vb); }
    case 6u: { r = select(vb * va, va, va >= 0.0); }
    default: { r = params.alpha * va + params.beta * vb; }
  }
  y[i] = r;
}

// a^b as C's pow gives it: WGSL's pow is undefined for a negative base, and exp2(b * log2(a)) rounds where the exact
// product is cheap, so the exponents models use most (2 for a variance, 0.5, 1, 3) are written out. A negative base
// takes an integer exponent's sign rule; with any other exponent the result is NaN (as in C, where the device keeps
// IEEE rules: WGSL leaves it open).
fn power(a: f32, b: f32) -> f32 {
  if (b == 2.0) { return a * a; }
  if (b == 1.0) { return a; }
  if (b == 3.0) { return a * a * a; }
  if (b == 0.0) { return 1.0; }
  if (b == 0.5 && a >= 0.0) { return sqrt(a); }
  if (a == 0.0) { return select(1.0 / a, 0.0, b > 0.0); }
  let m = exp2(b * log2(abs(a)));
  if (a > 0.0) { return m; }
  if (fract(b) != 0.0) { return sqrt(-1.0 - abs(a)); }
  return select(m, -m, fract(b * 0.5) != 0.0);
}
