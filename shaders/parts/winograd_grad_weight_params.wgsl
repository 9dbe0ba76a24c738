// Part of the Winograd grad-weight kernels (winograd_grad_weight.wgsl, winograd_grad_weight_folded.wgsl), pasted in
// where they say `// #include parts/winograd_grad_weight_params.wgsl` (src/gpu/pipelines.ts): their Params, packed by
// dispatchGradWeight in src/kernels/conv2d-winograd.ts.
struct Params {
  T: u32,              // tiles of this dispatch's images
  K: u32,              // x's channels (rows of dw per tap)
  Cout: u32,           // dy's channels (columns)
  tilesPerSlice: u32,  // a multiple of 4
  colBlocks: u32,      // Cout / 32
  rowBlocks: u32,      // K / 32
  groupsPerSlice: u32, // ceil(colBlocks * rowBlocks / (WG / 8)): a workgroup never spans two slices
  groupsX: u32,        // workgroups along x (the grid is folded into y past 65535)
  slices: u32,         // slices of work (the kernel's header says what one is); groups past slices * groupsPerSlice
                       // only pad the folded grid
}
