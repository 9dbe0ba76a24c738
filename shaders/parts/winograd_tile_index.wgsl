// Part of the Winograd transform kernels (parts/winograd_input_main.wgsl, parts/winograd_output_main.wgsl,
// winograd_dy.wgsl), pasted in where they say `// #include parts/winograd_tile_index.wgsl` (src/gpu/pipelines.ts):
// invocation i's 4 channels c (of c4 = C / 4) and tile t, which is tile (th, tw) of image n; consecutive invocations
// take consecutive channels of one tile. Expects i and params with C, tilesH and tilesW.
let c4 = params.C / 4u;
let c = i % c4;
let t = i / c4;
let tw = t % params.tilesW;
let th = (t / params.tilesW) % params.tilesH;
let n = t / (params.tilesW * params.tilesH);
