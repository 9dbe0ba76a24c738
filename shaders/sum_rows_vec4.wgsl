// Column sums, four columns per invocation: sum_rows.wgsl's segments (read its header) over vec4s, for matrices
// whose cols is a multiple of 4 (src/kernels/reduce.ts chooses): a conv bias gradient over N * H * W rows of C
// channels, or the folded Winograd grad weight's slices of 9 * K * C. On llvmpipe a vec4 load costs far less than
// four scalar ones.

alias Elem = vec4f;
const LANES = 4u;

// #include parts/sum_rows_main.wgsl
