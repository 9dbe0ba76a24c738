// Part of the octet kernels (conv2d.wgsl, conv2d_tex.wgsl, conv2d_grad_input.wgsl, conv2d_grad_input_tex.wgsl,
// winograd_gemm.wgsl), pasted in where they say `// #include parts/octet_prologue.wgsl` (src/gpu/pipelines.ts): this
// invocation's lane in its octet of 8, the octet's first lane in the subgroup, and the octet's number o (clamped
// to the last real one, so that octets padding the grid compute in bounds; live says whether it stores). Expects
// wid, li, sgLane, WG and params with groupsX and octets.
let lane = li & 7u;
let octetBase = sgLane & ~7u;  // first lane of this octet within the subgroup
let octet = (wid.x + wid.y * params.groupsX) * (WG / 8u) + li / 8u;
let live = octet < params.octets;
let o = min(octet, params.octets - 1u);
