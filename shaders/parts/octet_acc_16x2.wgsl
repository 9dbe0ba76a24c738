// Part of the octet kernels (conv2d.wgsl, conv2d_tex.wgsl, conv2d_grad_input.wgsl, conv2d_grad_input_tex.wgsl,
// winograd_gemm.wgsl), pasted in where they say `// #include parts/octet_acc_16x2.wgsl` (src/gpu/pipelines.ts): the
// accumulators of a lane's 16 pixels x 2 groups of 4 channels, acc{m}_{t}, written out because compilers put indexed
// arrays in memory.
var acc0_0 = vec4f(0.0);
var acc0_1 = vec4f(0.0);
var acc1_0 = vec4f(0.0);
var acc1_1 = vec4f(0.0);
var acc2_0 = vec4f(0.0);
var acc2_1 = vec4f(0.0);
var acc3_0 = vec4f(0.0);
var acc3_1 = vec4f(0.0);
var acc4_0 = vec4f(0.0);
var acc4_1 = vec4f(0.0);
var acc5_0 = vec4f(0.0);
var acc5_1 = vec4f(0.0);
var acc6_0 = vec4f(0.0);
var acc6_1 = vec4f(0.0);
var acc7_0 = vec4f(0.0);
var acc7_1 = vec4f(0.0);
var acc8_0 = vec4f(0.0);
var acc8_1 = vec4f(0.0);
var acc9_0 = vec4f(0.0);
var acc9_1 = vec4f(0.0);
var acc10_0 = vec4f(0.0);
var acc10_1 = vec4f(0.0);
var acc11_0 = vec4f(0.0);
var acc11_1 = vec4f(0.0);
var acc12_0 = vec4f(0.0);
var acc12_1 = vec4f(0.0);
var acc13_0 = vec4f(0.0);
var acc13_1 = vec4f(0.0);
var acc14_0 = vec4f(0.0);
var acc14_1 = vec4f(0.0);
var acc15_0 = vec4f(0.0);
var acc15_1 = vec4f(0.0);
