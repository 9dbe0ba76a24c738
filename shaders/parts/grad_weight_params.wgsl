// Part of the grad-weight kernels (conv2d_grad_weight.wgsl, conv2d_grad_weight_tex.wgsl), pasted in where they say
// `// #include parts/grad_weight_params.wgsl` (src/gpu/pipelines.ts): their Params, packed by conv2dGradWeight in
// src/kernels/conv2d.ts.
struct Params {
  // #include parts/conv_params.wgsl
  K: u32,            // KH * KW * Cin rows of dw
  rowsPerSlice: u32, // image rows (n, oh) per slice
  imageRows: u32,    // N * OH for the images of this dispatch
  colBlocks: u32,    // ceil(Cout / 32)
  rowBlocks: u32,    // ceil(K / 32)
  groupsPerSlice: u32, // ceil(colBlocks * rowBlocks / (WG / 8)): a workgroup never spans two slices
  groupsX: u32,      // workgroups along x (the grid is folded into y past 65535)
  slices: u32,       // groups past slices * groupsPerSlice only pad the folded grid
}
