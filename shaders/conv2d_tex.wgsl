// 2-D convolution forward as an NHWC implicit GEMM, reading both operands from read-only storage textures: the
// same work split as shaders/conv2d.wgsl (read its header first), with
//   w (KH, KW, Cin, Cout) viewed as a K x Cout matrix (K = KH * KW * Cin) in the blocked rgba32uint texture of
//     conv2d_weight_pack.wgsl (read its header): one row per 64-channel block and 32 consecutive k, holding either
//     f32 bits (16 texels per k: a lane's 4 + 4 channels in texels lane and lane + 8, read with bitcast) or, when
//     PACKED_F16, halves packed 8 to a texel (8 texels per k: one fetch brings a lane's 8 channels), which
//     halves the weight fetches;
//   x (n, H, W, Cin) for the images of this dispatch in an rgba32float texture of W * Cin / 4 texels by n * H
//     rows, one row = one image row, so texel (iw * Cin / 4 + c, n * H + ih) = x[n, ih, iw, 4c..4c+3].
// x is still loaded by one lane per pixel and handed to the octet by subgroupShuffle.
//
// Why storage textures: on llvmpipe a storage-buffer load with a computed offset becomes a per-lane loop with
// bounds checks (the weight loads were about half of conv2d.wgsl's time, the x loads a quarter); a sampled-texture
// fetch is a call into a per-format fetch function; a read-only storage-texture read is cheaper than either: about
// 100 cycles per 8-lane texel, against 150-210 for a sampled texel and 260-280 for a vec4 storage load
// (`npm run bench:loads`). Reading w and x this way rather than as sampled textures made this kernel about 1.45x
// faster; the loads still take most of its time, hence the packed weight layouts. On real GPUs a read-only
// texture is an ordinary home for a read-only operand (its own cache, no bounds-check code).
// Needs Cin % 32 == 0 (so K % 32 == 0), Cout % 64 == 0, and both textures within maxTextureDimension2D
// (src/kernels/conv2d-texture.ts fills the textures; conv2d.ts picks the kernel).

enable subgroups;

struct Params {
  // #include parts/conv_params.wgsl
  M: u32,          // N * OH * OW output pixels
  colBlocks: u32,  // ceil(Cout / 32)
  octets: u32,     // colBlocks * ceil(M / TM)
  groupsX: u32,    // workgroups along x (the grid is folded into y past 65535)
  hasBias: u32,    // 1: add bias (else the bias binding is any buffer, never read)
  relu: u32,       // 1: max(y, 0)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var x: texture_storage_2d<rgba32float, read>;                 // (n * H rows, W * Cin / 4 texels) = (n, H, W, Cin)
@group(0) @binding(2) var w: texture_storage_2d<rgba32uint, read>;                 // (Cout / 64 * K / 32 rows, 512 or 256 texels) = (KH, KW, Cin, Cout)
@group(0) @binding(3) var<storage, read> bias: array<vec4f>;  // (Cout), or any buffer when !HAS_BIAS
@group(0) @binding(4) var<storage, read_write> y: array<vec4f>; // (N, OH, OW, Cout)

override WG: u32 = 64u;
// Weights stored as packed halves (8 per texel) rather than f32 bits (4 per texel); arithmetic is f32 either way.
override PACKED_F16: bool = false;

const TM: u32 = 16u;
const TN: u32 = 2u;  // vec4 column groups per lane
const COLS: u32 = 64u;  // output channels per octet

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  // #include parts/octet_prologue.wgsl
  // Column-block-major order: consecutive octets (and the workgroups each CPU thread of a software driver
  // takes in turn) read the same slice of the weights, which then stays in cache.
  let rowBlocks = params.octets / params.colBlocks;
  let colBlock = o / rowBlocks;
  let rowBase = (o % rowBlocks) * TM;
  let co = colBlock * COLS + lane * 4u;  // this lane's channels: co + 32 t, t < TN, 4 each
  let cin4 = params.Cin / 4u;
  let cout4 = params.Cout / 4u;

  // Top-left input position of each pixel's receptive field (may be negative: padding); pixels past M get a
  // row so far up that every tap of theirs is masked.
  var ih0: array<i32, TM>;
  var iw0: array<i32, TM>;
  var nBase: array<u32, TM>;
  for (var m = 0u; m < TM; m++) {
    let p = rowBase + m;
    let ow = p % params.OW;
    let t = p / params.OW;
    ih0[m] = select(-100000, i32((t % params.OH) * params.strideH) - i32(params.padTop), p < params.M);
    iw0[m] = i32(ow * params.strideW) - i32(params.padLeft);
    nBase[m] = (t / params.OH) * params.H;
  }

