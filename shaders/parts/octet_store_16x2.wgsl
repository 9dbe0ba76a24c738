// Part of the octet kernels that store plain accumulators (conv2d_grad_input.wgsl, conv2d_grad_input_tex.wgsl,
// winograd_gemm.wgsl), pasted in where they say `// #include parts/octet_store_16x2.wgsl` (src/gpu/pipelines.ts):
// the epilogue that stores the accumulators acc{m}_{t} of the lane's 16 rows x 2 groups of 4 channels (c0 and
// c0 + 32) through the kernel's store(row, vec4 column, row stride in vec4, value), which skips rows past the end.
// Expects c0 (the lane's first channel), channels (how many exist), rowBase and stride4.
if (c0 + 0u < channels) {
  let col = c0 / 4u + 0u;
  store(rowBase + 0u, col, stride4, acc0_0);
  store(rowBase + 1u, col, stride4, acc1_0);
  store(rowBase + 2u, col, stride4, acc2_0);
  store(rowBase + 3u, col, stride4, acc3_0);
  store(rowBase + 4u, col, stride4, acc4_0);
  store(rowBase + 5u, col, stride4, acc5_0);
  store(rowBase + 6u, col, stride4, acc6_0);
  store(rowBase + 7u, col, stride4, acc7_0);
  store(rowBase + 8u, col, stride4, acc8_0);
  store(rowBase + 9u, col, stride4, acc9_0);
  store(rowBase + 10u, col, stride4, acc10_0);
  store(rowBase + 11u, col, stride4, acc11_0);
  store(rowBase + 12u, col, stride4, acc12_0);
  store(rowBase + 13u, col, stride4, acc13_0);
  store(rowBase + 14u, col, stride4, acc14_0);
  store(rowBase + 15u, col, stride4, acc15_0);
}
if (c0 + 32u < channels) {
  let col = c0 / 4u + 8u;
  store(rowBase + 0u, col, stride4, acc0_1);
  store(rowBase + 1u, col, stride4, acc1_1);
  store(rowBase + 2u, col, stride4, acc2_1);
  store(rowBase + 3u, col, stride4, acc3_1);
  store(rowBase + 4u, col, stride4, acc4_1);
  store(rowBase + 5u, col, stride4, acc5_1);
  store(rowBase + 6u, col, stride4, acc6_1);
  store(rowBase + 7u, col, stride4, acc7_1);
  store(rowBase + 8u, col, stride4, acc8_1);
  store(rowBase + 9u, col, stride4, acc9_1);
  store(rowBase + 10u, col, stride4, acc10_1);
  store(rowBase + 11u, col, stride4, acc11_1);
  store(rowBase + 12u, col, stride4, acc12_1);
  store(rowBase + 13u, col, stride4, acc13_1);
  store(rowBase + 14u, col, stride4, acc14_1);
  store(rowBase + 15u, col, stride4, acc15_1);
}
