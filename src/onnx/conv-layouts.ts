// Convolution weights between ONNX's layout, (O, I, KH, KW), and graft's, (KH, KW, I, O): the runner reads ONNX
// weights with oihwToHwio, the exporter and the bench's onnxruntime peer write them with hwioToOihw.

/** (O, I, KH, KW) values -> (KH, KW, I, O). */
export function oihwToHwio(src: Float32Array, dims: readonly number[]): Float32Array {
  const [O, I, KH, KW] = dims;
  const out = new Float32Array(src.length);
  for (let o = 0; o < O; o++) {
    for (let i = 0; i < I; i++) {
      for (let h = 0; h < KH; h++) {
        for (let w = 0; w < KW; w++) out[((h * KW + w) * I + i) * O + o] = src[((o * I + i) * KH + h) * KW + w];
      }
    }
  }
  return out;
}

/** (KH, KW, I, O) values -> (O, I, KH, KW). */
export function hwioToOihw(src: Float32Array, shape: readonly number[]): Float32Array {
  const [KH, KW, I, O] = shape;
  const out = new Float32Array(src.length);
  for (let h = 0; h < KH; h++) {
    for (let w = 0; w < KW; w++) {
      for (let i = 0; i < I; i++) {
        for (let o = 0; o < O; o++) out[((o * I + i) * KH + h) * KW + w] = src[((h * KW + w) * I + i) * O + o];
      }
    }
  }
  return out;
}
