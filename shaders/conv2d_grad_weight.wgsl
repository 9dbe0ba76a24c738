// 2-D convolution gradient with respect to the weights, as a GEMM reduced over pixels:
//   dw[r, co] = sum over pixels p = (n, oh, ow) of x[p shifted by tap(r), ci(r)] * dy[p, co],  r = (kh, kw, ci).
//
// An octet (8 lanes) owns 32 rows r x 32 output channels; each lane accumulates 4 adjacent channels for all 32
// rows (one vec4 of dy per pixel, reused over 32 rows). Per pixel each lane loads x for 4 of the rows and
// subgroupShuffle hands them round, so each x element is loaded once per octet. Rows are decoded per lane, so
// any Cin works (a lane's 4 rows may even sit in different taps, as with the RGB first layer). Needs
// Cout % 4 == 0.
//
// The pixels are split into `slices` ranges of image rows (n, oh), each writing its own partial (slices, K,
// Cout), so small weight tensors still spread over many workgroups; src/kernels/conv2d.ts adds the slices.
// Control flow around the shuffles stays uniform (select and clamped indices, no early returns).

enable subgroups;

// #include parts/grad_weight_params.wgsl

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> x: array<f32>;           // (N, H, W, Cin)
@group(0) @binding(2) var<storage, read> dy: array<vec4f>;        // (N, OH, OW, Cout)
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;  // (slices, K, Cout)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  // #include parts/grad_weight_octet_32.wgsl

  // The 4 rows this lane loads: their tap offsets (kh - padTop, kw - padLeft) and channel; rows past K read
  // nothing (dh so negative that every pixel is masked).
  var dh: array<i32, 4>;
  var dwo: array<i32, 4>;
  var ci: array<u32, 4>;
  for (var c = 0u; c < 4u; c++) {
    let r = rowBase + lane * 4u + c;
    ci[c] = r % params.Cin;
    let tap = r / params.Cin;
    dh[c] = select(-100000000, i32(tap / params.KW) - i32(params.padTop), r < params.K);
    dwo[c] = i32(tap % params.KW) - i32(params.padLeft);
  }

  // #include parts/acc_32.wgsl

  let r0 = slice * params.rowsPerSlice;
  let r1 = min(r0 + params.rowsPerSlice, params.imageRows);
  for (var ir = r0; ir < r1; ir++) {
    let oh = ir % params.OH;
    let nH = (ir / params.OH) * params.H;
    var ih = array<i32, 4>();
    for (var c = 0u; c < 4u; c++) { ih[c] = i32(oh * params.strideH) + dh[c]; }
    for (var ow = 0u; ow < params.OW; ow++) {
      let iwBase = i32(ow * params.strideW);
      var a = vec4f(0.0);
      for (var c = 0u; c < 4u; c++) {
        let iw = iwBase + dwo[c];
        let ok = ih[c] >= 0 && ih[c] < i32(params.H) && iw >= 0 && iw < i32(params.W);
        let idx = select(0u, ((nH + u32(ih[c])) * params.W + u32(iw)) * params.Cin + ci[c], ok);
        a[c] = select(0.0, x[idx], ok);
      }
      let b = dy[(ir * params.OW + ow) * cout4 + coLoad];
      let s0 = subgroupShuffle(a, octetBase + 0u);
      acc0 = fma(vec4f(s0.x), b, acc0);
      acc1 = fma(vec4f(s0.y), b, acc1);
      acc2 = fma(vec4f(s0.z), b, acc2);
      acc3 = fma(vec4f(s0.w), b, acc3);
      let s1 = subgroupShuffle(a, octetBase + 1u);
      acc4 = fma(vec4f(s1.x), b, acc4);
      acc5 = fma(vec4f(s1.y), b, acc5);
      acc6 = fma(vec4f(s1.z), b, acc6);
      acc7 = fma(vec4f(s1.w), b, acc7);
      let s2 = subgroupShuffle(a, octetBase + 2u);
      acc8 = fma(vec4f(s2.x), b, acc8);
      acc9 = fma(vec4f(s2.y), b, acc9);
      acc10 = fma(vec4f(s2.z), b, acc10);
      acc11 = fma(vec4f(s2.w), b, acc11);
      let s3 = subgroupShuffle(a, octetBase + 3u);
      acc12 = fma(vec4f(s3.x), b, acc12);
      acc13 = fma(vec4f(s3.y), b, acc13);
      acc14 = fma(vec4f(s3.z), b, acc14);
      acc15 = fma(vec4f(s3.w), b, acc15);
      let s4 = subgroupShuffle(a, octetBase + 4u);
      acc16 = fma(vec4f(s4.x), b, acc16);
      acc17 = fma(vec4f(s4.y), b, acc17);
      acc18 = fma(vec4f(s4.z), b, acc18);
      acc19 = fma(vec4f(s4.w), b, acc19);
      let s5 = subgroupShuffle(a, octetBase + 5u);
      acc20 = fma(vec4f(s5.x), b, acc20);
      acc21 = fma(vec4f(s5.y), b, acc21);
      acc22 = fma(vec4f(s5.z), b, acc22);
      acc23 = fma(vec4f(s5.w), b, acc23);
      let s6 = subgroupShuffle(a, octetBase + 6u);
      acc24 = fma(vec4f(s6.x), b, acc24);
      acc25 = fma(vec4f(s6.y), b, acc25);
      acc26 = fma(vec4f(s6.z), b, acc26);
      acc27 = fma(vec4f(s6.w), b, acc27);
      let s7 = subgroupShuffle(a, octetBase + 7u);
      acc28 = fma(vec4f(s7.x), b, acc28);
      acc29 = fma(vec4f(s7.y), b, acc29);
      acc30 = fma(vec4f(s7.z), b, acc30);
      acc31 = fma(vec4f(s7.w), b, acc31);
    }
  }

  if (!live || co >= params.Cout) { return; }
  let out = slice * params.K * cout4 + co / 4u;
  // #include parts/grad_weight_store_32.wgsl
}

fn store(out: u32, r: u32, cout4: u32, v: vec4f) {
  if (r < params.K) { dw[out + r * cout4] = v; }
}
