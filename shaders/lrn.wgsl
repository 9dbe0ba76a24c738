// Local response normalisation across channels (ONNX LRN, as AlexNet and GoogLeNet use it), on an NHWC tensor:
//   y = x / (bias + alpha / size * sum of x^2 over the channels c - lo .. c + hi of the same pixel)^beta
// with lo = floor((size - 1) / 2) and hi = ceil((size - 1) / 2), clipped to the channels that exist. Channels are
// innermost, so a pixel's window is a contiguous run. One invocation per element of this dispatch's images.

struct Params {
  count: u32,
  C: u32,
  lo: u32,
  hi: u32,
  alphaOverSize: f32,
  beta: f32,
  bias: f32,
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;

override WG: u32 = 256u;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let c = i % params.C;
  let pixel = i - c;
  let first = select(0u, c - params.lo, c >= params.lo);
  let last = min(params.C - 1u, c + params.hi);
  var sum = 0.0;
  for (var k = first; k <= last; k++) {
    let v = x[pixel + k];
    sum = fma(v, v, sum);
  }
  y[i] = x[i] / pow(params.bias + params.alphaOverSize * sum, params.beta);
}
