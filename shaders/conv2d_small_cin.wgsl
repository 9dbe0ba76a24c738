// 2-D convolution forward for any input channel count, built for few channels (the RGB first layer, Cin = 3,
// where vec4 channel loads of shaders/conv2d.wgsl do not apply). Implicit GEMM over k = (kh, kw, ci) as there.
//
// An octet (8 lanes) owns TM = 32 output pixels x 32 output channels, each lane 4 adjacent channels. Per k,
// each lane loads x for 4 of the 32 pixels (one scalar each) and subgroupShuffle hands them round, so each x
// element is loaded once per octet and each vec4 of w is reused over 32 pixels. Needs Cout % 4 == 0.
// Control flow around the shuffles stays uniform (select and clamped indices, no early returns). Bias and
// ReLU are uniform flags, not override constants, so one compiled pipeline serves every layer.

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
@group(0) @binding(1) var<storage, read> x: array<f32>;       // (N, H, W, Cin)
@group(0) @binding(2) var<storage, read> w: array<vec4f>;     // (KH, KW, Cin, Cout)
@group(0) @binding(3) var<storage, read> bias: array<vec4f>;  // (Cout), or any buffer when hasBias == 0
@group(0) @binding(4) var<storage, read_write> y: array<vec4f>; // (N, OH, OW, Cout)

override WG: u32 = 64u;

