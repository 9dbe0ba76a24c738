// Part of the forward octet kernels (conv2d.wgsl, conv2d_tex.wgsl), pasted in where they say
// `// #include parts/octet_store_forward_16x2.wgsl` (src/gpu/pipelines.ts): the epilogue that adds the bias to the
// accumulators acc{m}_{t} of the lane's 16 pixels x 2 groups of 4 output channels (co and co + 32) and stores
// them through the kernel's store() (ReLU, pixels past M skipped). Expects co, rowBase, cout4, params, bias.
if (co + 0u < params.Cout) {
  let col = co / 4u + 0u;
  var bv = vec4f(0.0);
  if (params.hasBias != 0u) { bv = bias[col]; }
  store(rowBase + 0u, col, cout4, acc0_0 + bv);
  store(rowBase + 1u, col, cout4, acc1_0 + bv);
  store(rowBase + 2u, col, cout4, acc2_0 + bv);
  store(rowBase + 3u, col, cout4, acc3_0 + bv);
  store(rowBase + 4u, col, cout4, acc4_0 + bv);
  store(rowBase + 5u, col, cout4, acc5_0 + bv);
  store(rowBase + 6u, col, cout4, acc6_0 + bv);
  store(rowBase + 7u, col, cout4, acc7_0 + bv);
  store(rowBase + 8u, col, cout4, acc8_0 + bv);
  store(rowBase + 9u, col, cout4, acc9_0 + bv);
  store(rowBase + 10u, col, cout4, acc10_0 + bv);
  store(rowBase + 11u, col, cout4, acc11_0 + bv);
  store(rowBase + 12u, col, cout4, acc12_0 + bv);
  store(rowBase + 13u, col, cout4, acc13_0 + bv);
  store(rowBase + 14u, col, cout4, acc14_0 + bv);
  store(rowBase + 15u, col, cout4, acc15_0 + bv);
}
if (co + 32u < params.Cout) {
  let col = co / 4u + 8u;
  var bv = vec4f(0.0);
  if (params.hasBias != 0u) { bv = bias[col]; }
  store(rowBase + 0u, col, cout4, acc0_1 + bv);
  store(rowBase + 1u, col, cout4, acc1_1 + bv);
  store(rowBase + 2u, col, cout4, acc2_1 + bv);
  store(rowBase + 3u, col, cout4, acc3_1 + bv);
  store(rowBase + 4u, col, cout4, acc4_1 + bv);
  store(rowBase + 5u, col, cout4, acc5_1 + bv);
  store(rowBase + 6u, col, cout4, acc6_1 + bv);
  store(rowBase + 7u, col, cout4, acc7_1 + bv);
  store(rowBase + 8u, col, cout4, acc8_1 + bv);
  store(rowBase + 9u, col, cout4, acc9_1 + bv);
  store(rowBase + 10u, col, cout4, acc10_1 + bv);
  store(rowBase + 11u, col, cout4, acc11_1 + bv);
  store(rowBase + 12u, col, cout4, acc12_1 + bv);
  store(rowBase + 13u, col, cout4, acc13_1 + bv);
  store(rowBase + 14u, col, cout4, acc14_1 + bv);
  store(rowBase + 15u, col, cout4, acc15_1 + bv);
}
