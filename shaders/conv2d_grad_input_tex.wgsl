// 2-D convolution gradient with respect to the input, reading both operands from read-only storage textures:
// shaders/conv2d_grad_input.wgsl (read its header first), with
//   w: w (KH, KW, Cin, Cout) in the blocked rgba32uint texture of conv2d_weight_pack_grad_input.wgsl (f32 bits, read
//     with bitcast; read its header for the layout: each fetch of the octet reads 128 contiguous bytes). A lane needs, per step of 4 output channels, the
//     4 x 4 block w[tap, ci..ci+3, co..co+3]: the 4 texels of rows ci..ci+3 bring it, and the transpose into the
//     vec4s over ci that the FMAs use is a register renaming (free on SoA software drivers, a few moves on GPUs).
//     Same count of fetches as reading a transposed copy, without the transposing kernel, which cost a third as
//     much as the convolution at batch 1.
//   dy (n, OH, OW, Cout) for the images of this dispatch in an rgba32float texture of OW * Cout / 4 texels by
//     n * OH rows (the forward's x layout, see shaders/conv2d_tex.wgsl), loaded by one lane per pixel and shared
//     by subgroupShuffle.
// Why storage textures: see shaders/conv2d_tex.wgsl (the cheapest lane-varying load on llvmpipe, and an ordinary
// path for read-only operands on GPUs).
// Needs Cin % 64 == 0, Cout % 32 == 0 and both textures within maxTextureDimension2D (src/kernels/conv2d.ts).

enable subgroups;

struct Params {
  // #include parts/conv_params.wgsl
  M: u32,          // N * H * W input pixels
  colBlocks: u32,  // ceil(Cin / COLS)
  octets: u32,     // colBlocks * ceil(M / TM)
  groupsX: u32,    // workgroups along x (the grid is folded into y past 65535)
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var dy: texture_storage_2d<rgba32float, read>;                  // (n * OH rows, OW * Cout / 4 texels) = (n, OH, OW, Cout)
@group(0) @binding(2) var w: texture_storage_2d<rgba32uint, read>;                 // (KH * KW * Cin / 64 * Cout / 32 rows, 512 texels) = (KH, KW, Cin, Cout)
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

