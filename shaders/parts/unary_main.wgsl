// Part of the activation kernels (unary.wgsl: one element per invocation; unary_vec4.wgsl: four), pasted in where
// they say `// #include parts/unary_main.wgsl` (src/gpu/pipelines.ts): the ops themselves, `activate` of one float,
// and the main loop over elements of type Elem, LANES floats each, through the including kernel's `apply`.
// params.count counts floats. The ops and their numerics are described in unary.wgsl.

struct Params {
  count: u32,
  alpha: f32,
  beta: f32,
  gamma: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read_write> y: array<Elem>;

override WG: u32 = 256u;
override OP: u32 = 0u;

// WGSL allows tanh to be computed as sinh / cosh, which overflows to NaN for large |x|; tanh(9) already rounds to 1
// in f32.
fn safeTanh(v: f32) -> f32 {
  return tanh(clamp(v, -9.0, 9.0));
}

// log(1 + e) for e >= 0 that keeps its digits when e is small: WGSL's log may be off by 2^-21 absolute near 1,
// which is all of log(1 + e) once e is below that; below 1/16 its series (the first term left out is under 1e-8 of
// the sum), above, log itself.
fn log1p(e: f32) -> f32 {
  if (e < 0.0625) {
    return e * (1.0 + e * (-0.5 + e * (1.0 / 3.0 + e * (-0.25 + e * (0.2 - e / 6.0)))));
  }
  return log(1.0 + e);
}

// log(1 + exp(v)) without overflow: exp of a large v would be inf.
fn softplus(v: f32) -> f32 {
  return max(v, 0.0) + log1p(exp(-abs(v)));
}

// x tanh(softplus(x)): with e = exp(x), tanh(log(1 + e)) is n / (n + 2), n = e (e + 2), which has no cancellation
// for negative x; above 20 it rounds to 1 (and n would overflow).
fn mish(v: f32) -> f32 {
  if (v > 20.0) { return v; }
  let e = exp(v);
  let n = e * (e + 2.0);
  return v * n / (n + 2.0);
}

// WGSL has no erf. erfc(v) by the Chebyshev fit of Numerical Recipes' erfcc (relative error under 1.2e-7 for any v,
// so the far tails that gelu multiplies by x stay accurate); erf is 1 - erfc above 0.5 and its Taylor series below
// (the next term is under 2e-8 there), which keeps small arguments' relative error small.
fn erfc(v: f32) -> f32 {
  let z = abs(v);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
    + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(2.0 - r, r, v >= 0.0);
}

fn erf(v: f32) -> f32 {
  if (abs(v) < 0.5) {
    let s = v * v;
    return v * (1.1283791671 + s * (-0.37612638903 + s * (0.11283791671 + s * (-0.026866170645
      + s * (0.0052239776254 + s * (-0.00085483270177 + s * 0.00012055332982))))));
  }
  return sign(v) * (1.0 - erfc(abs(v)));
}

fn elu(v: f32, alpha: f32) -> f32 {
  return select(alpha * (exp(v) - 1.0), v, v > 0.0);
}

fn activate(v: f32) -> f32 {
  var r: f32;
  switch OP {
    // exp of a large positive argument overflows to inf, and 1 / (1 + inf) is 0: the right limit either way.
    case 0u: { r = 1.0 / (1.0 + exp(-v)); }
    case 1u: { r = safeTanh(v); }
    case 2u: { r = select(params.alpha * v, v, v >= 0.0); }
    case 3u: { r = clamp(v, params.alpha, params.beta); }
    case 4u: { r = clamp(params.alpha * v + params.beta, 0.0, 1.0); }
    case 5u: { r = v * clamp(v / 6.0 + 0.5, 0.0, 1.0); }
    case 6u: { r = exp(v); }
    case 7u: { r = log(v); }
    case 8u: { r = sqrt(v); }
    case 9u: { r = -v; }
    case 10u: { r = abs(v); }
    case 11u: { r = 1.0 / v; }
    case 12u: { r = erf(v); }
    case 13u: { r = softplus(v); }
    case 14u: { r = elu(v, params.alpha); }
    case 15u: { r = params.gamma * elu(v, params.alpha); }
    // 1 + erf(v / sqrt 2) as erfc(-v / sqrt 2): no cancellation where v is very negative.
    case 16u: { r = 0.5 * v * erfc(-v * 0.70710678118654752); }
    // 0.5 (1 + tanh(u)) is 1 / (1 + exp(-2u)): no cancellation where u is very negative. sqrt(2 / pi) = 0.79788...
    case 17u: { r = v / (1.0 + exp(-2.0 * 0.79788456080286536 * (v + 0.044715 * v * v * v))); }
    case 18u: { r = mish(v); }
    default: { r = v / (1.0 + abs(v)); }
  }
  return r;
}

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i * LANES >= params.count) { return; }
  y[i] = apply(x[i]);
}