  // The per-pixel work is written out rather than looped over an array: compilers put indexed arrays in memory.
  // #include parts/octet_acc_16x2.wgsl
  // This octet's rows of w: its 64-channel block's, K / 32 of them (Cout % 64 == 0, so every lane's channels exist)
  let wRow0 = colBlock * (params.KH * params.KW * params.Cin / 32u);

  for (var kh = 0u; kh < params.KH; kh++) {
    for (var kw = 0u; kw < params.KW; kw++) {
      // Texel of each pixel's tap in x (column of this lane's channels, row), and whether it lies inside the
      // image; taps outside read texel (lane, 0), which exists, and are masked.
      var base = array<u32, TM>();
      var row = array<u32, TM>();
      var ok = array<bool, TM>();
      for (var m = 0u; m < TM; m++) {
        let ih = ih0[m] + i32(kh);
        let iw = iw0[m] + i32(kw);
        ok[m] = ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
        base[m] = select(0u, u32(iw) * cin4, ok[m]) + lane;
        row[m] = select(0u, nBase[m] + u32(ih), ok[m]);
      }
      let kRow = (kh * params.KW + kw) * params.Cin;
      for (var c0 = 0u; c0 < params.Cin; c0 += 32u) {
        let c4 = c0 / 4u;
        let a0 = select(vec4f(0.0), textureLoad(x, vec2u(base[0] + c4, row[0])), ok[0]);
        let a1 = select(vec4f(0.0), textureLoad(x, vec2u(base[1] + c4, row[1])), ok[1]);
        let a2 = select(vec4f(0.0), textureLoad(x, vec2u(base[2] + c4, row[2])), ok[2]);
        let a3 = select(vec4f(0.0), textureLoad(x, vec2u(base[3] + c4, row[3])), ok[3]);
        let a4 = select(vec4f(0.0), textureLoad(x, vec2u(base[4] + c4, row[4])), ok[4]);
        let a5 = select(vec4f(0.0), textureLoad(x, vec2u(base[5] + c4, row[5])), ok[5]);
        let a6 = select(vec4f(0.0), textureLoad(x, vec2u(base[6] + c4, row[6])), ok[6]);
        let a7 = select(vec4f(0.0), textureLoad(x, vec2u(base[7] + c4, row[7])), ok[7]);
        let a8 = select(vec4f(0.0), textureLoad(x, vec2u(base[8] + c4, row[8])), ok[8]);
        let a9 = select(vec4f(0.0), textureLoad(x, vec2u(base[9] + c4, row[9])), ok[9]);
        let a10 = select(vec4f(0.0), textureLoad(x, vec2u(base[10] + c4, row[10])), ok[10]);
        let a11 = select(vec4f(0.0), textureLoad(x, vec2u(base[11] + c4, row[11])), ok[11]);
        let a12 = select(vec4f(0.0), textureLoad(x, vec2u(base[12] + c4, row[12])), ok[12]);
        let a13 = select(vec4f(0.0), textureLoad(x, vec2u(base[13] + c4, row[13])), ok[13]);
        let a14 = select(vec4f(0.0), textureLoad(x, vec2u(base[14] + c4, row[14])), ok[14]);
        let a15 = select(vec4f(0.0), textureLoad(x, vec2u(base[15] + c4, row[15])), ok[15]);
        // The bound is 8 whenever Cin % 32 == 0; written from a uniform so the loop stays rolled (compiles
        // faster on llvmpipe, and runs as fast).
        let wRow = wRow0 + (kRow + c0) / 32u;  // k = kRow + c0 + 4 j + q, q < 4, all in this row
        for (var j = 0u; j < min(8u, (params.Cin - c0) / 4u); j++) {
          // #include parts/octet_weights_16x2.wgsl
          // #include parts/octet_step_16x2.wgsl
        }
      }
    }
  }

  if (!live) { return; }
  // #include parts/octet_store_forward_16x2.wgsl
}

fn store(p: u32, col: u32, cout4: u32, v: vec4f) {
  if (p < params.M) { y[p * cout4 + col] = select(v, max(v, vec4f(0.0)), params.relu != 0u); }
}