  for (var kh = 0u; kh < params.KH; kh++) {
    for (var kw = 0u; kw < params.KW; kw++) {
      // vec4 offset of the dy pixel this tap reads for each input pixel, and whether there is one.
      var base = array<u32, TM>();
      var row = array<u32, TM>();
      var ok = array<bool, TM>();
      for (var m = 0u; m < TM; m++) {
        let ohs = ihp[m] - i32(kh);
        let ows = iwp[m] - i32(kw);
        let oh = u32(ohs) / params.strideH;
        let ow = u32(ows) / params.strideW;
        ok[m] = ohs >= 0 && ows >= 0 && oh * params.strideH == u32(ohs) && ow * params.strideW == u32(ows) &&
                oh < params.OH && ow < params.OW;
        // taps with no dy pixel read texel (lane, 0), which exists, and are masked
        base[m] = select(0u, ow * cout4, ok[m]) + lane;
        row[m] = select(0u, nBase[m] + oh, ok[m]);
      }
      // this octet's rows of w for this tap: one per 32 output channels
      let wRowTap = ((kh * params.KW + kw) * (params.Cin / 64u) + colBlock) * (params.Cout / 32u);
      for (var c0 = 0u; c0 < params.Cout; c0 += 32u) {
        let c4 = c0 / 4u;
        let a0 = select(vec4f(0.0), textureLoad(dy, vec2u(base[0] + c4, row[0])), ok[0]);
        let a1 = select(vec4f(0.0), textureLoad(dy, vec2u(base[1] + c4, row[1])), ok[1]);
        let a2 = select(vec4f(0.0), textureLoad(dy, vec2u(base[2] + c4, row[2])), ok[2]);
        let a3 = select(vec4f(0.0), textureLoad(dy, vec2u(base[3] + c4, row[3])), ok[3]);
        let a4 = select(vec4f(0.0), textureLoad(dy, vec2u(base[4] + c4, row[4])), ok[4]);
        let a5 = select(vec4f(0.0), textureLoad(dy, vec2u(base[5] + c4, row[5])), ok[5]);
        let a6 = select(vec4f(0.0), textureLoad(dy, vec2u(base[6] + c4, row[6])), ok[6]);
        let a7 = select(vec4f(0.0), textureLoad(dy, vec2u(base[7] + c4, row[7])), ok[7]);
        let a8 = select(vec4f(0.0), textureLoad(dy, vec2u(base[8] + c4, row[8])), ok[8]);
        let a9 = select(vec4f(0.0), textureLoad(dy, vec2u(base[9] + c4, row[9])), ok[9]);
        let a10 = select(vec4f(0.0), textureLoad(dy, vec2u(base[10] + c4, row[10])), ok[10]);
        let a11 = select(vec4f(0.0), textureLoad(dy, vec2u(base[11] + c4, row[11])), ok[11]);
        let a12 = select(vec4f(0.0), textureLoad(dy, vec2u(base[12] + c4, row[12])), ok[12]);
        let a13 = select(vec4f(0.0), textureLoad(dy, vec2u(base[13] + c4, row[13])), ok[13]);
        let a14 = select(vec4f(0.0), textureLoad(dy, vec2u(base[14] + c4, row[14])), ok[14]);
        let a15 = select(vec4f(0.0), textureLoad(dy, vec2u(base[15] + c4, row[15])), ok[15]);
        // The bound is 8 whenever Cout % 32 == 0; written from a uniform so the loop stays rolled (compiles
        // faster on llvmpipe, and runs as fast).
        let wRow = wRowTap + c0 / 32u;
        for (var j = 0u; j < min(8u, (params.Cout - c0) / 4u); j++) {
          // t{r}_{g}: w[tap, ci + r, co..co+3] for this lane's channel group g; b{i}_{g}: w[tap, ci..ci+3, co + i]
          let t0_0 = bitcast<vec4f>(textureLoad(w, vec2u(j * 64u + 0u + lane, wRow)));
          let t1_0 = bitcast<vec4f>(textureLoad(w, vec2u(j * 64u + 8u + lane, wRow)));
          let t2_0 = bitcast<vec4f>(textureLoad(w, vec2u(j * 64u + 16u + lane, wRow)));
          let t3_0 = bitcast<vec4f>(textureLoad(w, vec2u(j * 64u + 24u + lane, wRow)));
          let t0_1 = bitcast<vec4f>(textureLoad(w, vec2u(j * 64u + 32u + lane, wRow)));
          let t1_1 = bitcast<vec4f>(textureLoad(w, vec2u(j * 64u + 40u + lane, wRow)));
          let t2_1 = bitcast<vec4f>(textureLoad(w, vec2u(j * 64u + 48u + lane, wRow)));
          let t3_1 = bitcast<vec4f>(textureLoad(w, vec2u(j * 64u + 56u + lane, wRow)));
          let b0_0 = vec4f(t0_0.x, t1_0.x, t2_0.x, t3_0.x);
          let b1_0 = vec4f(t0_0.y, t1_0.y, t2_0.y, t3_0.y);
          let b2_0 = vec4f(t0_0.z, t1_0.z, t2_0.z, t3_0.z);
          let b3_0 = vec4f(t0_0.w, t1_0.w, t2_0.w, t3_0.w);
          let b0_1 = vec4f(t0_1.x, t1_1.x, t2_1.x, t3_1.x);
          let b1_1 = vec4f(t0_1.y, t1_1.y, t2_1.y, t3_1.y);
          let b2_1 = vec4f(t0_1.z, t1_1.z, t2_1.z, t3_1.z);
          let b3_1 = vec4f(t0_1.w, t1_1.w, t2_1.w, t3_1.w);
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
