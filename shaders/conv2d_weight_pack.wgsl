// Packs conv weights, viewed as a K x C matrix (K = KH * KW * Cin rows of C output channels), into the blocked
// rgba32uint texture that conv2d_tex.wgsl reads. The forward kernel's octets each own 64 output channels and run
// over all of K, so the texture keeps each 64-channel block's weights contiguous, 32 k at a time:
//   texture row  b * (K / 32) + k / 32   (b = the 64-channel block), one row per 32 consecutive k of one block;
//   texel        (k % 32) * T + lane + 8 * t   within the row, for the lane (0..7) that owns channels
//                c = b * 64 + lane * 4 (.. + 3, t = 0) and c + 32 (.. + 35, t = 1);
// with F16 false: T = 16 texels per k, each the f32 bits of 4 channels (t = 0 and t = 1 separate texels);
// with F16 true:  T = 8 texels per k, each 8 half-precision weights (pack2x16float): .xy = c .. c + 3 and
//                 .zw = c + 32 .. c + 35, so one fetch brings all 8 of a lane's weights for one k.
// Why blocked: an octet then streams one contiguous range of memory (its block's rows, in k order) instead of a
// 256-byte piece of every 2 KB row of a (K, C) texture, which the caches and prefetchers of a CPU running a
// software driver serve far better; on GPUs it is the same bytes in another order. Why f16: 8 weights per texel
// halve the forward's weight reads and bytes (on llvmpipe that gained about 1.4x while the weights were sampled
// textures; read as storage textures they cost little enough that it no longer shows). Rounding loses 2^-11 per weight;
// arithmetic stays f32. Needs K % 32 == 0 and C % 64 == 0. One invocation per (k, block, lane).

struct Params {
  K: u32,
  C: u32,
  count: u32,  // K * C / 8 invocations
}

@group(0) @binding(0) var<uniform> params: Params;
@group(0) @binding(1) var<storage, read> w: array<vec4f>;  // (K, C)
@group(0) @binding(2) var wTex: texture_storage_2d<rgba32uint, write>;  // (C / 64 * K / 32 rows, 32 * T texels)

override WG: u32 = 64u;
override F16: bool = false;

@compute @workgroup_size(WG)
fn main(@builtin(global_invocation_id) gid: vec3u, @builtin(num_workgroups) groups: vec3u) {
  let i = gid.x + gid.y * groups.x * WG;
  if (i >= params.count) { return; }
  let slot = blockedSlot(i, params.C);
  let first = (slot.k * params.C + slot.c) / 4u;  // vec4 index of w[k, c]
  let lo = w[first];
  let hi = w[first + 8u];  // w[k, c + 32 .. c + 35]
  storeBlocked(slot.k, params.K, slot, lo, hi);
}

// #include parts/blocked_weight_store.wgsl