const TM: u32 = 32u;
const LOADS: u32 = 4u;  // TM / 8 pixels loaded by each lane

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  let lane = li & 7u;
  let octetBase = sgLane & ~7u;
  let octet = (wid.x + wid.y * params.groupsX) * (WG / 8u) + li / 8u;
  let live = octet < params.octets;
  let o = min(octet, params.octets - 1u);
  let colBlock = o % params.colBlocks;
  let rowBase = (o / params.colBlocks) * TM;
  let co = colBlock * 32u + lane * 4u;
  let coLoad = min(co, params.Cout - 4u) / 4u;
  let cout4 = params.Cout / 4u;

  // This lane loads pixels rowBase + lane + 8 r, r < LOADS.
  var ih0: array<i32, LOADS>;
  var iw0: array<i32, LOADS>;
  var nBase: array<u32, LOADS>;
  for (var r = 0u; r < LOADS; r++) {
    let p = rowBase + lane + 8u * r;
    let ow = p % params.OW;
    let t = p / params.OW;
    ih0[r] = select(-100000, i32((t % params.OH) * params.strideH) - i32(params.padTop), p < params.M);
    iw0[r] = i32(ow * params.strideW) - i32(params.padLeft);
    nBase[r] = (t / params.OH) * params.H;
  }

  // The 32 pixels' work is written out rather than looped over an array: compilers put indexed arrays in memory.
  // #include parts/acc_32.wgsl

  for (var kh = 0u; kh < params.KH; kh++) {
    for (var kw = 0u; kw < params.KW; kw++) {
      var base = array<u32, LOADS>();
      var ok = array<bool, LOADS>();
      for (var r = 0u; r < LOADS; r++) {
        let ih = ih0[r] + i32(kh);
        let iw = iw0[r] + i32(kw);
        ok[r] = ih >= 0 && ih < i32(params.H) && iw >= 0 && iw < i32(params.W);
        base[r] = select(0u, ((nBase[r] + u32(ih)) * params.W + u32(iw)) * params.Cin, ok[r]);
      }
      let kRow = (kh * params.KW + kw) * params.Cin;
      for (var ci = 0u; ci < params.Cin; ci++) {
        let a0 = select(0.0, x[base[0] + ci], ok[0]);
        let a1 = select(0.0, x[base[1] + ci], ok[1]);
        let a2 = select(0.0, x[base[2] + ci], ok[2]);
        let a3 = select(0.0, x[base[3] + ci], ok[3]);
        let b = w[(kRow + ci) * cout4 + coLoad];
        acc0 = fma(vec4f(subgroupShuffle(a0, octetBase + 0u)), b, acc0);
        acc1 = fma(vec4f(subgroupShuffle(a0, octetBase + 1u)), b, acc1);
        acc2 = fma(vec4f(subgroupShuffle(a0, octetBase + 2u)), b, acc2);
        acc3 = fma(vec4f(subgroupShuffle(a0, octetBase + 3u)), b, acc3);
        acc4 = fma(vec4f(subgroupShuffle(a0, octetBase + 4u)), b, acc4);
        acc5 = fma(vec4f(subgroupShuffle(a0, octetBase + 5u)), b, acc5);
        acc6 = fma(vec4f(subgroupShuffle(a0, octetBase + 6u)), b, acc6);
        acc7 = fma(vec4f(subgroupShuffle(a0, octetBase + 7u)), b, acc7);
        acc8 = fma(vec4f(subgroupShuffle(a1, octetBase + 0u)), b, acc8);
        acc9 = fma(vec4f(subgroupShuffle(a1, octetBase + 1u)), b, acc9);
        acc10 = fma(vec4f(subgroupShuffle(a1, octetBase + 2u)), b, acc10);
        acc11 = fma(vec4f(subgroupShuffle(a1, octetBase + 3u)), b, acc11);
        acc12 = fma(vec4f(subgroupShuffle(a1, octetBase + 4u)), b, acc12);
        acc13 = fma(vec4f(subgroupShuffle(a1, octetBase + 5u)), b, acc13);
        acc14 = fma(vec4f(subgroupShuffle(a1, octetBase + 6u)), b, acc14);
        acc15 = fma(vec4f(subgroupShuffle(a1, octetBase + 7u)), b, acc15);
        acc16 = fma(vec4f(subgroupShuffle(a2, octetBase + 0u)), b, acc16);
        acc17 = fma(vec4f(subgroupShuffle(a2, octetBase + 1u)), b, acc17);
        acc18 = fma(vec4f(subgroupShuffle(a2, octetBase + 2u)), b, acc18);
        acc19 = fma(vec4f(subgroupShuffle(a2, octetBase + 3u)), b, acc19);
        acc20 = fma(vec4f(subgroupShuffle(a2, octetBase + 4u)), b, acc20);
        acc21 = fma(vec4f(subgroupShuffle(a2, octetBase + 5u)), b, acc21);
        acc22 = fma(vec4f(subgroupShuffle(a2, octetBase + 6u)), b, acc22);
        acc23 = fma(vec4f(subgroupShuffle(a2, octetBase + 7u)), b, acc23);
        acc24 = fma(vec4f(subgroupShuffle(a3, octetBase + 0u)), b, acc24);
        acc25 = fma(vec4f(subgroupShuffle(a3, octetBase + 1u)), b, acc25);
        acc26 = fma(vec4f(subgroupShuffle(a3, octetBase + 2u)), b, acc26);
        acc27 = fma(vec4f(subgroupShuffle(a3, octetBase + 3u)), b, acc27);
        acc28 = fma(vec4f(subgroupShuffle(a3, octetBase + 4u)), b, acc28);
        acc29 = fma(vec4f(subgroupShuffle(a3, octetBase + 5u)), b, acc29);
        acc30 = fma(vec4f(subgroupShuffle(a3, octetBase + 6u)), b, acc30);
        acc31 = fma(vec4f(subgroupShuffle(a3, octetBase + 7u)), b, acc31);
      }
    }
  }

  if (!live || co >= params.Cout) { return; }
  var bv = vec4f(0.0);
  if (params.hasBias != 0u) { bv = bias[co / 4u]; }
  let col = co / 4u;
  store(rowBase + 0u, col, cout4, acc0 + bv);
  store(rowBase + 1u, col, cout4, acc1 + bv);
  store(rowBase + 2u, col, cout4, acc2 + bv);
  store(rowBase + 3u, col, cout4, acc3 + bv);
  store(rowBase + 4u, col, cout4, acc4 + bv);
  store(rowBase + 5u, col, cout4, acc5 + bv);
  store(rowBase + 6u, col, cout4, acc6 + bv);
  store(rowBase + 7u, col, cout4, acc7 + bv);
  store(rowBase + 8u, col, cout4, acc8 + bv);
  store(rowBase + 9u, col, cout4, acc9 + bv);
  store(rowBase + 10u, col, cout4, acc10 + bv);
  store(rowBase + 11u, col, cout4, acc11 + bv);
  store(rowBase + 12u, col, cout4, acc12 + bv);
  store(rowBase + 13u, col, cout4, acc13 + bv);
  store(rowBase + 14u, col, cout4, acc14 + bv);
  store(rowBase + 15u, col, cout4, acc15 + bv);
  store(rowBase + 16u, col, cout4, acc16 + bv);
  store(rowBase + 17u, col, cout4, acc17 + bv);
  store(rowBase + 18u, col, cout4, acc18 + bv);
  store(rowBase + 19u, col, cout4, acc19 + bv);
  store(rowBase + 20u, col, cout4, acc20 + bv);
  store(rowBase + 21u, col, cout4, acc21 + bv);
  store(rowBase + 22u, col, cout4, acc22 + bv);
  store(rowBase + 23u, col, cout4, acc23 + bv);
  store(rowBase + 24u, col, cout4, acc24 + bv);
  store(rowBase + 25u, col, cout4, acc25 + bv);
  store(rowBase + 26u, col, cout4, acc26 + bv);
  store(rowBase + 27u, col, cout4, acc27 + bv);
  store(rowBase + 28u, col, cout4, acc28 + bv);
  store(rowBase + 29u, col, cout4, acc29 + bv);
  store(rowBase + 30u, col, cout4, acc30 + bv);
  store(rowBase + 31u, col, cout4, acc31 + bv);
}

fn store(p: u32, col: u32, cout4: u32, v: vec4f) {
  if (p < params.M) { y[p * cout4 + col] = select(v, max(v, vec4f(0.0)), params.relu != 0u); }
}
