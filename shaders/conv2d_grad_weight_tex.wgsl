// 2-D convolution gradient with respect to the weights, reading x and dy from read-only storage textures: the same
// work split as shaders/conv2d_grad_weight.wgsl (read its header first), with
//   x (n, H, W, Cin) and dy (n, OH, OW, Cout) for the images of this dispatch in rgba32float textures laid out as
//     the forward's x (shaders/conv2d_tex.wgsl): one row per image row, a pixel's channels in consecutive texels;
//   Cin % 4 == 0, so a lane's 4 rows of dw are 4 consecutive channels of one tap: one texel of x per pixel, where
//     the storage kernel makes 4 scalar loads;
//   4 pixels per step, so each accumulator is written once per 4 FMAs.
// Why: on llvmpipe a storage-texture read costs about 100 cycles per 8 lanes against about 100 per scalar and 260
// per vec4 storage load (`npm run bench:loads`), and in llvmpipe's code every write of a loop-carried accumulator
// is a masked blend plus, for a spilled one, a load and a store. Measured 1.2-1.25x the storage kernel at VGG19's
// deep shapes (batch 8) in interleaved A/B runs; 1 to 8 pixels per step tried, 4 was best. The loads cost 2-3 times
// in place what bench:loads measures; without them (a wrong kernel, for measurement only) it runs 2.5-3.5x faster,
// which overstates their cost, since that also drops the spills of the loaded values.
// Needs Cin % 4 == 0, Cout % 4 == 0 and both textures within limits (src/kernels/conv2d.ts).

enable subgroups;

// #include parts/grad_weight_params.wgsl

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var x: texture_storage_2d<rgba32float, read>;   // (n * H rows, W * Cin / 4 texels) = (n, H, W, Cin)
@group(0) @binding(2) var dy: texture_storage_2d<rgba32float, read>;  // (n * OH rows, OW * Cout / 4 texels) = (n, OH, OW, Cout)
@group(0) @binding(3) var<storage, read_write> dw: array<vec4f>;      // (slices, K, Cout)

override WG: u32 = 64u;

@compute @workgroup_size(WG)
fn main(@builtin(workgroup_id) wid: vec3u, @builtin(local_invocation_index) li: u32,
        @builtin(subgroup_invocation_id) sgLane: u32) {
  // #include parts/grad_weight_octet_32.wgsl
  let cin4 = params.Cin / 4u;

  // This lane's 4 rows rowBase + 4 lane .. + 3: one tap (kh, kw) and channels 4 c4 .. 4 c4 + 3. Rows past K read
  // nothing (dh so negative that every pixel is masked).
  let r = rowBase + lane * 4u;
  let tap = r / params.Cin;
  let c4 = (r % params.Cin) / 4u;
  let dh = select(-100000000, i32(tap / params.KW) - i32(params.padTop), r < params.K);
  let dwo = i32(tap % params.KW) - i32(params.padLeft);

  // #include parts/acc_32.wgsl

  let r0 = slice * params.rowsPerSlice;
  let r1 = min(r0 + params.rowsPerSlice, params.imageRows);
  for (var ir = r0; ir < r1; ir++) {
    let oh = ir % params.OH;
    let ih = i32(oh * params.strideH) + dh;
    let rowOk = ih >= 0 && ih < i32(params.H);
    let xRow = select(0u, (ir / params.OH) * params.H + u32(ih), rowOk);
    for (var ow = 0u; ow < params.OW; ow += 4u) {
      // Pixels past OW or outside the image read texel (0, xRow), which exists, and are masked to zero; their dy
      // texel is clamped to a real one, which then meets a zero.
      let iw0 = i32((ow + 0u) * params.strideW) + dwo;
      let ok0 = rowOk && ow + 0u < params.OW && iw0 >= 0 && iw0 < i32(params.W);
      let a0 = select(vec4f(0.0), textureLoad(x, vec2u(select(0u, u32(iw0) * cin4 + c4, ok0), xRow)), ok0);
      let iw1 = i32((ow + 1u) * params.strideW) + dwo;
      let ok1 = rowOk && ow + 1u < params.OW && iw1 >= 0 && iw1 < i32(params.W);
      let a1 = select(vec4f(0.0), textureLoad(x, vec2u(select(0u, u32(iw1) * cin4 + c4, ok1), xRow)), ok1);
      let iw2 = i32((ow + 2u) * params.strideW) + dwo;
      let ok2 = rowOk && ow + 2u < params.OW && iw2 >= 0 && iw2 < i32(params.W);
      let a2 = select(vec4f(0.0), textureLoad(x, vec2u(select(0u, u32(iw2) * cin4 + c4, ok2), xRow)), ok2);
      let iw3 = i32((ow + 3u) * params.strideW) + dwo;
      let ok3 = rowOk && ow + 3u < params.OW && iw3 >= 0 && iw3 < i32(params.W);
      let a3 = select(vec4f(0.0), textureLoad(x, vec2u(select(0u, u32(iw3) * cin4 + c4, ok3), xRow)), ok3);
      let b0 = textureLoad(dy, vec2u(min(ow + 0u, params.OW - 1u) * cout4 + coLoad, ir));
      let b1 = textureLoad(dy, vec2u(min(ow + 1u, params.OW - 1u) * cout4 + coLoad, ir));
      let b2 = textureLoad(dy, vec2u(min(ow + 2u, params.OW - 1u) * cout4 + coLoad, ir));
      let b3 = textureLoad(dy, vec2u(min(ow + 3u, params.OW - 1u) * cout4 + coLoad, ir));
      // #include parts/grad_weight_step_32x4.wgsl
    }
  }

  if (!live || co >= params.Cout) { return; }
  let out = slice * params.K * cout4 + co / 4u;
  // #include parts/grad_weight_store_32.wgsl
}

fn store(out: u32, r: u32, cout4: u32, v: vec4f) {
  if (r < params.K) { dw[out + r * cout4] = v; }
}
