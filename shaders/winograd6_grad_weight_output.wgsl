// Winograd F(3x3, 6x6) grad weight, last step: the products summed over slices and turned into dw = G^T P G
// (src/kernels/conv2d-winograd.ts explains the scheme). The transforms are in parts/winograd_f6.wgsl, the kernel in
// parts/winograd_grad_weight_output_main.wgsl, shared by both tile sizes.

// #include parts/winograd_f6.wgsl
// #include parts/winograd_grad_weight_output_main.wgsl
