// Backward of the activations beyond ReLU in MobileNets and EfficientNets, one pipeline per OP:
//  0 sigmoid:       dx = dy * y * (1 - y), from the saved output y
//  1 hard sigmoid:  dx = dy * alpha where the output y lies strictly inside (0, 1), else 0, from y
//  2 hard swish:    y = x * clamp(x / 6 + 1/2, 0, 1), dx = dy * (0 below -3, 1 above 3, x / 3 + 1/2 between), from
//                   the saved input x (y does not determine x: hard swish is not monotonic below -1.5)
//  3 clip (ReLU6):  dx = dy where the output y lies strictly inside (lo, hi), else 0 (the input was clipped there, or
//                   sat on a bound, where PyTorch's hardtanh also passes nothing), from y
// One element per invocation (any size); activation_backward_vec4.wgsl takes four where the size allows.

alias Elem = f32;
const LANES = 1u;

// #include parts/activation_backward_main.wgsl
