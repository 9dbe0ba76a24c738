// Column sums of a (rows, cols) matrix over one segment of rows per invocation: out[seg, col] = scale * sum of
// x[r, col] for r in the segment. A single segment gives sum_rows (bias gradients); several give partial sums
// that a second pass reduces, so a tall matrix (a conv bias gradient over N*H*W rows, or the mean of a whole
// tensor viewed as (n, 1)) still spreads over many invocations. Adjacent invocations read adjacent columns.

struct Params {
  rows: u32,       // rows of this chunk of x
  cols: u32,
  rowsPerSeg: u32,
  segs: u32,       // segments in this chunk
  xOff: u32,       // element offset of the chunk's first row inside the x window
  outOff: u32,     // element offset of the chunk's first output segment inside the out window
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.segs * params.cols) { return; }
  let col = i % params.cols;
  let seg = i / params.cols;
  let r0 = seg * params.rowsPerSeg;
  let r1 = min(params.rows, r0 + params.rowsPerSeg);
  var s = 0.0;
  for (var r = r0; r < r1; r++) {
    s += x[params.xOff + r * params.cols + col];
  }
  out[params.outOff + i] = s * params.scale;
}
