// Winograd F(3x3, 6x6) transposed input transform for the grad weight: V = B^T d B of a slice of tiles, 4 tiles of
// one channel per texel (src/kernels/conv2d-winograd.ts explains the scheme). The transforms are in
// parts/winograd_f6.wgsl, the kernel in parts/winograd_input_t_main.wgsl, shared by both tile sizes.

enable subgroups;

// #include parts/winograd_f6.wgsl
// #include parts/winograd_input_t_main.wgsl
