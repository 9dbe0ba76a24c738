// Elementwise activations for the ONNX runner, one pipeline per OP: 0 sigmoid 1 / (1 + exp(-x)); 1 tanh; 2 leaky
// ReLU (x, or alpha * x below 0); 3 clip to [lo, hi]. One invocation per element of this chunk (dispatchFlat).

struct Params {
  count: u32,
  alpha: f32,
  lo: f32,
  hi: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 256u;
override OP: u32 = 0u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let v = x[i];
  if (OP == 0u) {
    // exp of a large positive argument overflows to inf, and 1 / (1 + inf) is 0: the right limit either way.
    y[i] = 1.0 / (1.0 + exp(-v));
  } else if (OP == 1u) {
    // WGSL allows tanh to be computed as sinh / cosh, which overflows to NaN for large |x|; tanh(9) already rounds
    // to 1 in f32.
    y[i] = tanh(clamp(v, -9.0, 9.0));
  } else if (OP == 2u) {
    y[i] = select(params.alpha * v, v, v >= 0.0);
  } else {
    y[i] = clamp(v, params.lo, params.hi);
  }
}
