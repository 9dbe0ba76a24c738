// Winograd F(3x3, 6x6) transform of dy for the grad weight: D = A dY A^T for every tile and channel
// (src/kernels/conv2d-winograd.ts explains the scheme). The transforms are in parts/winograd_f6.wgsl, the kernel in
// parts/winograd_dy_main.wgsl, shared by both tile sizes.

// #include parts/winograd_f6.wgsl
// #include parts/winograd_dy_main.wgsl
