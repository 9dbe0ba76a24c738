// Part of the octet kernels (conv2d.wgsl, conv2d_tex.wgsl, conv2d_grad_input.wgsl, conv2d_grad_input_tex.wgsl,
// winograd_gemm.wgsl), pasted in where they say `// #include parts/octet_step_16x2.wgsl` (src/gpu/pipelines.ts): one
// step of 4 reduction indices. Lane j of the octet holds, in a{m}, pixel m's 4 values for reduction indices 4j .. 4j
// + 3; each is handed to every lane by subgroupShuffle and multiplied into the lane's accumulators acc{m}_{t} by the
// lane's b{i}_{t} (index 4j + i, channel group t). Expects a0..a15, b0_0..b3_1, acc0_0..acc15_1, octetBase and j in
// scope.
let src = octetBase + j;
let s0 = subgroupShuffle(a0, src);
acc0_0 += s0.x * b0_0 + s0.y * b1_0 + s0.z * b2_0 + s0.w * b3_0;
acc0_1 += s0.x * b0_1 + s0.y * b1_1 + s0.z * b2_1 + s0.w * b3_1;
let s1 = subgroupShuffle(a1, src);
acc1_0 += s1.x * b0_0 + s1.y * b1_0 + s1.z * b2_0 + s1.w * b3_0;
acc1_1 += s1.x * b0_1 + s1.y * b1_1 + s1.z * b2_1 + s1.w * b3_1;
let s2 = subgroupShuffle(a2, src);
acc2_0 += s2.x * b0_0 + s2.y * b1_0 + s2.z * b2_0 + s2.w * b3_0;
acc2_1 += s2.x * b0_1 + s2.y * b1_1 + s2.z * b2_1 + s2.w * b3_1;
let s3 = subgroupShuffle(a3, src);
acc3_0 += s3.x * b0_0 + s3.y * b1_0 + s3.z * b2_0 + s3.w * b3_0;
acc3_1 += s3.x * b0_1 + s3.y * b1_1 + s3.z * b2_1 + s3.w * b3_1;
let s4 = subgroupShuffle(a4, src);
acc4_0 += s4.x * b0_0 + s4.y * b1_0 + s4.z * b2_0 + s4.w * b3_0;
acc4_1 += s4.x * b0_1 + s4.y * b1_1 + s4.z * b2_1 + s4.w * b3_1;
let s5 = subgroupShuffle(a5, src);
acc5_0 += s5.x * b0_0 + s5.y * b1_0 + s5.z * b2_0 + s5.w * b3_0;
acc5_1 += s5.x * b0_1 + s5.y * b1_1 + s5.z * b2_1 + s5.w * b3_1;
let s6 = subgroupShuffle(a6, src);
acc6_0 += s6.x * b0_0 + s6.y * b1_0 + s6.z * b2_0 + s6.w * b3_0;
acc6_1 += s6.x * b0_1 + s6.y * b1_1 + s6.z * b2_1 + s6.w * b3_1;
let s7 = subgroupShuffle(a7, src);
acc7_0 += s7.x * b0_0 + s7.y * b1_0 + s7.z * b2_0 + s7.w * b3_0;
acc7_1 += s7.x * b0_1 + s7.y * b1_1 + s7.z * b2_1 + s7.w * b3_1;
let s8 = subgroupShuffle(a8, src);
acc8_0 += s8.x * b0_0 + s8.y * b1_0 + s8.z * b2_0 + s8.w * b3_0;
acc8_1 += s8.x * b0_1 + s8.y * b1_1 + s8.z * b2_1 + s8.w * b3_1;
let s9 = subgroupShuffle(a9, src);
acc9_0 += s9.x * b0_0 + s9.y * b1_0 + s9.z * b2_0 + s9.w * b3_0;
acc9_1 += s9.x * b0_1 + s9.y * b1_1 + s9.z * b2_1 + s9.w * b3_1;
let s10 = subgroupShuffle(a10, src);
acc10_0 += s10.x * b0_0 + s10.y * b1_0 + s10.z * b2_0 + s10.w * b3_0;
acc10_1 += s10.x * b0_1 + s10.y * b1_1 + s10.z * b2_1 + s10.w * b3_1;
let s11 = subgroupShuffle(a11, src);
acc11_0 += s11.x * b0_0 + s11.y * b1_0 + s11.z * b2_0 + s11.w * b3_0;
acc11_1 += s11.x * b0_1 + s11.y * b1_1 + s11.z * b2_1 + s11.w * b3_1;
let s12 = subgroupShuffle(a12, src);
acc12_0 += s12.x * b0_0 + s12.y * b1_0 + s12.z * b2_0 + s12.w * b3_0;
acc12_1 += s12.x * b0_1 + s12.y * b1_1 + s12.z * b2_1 + s12.w * b3_1;
let s13 = subgroupShuffle(a13, src);
acc13_0 += s13.x * b0_0 + s13.y * b1_0 + s13.z * b2_0 + s13.w * b3_0;
acc13_1 += s13.x * b0_1 + s13.y * b1_1 + s13.z * b2_1 + s13.w * b3_1;
let s14 = subgroupShuffle(a14, src);
acc14_0 += s14.x * b0_0 + s14.y * b1_0 + s14.z * b2_0 + s14.w * b3_0;
acc14_1 += s14.x * b0_1 + s14.y * b1_1 + s14.z * b2_1 + s14.w * b3_1;
let s15 = subgroupShuffle(a15, src);
acc15_0 += s15.x * b0_0 + s15.y * b1_0 + s15.z * b2_0 + s15.w * b3_0;
acc15_1 += s15.x * b0_1 + s15.y * b1_1 + s15.z * b2_1 + s15.w * b3_1;
