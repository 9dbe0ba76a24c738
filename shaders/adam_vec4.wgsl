// Adam step in place, four floats per invocation: adam.wgsl's step (read its header) over vec4s, for tensors whose
// size is a multiple of 4 (src/kernels/optim.ts chooses). On llvmpipe a vec4 load or store costs far less than four
// scalar ones, and the from-scratch CNN (stage 1) updates up to 2.4 million weights per layer with Adam every step.

alias Elem = vec4f;
const LANES = 4u;

// #include parts/adam_main.wgsl
