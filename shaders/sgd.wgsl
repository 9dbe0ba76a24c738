// SGD step in place, as PyTorch's torch.optim.SGD (dampening 0): g = grad + weightDecay * p; with momentum
// v = momentum * v + g (v starts at zero, so the first step gives v = g as in PyTorch); the step is
// g + momentum * v with NESTEROV, else v; p -= lr * step. Without HAS_VELOCITY the step is g.

// One float per invocation (any size); sgd_vec4.wgsl takes four where the size allows.

alias Elem = f32;
const LANES = 1u;

// #include parts/sgd_main.wgsl
