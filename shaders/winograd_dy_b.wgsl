// Winograd F(3x3, 4x4) dy transform for the grad weight: D = A dY A^T of a slice of tiles, in the blocked layout of
// packed weights (src/kernels/conv2d-winograd.ts explains the scheme). The transforms are in parts/winograd_f4.wgsl,
// the kernel in parts/winograd_dy_b_main.wgsl, shared by both tile sizes.

// #include parts/winograd_f4.wgsl
// #include parts/winograd_dy_b_main.wgsl
