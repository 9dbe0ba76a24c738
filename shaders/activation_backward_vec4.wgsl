// Backward of the activations beyond ReLU, four floats per invocation: activation_backward.wgsl's rules (read its
// header) over vec4s, for tensors whose size is a multiple of 4 (src/kernels/unary.ts chooses): vec4 loads and stores
// cost far less than four scalar ones on llvmpipe.

alias Elem = vec4f;
const LANES = 4u;

// #include parts/activation_backward_main.wgsl
