// 2-D convolution forward as an NHWC implicit GEMM: y[p, co] = sum_k A[p, k] * w[k, co] (+ bias, ReLU), where
// p = (n, oh, ow) is an output pixel and k = (kh, kw, ci) runs over the taps with channels innermost.
//
// Work split (why: on llvmpipe loads are the bottleneck, arithmetic is cheap; platform.md). Lanes are grouped
// in octets of 8 (one llvmpipe subgroup; a slice of a larger subgroup on real GPUs, which must hold its lanes in
// local-invocation order, as every implementation of 1-D workgroups does). An octet owns TM output pixels x COLS
// output channels; each lane owns TN groups of 4 adjacent channels, 32 apart so the octet's loads of w are
// contiguous. Each vec4 of w is reused over TM pixels; the octet's pixels are shared: for every 32 input channels
// each lane loads one vec4 of x per pixel and subgroupShuffle hands it to the other 7 lanes, so every x element
// is loaded once per octet and each shuffle feeds TN vec4 FMAs. Tile TM = 16, TN = 2 (128 accumulators per
// lane) halves x loads and shuffles per FLOP against TN = 1, with the same count of w loads.
// Needs Cin % 32 == 0 and Cout % 4 == 0 (src/kernels/conv2d.ts picks another kernel otherwise).
//
// Control flow around the shuffles stays uniform: out-of-range pixels and channels are masked with select and
// clamped indices, never with early returns. Bias and ReLU are uniform flags rather than override constants:
// they only touch the epilogue, and each override combination would cost another LLVM compile of this large
// kernel on software drivers.

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
@group(0) @binding(1) var<storage, read> x: array<vec4f>;     // (N, H, W, Cin)
@group(0) @binding(2) var<storage, read> w: array<vec4f>;     // (KH, KW, Cin, Cout)
@group(0) @binding(3) var<storage, read> bias: array<vec4f>;  // (Cout), or any buffer when !HAS_BIAS
@group(0) @binding(4) var<storage, read_write> y: array<vec4f>; // (N, OH, OW, Cout)

override WG: u32 = 64u;

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
  let coLoad0 = min(co + 0u, params.Cout - 4u) / 4u;  // clamped: lanes past Cout compute garbage, never stored
  let coLoad1 = min(co + 32u, params.Cout - 4u) / 4u;  // clamped: lanes past Cout compute garbage, never stored

  for (var kh = 0u; kh < params.KH; kh++) {
    for (var kw = 0u; kw < params.KW; kw++) {
      // vec4 offset of each pixel's tap in x, and whether it lies inside the image.
      var base = array<u32, TM>();
      var ok = array<bool, TM>();
      for (var m = 0u; m < TM; m++) {
        let ih = ih0[m] + i32(kh);
        let iw = iw0[m] + i32(kw);
        ok[m] = ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
        base[m] = select(0u, ((nBase[m] + u32(ih)) * params.W + u32(iw)) * cin4, ok[m]) + lane;
      }
      let kRow = (kh * params.KW + kw) * params.Cin;
      for (var c0 = 0u; c0 < params.Cin; c0 += 32u) {
        let c4 = c0 / 4u;
        let a0 = select(vec4f(0.0), x[base[0] + c4], ok[0]);
        let a1 = select(vec4f(0.0), x[base[1] + c4], ok[1]);
        let a2 = select(vec4f(0.0), x[base[2] + c4], ok[2]);
        let a3 = select(vec4f(0.0), x[base[3] + c4], ok[3]);
        let a4 = select(vec4f(0.0), x[base[4] + c4], ok[4]);
        let a5 = select(vec4f(0.0), x[base[5] + c4], ok[5]);
        let a6 = select(vec4f(0.0), x[base[6] + c4], ok[6]);
        let a7 = select(vec4f(0.0), x[base[7] + c4], ok[7]);
        let a8 = select(vec4f(0.0), x[base[8] + c4], ok[8]);
        let a9 = select(vec4f(0.0), x[base[9] + c4], ok[9]);
        let a10 = select(vec4f(0.0), x[base[10] + c4], ok[10]);
        let a11 = select(vec4f(0.0), x[base[11] + c4], ok[11]);
        let a12 = select(vec4f(0.0), x[base[12] + c4], ok[12]);
        let a13 = select(vec4f(0.0), x[base[13] + c4], ok[13]);
        let a14 = select(vec4f(0.0), x[base[14] + c4], ok[14]);
        let a15 = select(vec4f(0.0), x[base[15] + c4], ok[15]);
        // The bound is 8 whenever Cin % 32 == 0; written from a uniform so the loop stays rolled (compiles
        // faster on llvmpipe, and runs as fast).
        for (var j = 0u; j < min(8u, (params.Cin - c0) / 4u); j++) {
          let wRow = (kRow + c0 + j * 4u) * cout4;
          let b0_0 = w[wRow + 0u * cout4 + coLoad0];
          let b1_0 = w[wRow + 1u * cout4 + coLoad0];
          let b2_0 = w[wRow + 2u * cout4 + coLoad0];
          let b3_0 = w[wRow + 3u * cout4 + coLoad0];
          let b0_1 = w[wRow + 0u * cout4 + coLoad1];
          let b1_1 = w[wRow + 1u * cout4 + coLoad1];
          let b2_1 = w[wRow + 2u * cout4 + coLoad1];
          let b3_1 = w[wRow + 3u * cout4 + coLoad1];
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
