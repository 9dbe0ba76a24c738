// SGD step in place, four floats per invocation: sgd.wgsl's step (read its header) over vec4s, for tensors whose
// size is a multiple of 4 (src/kernels/optim.ts chooses). On llvmpipe a vec4 load or store costs far less than four
// scalar ones, and a fine-tuning step updates VGG19's block 5 (9.4 million weights) every step.

alias Elem = vec4f;
const LANES = 4u;

// #include parts/sgd_main.wgsl
