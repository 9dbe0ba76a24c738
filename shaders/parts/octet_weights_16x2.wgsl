// Part of the octet kernels that read blocked weights from a texture (conv2d_tex.wgsl, winograd_gemm.wgsl), pasted
// in where they say `// #include parts/octet_weights_16x2.wgsl` (src/gpu/pipelines.ts): the lane's weights for one
// step of 4 reduction indices, b{i}_{t} (index 4j + i, channel group t), from texture row wRow of the layout
// conv2d_weight_pack.wgsl writes, as f32 bits or, when PACKED_F16, as halves (8 to a texel). Expects w, wRow, j,
// lane and PACKED_F16.
var b0_0 = vec4f(); var b1_0 = vec4f(); var b2_0 = vec4f(); var b3_0 = vec4f();
var b0_1 = vec4f(); var b1_1 = vec4f(); var b2_1 = vec4f(); var b3_1 = vec4f();
if (PACKED_F16) {
  // one texel: this lane's output channels (columns) co .. co + 3 (.xy) and co + 32 .. co + 35 (.zw)
  let u0 = textureLoad(w, vec2u((j * 4u + 0u) * 8u + lane, wRow));
  let u1 = textureLoad(w, vec2u((j * 4u + 1u) * 8u + lane, wRow));
  let u2 = textureLoad(w, vec2u((j * 4u + 2u) * 8u + lane, wRow));
  let u3 = textureLoad(w, vec2u((j * 4u + 3u) * 8u + lane, wRow));
  b0_0 = vec4f(unpack2x16float(u0.x), unpack2x16float(u0.y));
  b0_1 = vec4f(unpack2x16float(u0.z), unpack2x16float(u0.w));
  b1_0 = vec4f(unpack2x16float(u1.x), unpack2x16float(u1.y));
  b1_1 = vec4f(unpack2x16float(u1.z), unpack2x16float(u1.w));
  b2_0 = vec4f(unpack2x16float(u2.x), unpack2x16float(u2.y));
  b2_1 = vec4f(unpack2x16float(u2.z), unpack2x16float(u2.w));
  b3_0 = vec4f(unpack2x16float(u3.x), unpack2x16float(u3.y));
  b3_1 = vec4f(unpack2x16float(u3.z), unpack2x16float(u3.w));
} else {
  b0_0 = bitcast<vec4f>(textureLoad(w, vec2u((j * 4u + 0u) * 16u + lane, wRow)));
  b1_0 = bitcast<vec4f>(textureLoad(w, vec2u((j * 4u + 1u) * 16u + lane, wRow)));
  b2_0 = bitcast<vec4f>(textureLoad(w, vec2u((j * 4u + 2u) * 16u + lane, wRow)));
  b3_0 = bitcast<vec4f>(textureLoad(w, vec2u((j * 4u + 3u) * 16u + lane, wRow)));
  b0_1 = bitcast<vec4f>(textureLoad(w, vec2u((j * 4u + 0u) * 16u + 8u + lane, wRow)));
  b1_1 = bitcast<vec4f>(textureLoad(w, vec2u((j * 4u + 1u) * 16u + 8u + lane, wRow)));
  b2_1 = bitcast<vec4f>(textureLoad(w, vec2u((j * 4u + 2u) * 16u + 8u + lane, wRow)));
  b3_1 = bitcast<vec4f>(textureLoad(w, vec2u((j * 4u + 3u) * 16u + 8u + lane, wRow)));
}
