// Adam step in place, as PyTorch's torch.optim.Adam / AdamW (amsgrad off):
//   Adam:  g = grad + weightDecay * p          AdamW (DECOUPLED): p *= 1 - lr * weightDecay
//   m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2
//   p -= (lr / (1 - beta1^t)) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
// The bias corrections depend only on the step t, so the host computes them in float64.

// One float per invocation (any size); adam_vec4.wgsl takes four where the size allows.

alias Elem = f32;
const LANES = 1u;

// #include parts/adam_main.wgsl
