// Winograd F(4x4, 3x3) weight transform: U = G g G^T for every pair of channels (src/kernels/conv2d-winograd.ts
// explains the scheme). The transforms are in parts/winograd_f4.wgsl, the kernel in
// parts/winograd_weights_main.wgsl, shared by both tile sizes.

// #include parts/winograd_f4.wgsl
// #include parts/winograd_weights_main.wgsl
