// 2-D convolution gradient with respect to the input, as an implicit GEMM gathered per input pixel:
//   dx[n, ih, iw, ci] = sum over (kh, kw, co) of dy[n, oh, ow, co] * w[kh, kw, ci, co]
// where oh = (ih + padTop - kh) / strideH must be a whole number inside [0, OH) (same for ow). Gathering, rather
// than scattering each dy into dx, needs no atomics and handles any stride and padding: taps whose division
// is not exact are masked.
//
// Same work split as shaders/conv2d.wgsl: an octet (8 lanes) owns TM input pixels x COLS input channels, each
// lane TN groups of 4 adjacent channels, and the reduction runs over (kh, kw) and the output channels in steps of 32, with
// dy shared through subgroupShuffle. The weights come transposed, wT (KH, KW, Cout, Cin), so one vec4 load
// brings a lane's 4 input channels (conv2d_weight_transpose.wgsl). Needs Cout % 32 == 0 and Cin % 4 == 0.
// Control flow around the shuffles stays uniform (select and clamped indices, no early returns).

enable subgroups;

struct Params {
  // #include parts/conv_params.wgsl
  M: u32,          // N * H * W input pixels
  colBlocks: u32,  // ceil(Cin / COLS)
  octets: u32,     // colBlocks * ceil(M / TM)
  groupsX: u32,    // workgroups along x (the grid is folded into y past 65535)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> dy: array<vec4f>;      // (N, OH, OW, Cout)
@group(0) @binding(2) var<storage, read> wT: array<vec4f>;      // (KH, KW, Cout, Cin)
@group(0) @binding(3) var<storage, read_write> dx: array<vec4f>; // (N, H, W, Cin)

override WG: u32 = 64u;

const TM: u32 = 16u;
const TN: u32 = 2u;  // vec4 column groups per lane
const COLS: u32 = 64u;  // input channels per octet

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  // #include parts/octet_prologue.wgsl
  // Column-block-major order: consecutive octets (and the workgroups each CPU thread of a software driver
  // takes in turn) read the same slice of the weights, which then stays in cache.
  let rowBlocks = params.octets / params.colBlocks;
  let colBlock = o / rowBlocks;
  let rowBase = (o % rowBlocks) * TM;
  let ci = colBlock * COLS + lane * 4u;  // this lane's channels: ci + 32 t, t < TN, 4 each
  let cin4 = params.Cin / 4u;
  let cout4 = params.Cout / 4u;

  // Each input pixel shifted by the padding (ih + padTop); pixels past M get a row so far down that every tap
  // of theirs is masked.
  var ihp: array<i32, TM>;
  var iwp: array<i32, TM>;
  var nBase: array<u32, TM>;
  for (var m = 0u; m < TM; m++) {
    let p = rowBase + m;
    let iw = p % params.W;
    let t = p / params.W;
    ihp[m] = select(100000000, i32(t % params.H + params.padTop), p < params.M);
    iwp[m] = i32(iw + params.padLeft);
    nBase[m] = (t / params.H) * params.OH;
  }

  // The per-pixel work is written out rather than looped over an array: compilers put indexed arrays in memory.
  // #include parts/octet_acc_16x2.wgsl
  let ciLoad0 = min(ci + 0u, params.Cin - 4u) / 4u;  // clamped: lanes past Cin compute garbage, never stored
  let ciLoad1 = min(ci + 32u, params.Cin - 4u) / 4u;  // clamped: lanes past Cin compute garbage, never stored

  for (var kh = 0u; kh < params.KH; kh++) {
    for (var kw = 0u; kw < params.KW; kw++) {
      // vec4 offset of the dy pixel this tap reads for each input pixel, and whether there is one.
      var base = array<u32, TM>();
      var ok = array<bool, TM>();
      for (var m = 0u; m < TM; m++) {
        let ohs = ihp[m] - i32(kh);
        let ows = iwp[m] - i32(kw);
        let oh = u32(ohs) / params.strideH;
        let ow = u32(ows) / params.strideW;
        ok[m] = ohs >= 0 && ows >= 0 && oh * params.strideH == u32(ohs) && ow * params.strideW == u32(ows) &&
                oh < params.OH && ow < params.OW;
        base[m] = select(0u, ((nBase[m] + oh) * params.OW + ow) * cout4, ok[m]) + lane;
      }
      let kRow = (kh * params.KW + kw) * params.Cout;
      for (var c0 = 0u; c0 < params.Cout; c0 += 32u) {
        let c4 = c0 / 4u;
        let a0 = select(vec4f(0.0), dy[base[0] + c4], ok[0]);
        let a1 = select(vec4f(0.0), dy[base[1] + c4], ok[1]);
        let a2 = select(vec4f(0.0), dy[base[2] + c4], ok[2]);
        let a3 = select(vec4f(0.0), dy[base[3] + c4], ok[3]);
        let a4 = select(vec4f(0.0), dy[base[4] + c4], ok[4]);
        let a5 = select(vec4f(0.0), dy[base[5] + c4], ok[5]);
        let a6 = select(vec4f(0.0), dy[base[6] + c4], ok[6]);
        let a7 = select(vec4f(0.0), dy[base[7] + c4], ok[7]);
        let a8 = select(vec4f(0.0), dy[base[8] + c4], ok[8]);
        let a9 = select(vec4f(0.0), dy[base[9] + c4], ok[9]);
        let a10 = select(vec4f(0.0), dy[base[10] + c4], ok[10]);
        let a11 = select(vec4f(0.0), dy[base[11] + c4], ok[11]);
        let a12 = select(vec4f(0.0), dy[base[12] + c4], ok[12]);
        let a13 = select(vec4f(0.0), dy[base[13] + c4], ok[13]);
        let a14 = select(vec4f(0.0), dy[base[14] + c4], ok[14]);
        let a15 = select(vec4f(0.0), dy[base[15] + c4], ok[15]);
        // The bound is 8 whenever Cout % 32 == 0; written from a uniform so the loop stays rolled (compiles
        // faster on llvmpipe, and runs as fast).
        for (var j = 0u; j < min(8u, (params.Cout - c0) / 4u); j++) {
          let wRow = (kRow + c0 + j * 4u) * cin4;
          let b0_0 = wT[wRow + 0u * cin4 + ciLoad0];
          let b1_0 = wT[wRow + 1u * cin4 + ciLoad0];
          let b2_0 = wT[wRow + 2u * cin4 + ciLoad0];
          let b3_0 = wT[wRow + 3u * cin4 + ciLoad0];
          let b0_1 = wT[wRow + 0u * cin4 + ciLoad1];
          let b1_1 = wT[wRow + 1u * cin4 + ciLoad1];
          let b2_1 = wT[wRow + 2u * cin4 + ciLoad1];
          let b3_1 = wT[wRow + 3u * cin4 + ciLoad1];
          // #include parts/octet_step_16x2.wgsl
        }
      }
    }
  }

  if (!live) { return; }
  let c0 = ci;
  let channels = params.Cin;
  let stride4 = cin4;
  // #include parts/octet_store_16x2.wgsl
}

fn store(p: u32, col: u32, cin4: u32, v: vec4f) {
  if (p < params.M) { dx[p * cin4 + col] = v; }
}
