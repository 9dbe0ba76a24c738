// Elementwise activations and maths for the ONNX runner, one pipeline per OP (src/kernels/unary.ts names them):
//  0 sigmoid 1 / (1 + exp(-x))      1 tanh                          2 leaky ReLU: x, or alpha * x below 0
//  3 clip to [alpha, beta]          4 hard sigmoid: clamp(alpha * x + beta, 0, 1)
//  5 hard swish: x * clamp(x / 6 + 1 / 2, 0, 1)                     6 exp     7 log     8 sqrt    9 -x
// 10 |x|                           11 1 / x                         12 erf    13 softplus log(1 + exp(x))
// 14 elu: x, or alpha * (exp(x) - 1) below 0                       15 selu: gamma * elu(x) with alpha
// 16 gelu 0.5 x (1 + erf(x / sqrt 2))                              17 gelu, tanh approximation
// 18 mish x * tanh(softplus(x))    19 softsign x / (1 + |x|)
// log, sqrt and 1 / x outside their domain give what the device's maths gives (WGSL leaves it open).
// One element per invocation (any size); unary_vec4.wgsl takes four where the size allows. The ops are in
// parts/unary_main.wgsl.

alias Elem = f32;
const LANES = 1u;

fn apply(v: f32) -> f32 {
  return activate(v);
}

// #include parts/unary_main.wgsl
