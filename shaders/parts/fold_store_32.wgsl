// Part of winograd_grad_weight_folded.wgsl, pasted in where it says `// #include parts/fold_store_32.wgsl`
// (src/gpu/pipelines.ts): stores d{r}, the 9 taps of row rowBase + r, through the kernel's store() (rows past K
// skipped). Expects out, rowBase, d0..d31.
store(out, rowBase + 0u, d0);
store(out, rowBase + 1u, d1);
store(out, rowBase + 2u, d2);
store(out, rowBase + 3u, d3);
store(out, rowBase + 4u, d4);
store(out, rowBase + 5u, d5);
store(out, rowBase + 6u, d6);
store(out, rowBase + 7u, d7);
store(out, rowBase + 8u, d8);
store(out, rowBase + 9u, d9);
store(out, rowBase + 10u, d10);
store(out, rowBase + 11u, d11);
store(out, rowBase + 12u, d12);
store(out, rowBase + 13u, d13);
store(out, rowBase + 14u, d14);
store(out, rowBase + 15u, d15);
store(out, rowBase + 16u, d16);
store(out, rowBase + 17u, d17);
store(out, rowBase + 18u, d18);
store(out, rowBase + 19u, d19);
store(out, rowBase + 20u, d20);
store(out, rowBase + 21u, d21);
store(out, rowBase + 22u, d22);
store(out, rowBase + 23u, d23);
store(out, rowBase + 24u, d24);
store(out, rowBase + 25u, d25);
store(out, rowBase + 26u, d26);
store(out, rowBase + 27u, d27);
store(out, rowBase + 28u, d28);
store(out, rowBase + 29u, d29);
store(out, rowBase + 30u, d30);
store(out, rowBase + 31u, d31);
