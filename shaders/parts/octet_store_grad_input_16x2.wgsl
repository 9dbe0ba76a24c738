// Part of the grad-input octet kernels (conv2d_grad_input.wgsl, conv2d_grad_input_tex.wgsl), pasted in where
// they say `// #include parts/octet_store_grad_input_16x2.wgsl` (src/gpu/pipelines.ts): the epilogue that stores
// the accumulators acc{m}_{t} of the lane's 16 pixels x 2 groups of 4 input channels (ci and ci + 32) through
// the kernel's store() (pixels past M skipped). Expects ci, rowBase, cin4 and params.
if (ci + 0u < params.Cin) {
  let col = ci / 4u + 0u;
  store(rowBase + 0u, col, cin4, acc0_0);
  store(rowBase + 1u, col, cin4, acc1_0);
  store(rowBase + 2u, col, cin4, acc2_0);
  store(rowBase + 3u, col, cin4, acc3_0);
  store(rowBase + 4u, col, cin4, acc4_0);
  store(rowBase + 5u, col, cin4, acc5_0);
  store(rowBase + 6u, col, cin4, acc6_0);
  store(rowBase + 7u, col, cin4, acc7_0);
  store(rowBase + 8u, col, cin4, acc8_0);
  store(rowBase + 9u, col, cin4, acc9_0);
  store(rowBase + 10u, col, cin4, acc10_0);
  store(rowBase + 11u, col, cin4, acc11_0);
  store(rowBase + 12u, col, cin4, acc12_0);
  store(rowBase + 13u, col, cin4, acc13_0);
  store(rowBase + 14u, col, cin4, acc14_0);
  store(rowBase + 15u, col, cin4, acc15_0);
}
if (ci + 32u < params.Cin) {
  let col = ci / 4u + 8u;
  store(rowBase + 0u, col, cin4, acc0_1);
  store(rowBase + 1u, col, cin4, acc1_1);
  store(rowBase + 2u, col, cin4, acc2_1);
  store(rowBase + 3u, col, cin4, acc3_1);
  store(rowBase + 4u, col, cin4, acc4_1);
  store(rowBase + 5u, col, cin4, acc5_1);
  store(rowBase + 6u, col, cin4, acc6_1);
  store(rowBase + 7u, col, cin4, acc7_1);
  store(rowBase + 8u, col, cin4, acc8_1);
  store(rowBase + 9u, col, cin4, acc9_1);
  store(rowBase + 10u, col, cin4, acc10_1);
  store(rowBase + 11u, col, cin4, acc11_1);
  store(rowBase + 12u, col, cin4, acc12_1);
  store(rowBase + 13u, col, cin4, acc13_1);
  store(rowBase + 14u, col, cin4, acc14_1);
  store(rowBase + 15u, col, cin4, acc15_1);
}
