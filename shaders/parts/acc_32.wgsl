// Part of conv2d_small_cin.wgsl, conv2d_grad_weight.wgsl, conv2d_grad_weight_tex.wgsl and the Winograd grad-weight
// kernels, pasted in where they say `// #include parts/acc_32.wgsl` (src/gpu/pipelines.ts): 32 vec4 accumulators acc0
// .. acc31, written out because compilers put indexed arrays in memory. What each one sums is the including kernel's
// business (its header says).
var acc0 = vec4f(0.0);
var acc1 = vec4f(0.0);
var acc2 = vec4f(0.0);
var acc3 = vec4f(0.0);
var acc4 = vec4f(0.0);
var acc5 = vec4f(0.0);
var acc6 = vec4f(0.0);
var acc7 = vec4f(0.0);
var acc8 = vec4f(0.0);
var acc9 = vec4f(0.0);
var acc10 = vec4f(0.0);
var acc11 = vec4f(0.0);
var acc12 = vec4f(0.0);
var acc13 = vec4f(0.0);
var acc14 = vec4f(0.0);
var acc15 = vec4f(0.0);
var acc16 = vec4f(0.0);
var acc17 = vec4f(0.0);
var acc18 = vec4f(0.0);
var acc19 = vec4f(0.0);
var acc20 = vec4f(0.0);
var acc21 = vec4f(0.0);
var acc22 = vec4f(0.0);
var acc23 = vec4f(0.0);
var acc24 = vec4f(0.0);
var acc25 = vec4f(0.0);
var acc26 = vec4f(0.0);
var acc27 = vec4f(0.0);
var acc28 = vec4f(0.0);
var acc29 = vec4f(0.0);
var acc30 = vec4f(0.0);
var acc31 = vec4f(0.0);
