// Column sums of a (rows, cols) matrix over one segment of rows per invocation: out[seg, col] = scale * sum of
// x[r, col] for r in the segment. A single segment gives sum_rows (bias gradients); several give partial sums
// that a second pass reduces, so a tall matrix (a conv bias gradient over N*H*W rows, or the mean of a whole
// tensor viewed as (n, 1)) still spreads over many invocations. Adjacent invocations read adjacent columns.

// One column per invocation (any cols); sum_rows_vec4.wgsl takes four where cols allows.

alias Elem = f32;
const LANES = 1u;

// #include parts/sum_rows_main.wgsl
