// Winograd F(6x6, 3x3) input transform: V = B^T d B for every tile and channel (src/kernels/conv2d-winograd.ts
// explains the scheme and when a convolution takes 6x6 tiles). The transforms are in parts/winograd_f6.wgsl, the
// kernel in parts/winograd_input_main.wgsl, shared by both tile sizes.

// #include parts/winograd_f6.wgsl
// #include parts/winograd_input_main.wgsl
