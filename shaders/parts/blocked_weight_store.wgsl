// Part of the weight-packing kernels (conv2d_weight_pack.wgsl, and winograd_weights.wgsl and winograd6_weights.wgsl
// through parts/winograd_weights_main.wgsl), pasted in where they say `// #include parts/blocked_weight_store.wgsl`
// (src/gpu/pipelines.ts): the blocked texture's layout, written once. storeBlocked puts one lane's 8 weights of
// row k of a (K, C) matrix, lo = channels c .. c + 3 and hi = c + 32 .. c + 35 with c = block * 64 + lane * 4,
// where conv2d_weight_pack.wgsl's header says: texture row block * (K / 32) + k / 32, texel (k % 32) * T + lane
// (+ 8 for hi when F16 is false: T = 16 texels of f32 bits per k; when true, T = 8 texels of 8 halves each).
// blockedSlot is the other side of it: which row, block and lane invocation i owns, in the order the packing kernels
// dispatch (K * C / 8 invocations, the 8 lanes of a block adjacent). Expects wTex
// (texture_storage_2d<rgba32uint, write>) and the override F16.

struct BlockedSlot {
  k: u32,      // row of the (K, C) matrix
  block: u32,  // 64-channel block
  lane: u32,   // 0..7
  c: u32,      // first of the lane's channels: block * 64 + lane * 4
}

fn blockedSlot(i: u32, C: u32) -> BlockedSlot {
  let block = (i / 8u) % (C / 64u);
  let lane = i % 8u;
  return BlockedSlot(i / (C / 8u), block, lane, block * 64u + lane * 4u);
}

// Row k of the lane's 8 weights, lo = channels c .. c + 3 and hi = c + 32 .. c + 35 of `slot`'s block and lane.
fn storeBlocked(k: u32, K: u32, slot: BlockedSlot, lo: vec4f, hi: vec4f) {
  let row = slot.block * (K / 32u) + k / 32u;
  let lane = slot.lane;
  if (F16) {
    textureStore(wTex, vec2u((k % 32u) * 8u + lane, row),
      vec4u(pack2x16float(lo.xy), pack2x16float(lo.zw), pack2x16float(hi.xy), pack2x16float(hi.zw)));
  } else {
    textureStore(wTex, vec2u((k % 32u) * 16u + lane, row), bitcast<vec4u>(lo));
    textureStore(wTex, vec2u((k % 32u) * 16u + 8u + lane, row), bitcast<vec4u>(hi));
  }
}
