// Part of the grad-weight kernels (conv2d_grad_weight.wgsl, conv2d_grad_weight_tex.wgsl), pasted in where they say
// `// #include parts/grad_weight_store_32.wgsl` (src/gpu/pipelines.ts): stores acc{r} as row rowBase + r of this
// slice's partial dw through the kernel's store() (rows past K skipped). Expects out, rowBase, cout4, acc0..acc31.
store(out, rowBase + 0u, cout4, acc0);
store(out, rowBase + 1u, cout4, acc1);
store(out, rowBase + 2u, cout4, acc2);
store(out, rowBase + 3u, cout4, acc3);
store(out, rowBase + 4u, cout4, acc4);
store(out, rowBase + 5u, cout4, acc5);
store(out, rowBase + 6u, cout4, acc6);
store(out, rowBase + 7u, cout4, acc7);
store(out, rowBase + 8u, cout4, acc8);
store(out, rowBase + 9u, cout4, acc9);
store(out, rowBase + 10u, cout4, acc10);
store(out, rowBase + 11u, cout4, acc11);
store(out, rowBase + 12u, cout4, acc12);
store(out, rowBase + 13u, cout4, acc13);
store(out, rowBase + 14u, cout4, acc14);
store(out, rowBase + 15u, cout4, acc15);
store(out, rowBase + 16u, cout4, acc16);
store(out, rowBase + 17u, cout4, acc17);
store(out, rowBase + 18u, cout4, acc18);
store(out, rowBase + 19u, cout4, acc19);
store(out, rowBase + 20u, cout4, acc20);
store(out, rowBase + 21u, cout4, acc21);
store(out, rowBase + 22u, cout4, acc22);
store(out, rowBase + 23u, cout4, acc23);
store(out, rowBase + 24u, cout4, acc24);
store(out, rowBase + 25u, cout4, acc25);
store(out, rowBase + 26u, cout4, acc26);
store(out, rowBase + 27u, cout4, acc27);
store(out, rowBase + 28u, cout4, acc28);
store(out, rowBase + 29u, cout4, acc29);
store(out, rowBase + 30u, cout4, acc30);
store(out, rowBase + 31u, cout4, acc31);
