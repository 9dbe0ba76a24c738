// Winograd F(6x6, 3x3) output transform: Y = A^T M A, then bias and ReLU, into y (src/kernels/conv2d-winograd.ts
// explains the scheme and when a convolution takes 6x6 tiles). The transforms are in parts/winograd_f6.wgsl, the
// kernel in parts/winograd_output_main.wgsl, shared by both tile sizes.

// #include parts/winograd_f6.wgsl
// #include parts/winograd_output_main.wgsl
