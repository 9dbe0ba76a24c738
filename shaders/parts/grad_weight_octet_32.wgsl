// Part of the grad-weight kernels (conv2d_grad_weight.wgsl, conv2d_grad_weight_tex.wgsl, winograd_grad_weight*.wgsl),
// pasted in where they say `// #include parts/grad_weight_octet_32.wgsl` (src/gpu/pipelines.ts): which slice of the
// pixels and which 32 rows x 32 output channels of dw this lane's octet owns (lane, octetBase, slice, live, co,
// coLoad, cout4, rowBase). Expects wid, li, sgLane, params and WG.
let lane = li & 7u;
let octetBase = sgLane & ~7u;
// The slice comes from the workgroup alone, so the pixel loop's bounds are uniform (the shuffles need it).
let group = wid.x + wid.y * params.groupsX;
let slice = group / params.groupsPerSlice;
let perSlice = params.colBlocks * params.rowBlocks;
let octet = (group % params.groupsPerSlice) * (WG / 8u) + li / 8u;
let live = octet < perSlice && slice < params.slices;
let o = min(octet, perSlice - 1u);
let colBlock = o % params.colBlocks;
let rowBlock = o / params.colBlocks;
let co = colBlock * 32u + lane * 4u;
let coLoad = min(co, params.Cout - 4u) / 4u;  // clamped: lanes past Cout compute garbage, never stored
let cout4 = params.Cout / 4u;
let rowBase = rowBlock * 32u;
