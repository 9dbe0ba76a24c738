// Part of every conv kernel (shaders/conv2d*.wgsl but the packing ones), pasted into its Params struct where it says
// `// #include parts/conv_params.wgsl` (src/gpu/pipelines.ts): the sizes they all start with, in the order
// commonParams in src/kernels/conv2d.ts packs them.
H: u32, W: u32, Cin: u32,
OH: u32, OW: u32, Cout: u32,
KH: u32, KW: u32,
strideH: u32, strideW: u32,
padTop: u32, padLeft: u32,
