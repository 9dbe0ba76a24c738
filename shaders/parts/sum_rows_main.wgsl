// Part of the column-sum kernels (sum_rows.wgsl: one column per invocation; sum_rows_vec4.wgsl: four), pasted in
// where they say `// #include parts/sum_rows_main.wgsl` (src/gpu/pipelines.ts): the sum itself, over elements of
// type Elem, LANES floats each (both given by the including kernel). rows, cols and the offsets count floats.

struct Params {
  rows: u32,       // rows of this chunk of x
  cols: u32,
  rowsPerSeg: u32,
  segs: u32,       // segments in this chunk
  xOff: u32,       // float offset of the chunk's first row inside the x window (a multiple of LANES)
  outOff: u32,     // float offset of the chunk's first output segment inside the out window (the same)
  scale: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<Elem>;
@group(0) @binding(2) var<storage, read_write> out: array<Elem>;

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  let cols = params.cols / LANES;  // elements of a row
  if (i >= params.segs * cols) { return; }
  let col = i % cols;
  let seg = i / cols;
  let r0 = seg * params.rowsPerSeg;
  let r1 = min(params.rows, r0 + params.rowsPerSeg);
  let x0 = params.xOff / LANES;
  var s = Elem(0.0);
  for (var r = r0; r < r1; r++) {
    s += x[x0 + r * cols + col];
  }
  out[params.outOff / LANES + i] = s * params.scale;
}
