// Elementwise activations, four floats per invocation: unary.wgsl's ops (read its header) over vec4s, for tensors
// whose size is a multiple of 4 (src/kernels/unary.ts chooses). On llvmpipe a vec4 load or store costs far less than
// four scalar ones, and MobileNets and EfficientNets apply their activations as nodes of their own, over whole maps.

alias Elem = vec4f;
const LANES = 4u;

fn apply(v: vec4f) -> vec4f {
  return vec4f(activate(v.x), activate(v.y), activate(v.z), activate(v.w));
}

// #include parts/unary_main.wgsl
