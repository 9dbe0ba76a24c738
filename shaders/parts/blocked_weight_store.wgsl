// Part of the weight-packing kernels (conv2d_weight_pack.wgsl, and winograd_weights.wgsl and winograd6_weights.wgsl
// through parts/winograd_weights_main.wgsl), pasted in where they say `// #include parts/blocked_weight_store.wgsl`
// (src/gpu/pipelines.ts): the blocked texture's layout, written once. storeBlocked puts one lane's 8 weights of
// row k of a (K, C) matrix, lo = channels c .. c + 3 and hi = c + 32 .. c + 35 with c = block * 64 + lane * 4,
// where conv2d_weight_pack.wgsl's header says: texture row block * (K / 32) + k / 32, texel (k % 32) * T + lane
// (+ 8 for hi when F16 is false: T = 16 texels of f32 bits per k; when true, T = 8 texels of 8 halves each).
// Expects wTex (texture_storage_2d<rgba32uint, write>) and the override F16.
fn storeBlocked(k: u32, K: u32, block: u32, lane: u32, lo: vec4f, hi: vec4f) {
  let row = block * (K / 32u) + k / 32u;
  if (F16) {
    textureStore(wTex, vec2u((k % 32u) * 8u + lane, row),
      vec4u(pack2x16float(lo.xy), pack2x16float(lo.zw), pack2x16float(hi.xy), pack2x16float(hi.zw)));
  } else {
    textureStore(wTex, vec2u((k % 32u) * 16u + lane, row), bitcast<vec4u>(lo));
    textureStore(wTex, vec2u((k % 32u) * 16u + 8u + lane, row), bitcast<vec4u>(hi));
  }
}
