// The in-memory tensor of the ONNX layer: element type, dims and little-endian bytes in C order. Bytes stay a view
// into the file buffer where the file stored them as raw data, so a 548 MB model is not copied on reading; typed
// views or converted copies are made per tensor, on demand, by the accessors below.

import { OnnxFormatError } from './errors.ts';

/** Element types graft reads. Names follow numpy/ONNX spelling. */
export type DType =
  | 'float32' | 'float16' | 'float64' | 'bfloat16'
  | 'int8' | 'uint8' | 'int16' | 'uint16' | 'int32' | 'uint32' | 'int64' | 'uint64' | 'bool';

/** ONNX TensorProto.DataType codes, both ways. STRING (8) and complex types are not read. */
export const DTYPE_CODE: Record<DType, number> = {
  float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9,
  float16: 10, float64: 11, uint32: 12, uint64: 13, bfloat16: 16,
};
const CODE_NAME: Record<number, string> = {
  0: 'UNDEFINED', 1: 'FLOAT', 2: 'UINT8', 3: 'INT8', 4: 'UINT16', 5: 'INT16', 6: 'INT32', 7: 'INT64', 8: 'STRING',
  9: 'BOOL', 10: 'FLOAT16', 11: 'DOUBLE', 12: 'UINT32', 13: 'UINT64', 14: 'COMPLEX64', 15: 'COMPLEX128',
  16: 'BFLOAT16', 17: 'FLOAT8E4M3FN', 18: 'FLOAT8E4M3FNUZ', 19: 'FLOAT8E5M2', 20: 'FLOAT8E5M2FNUZ', 21: 'UINT4',
  22: 'INT4', 23: 'FLOAT4E2M1',
};

/** The DType for an ONNX data type code, or null for types graft does not read (strings, complex, 8/4-bit floats). */
export function dtypeFromCode(code: number): DType | null {
  for (const [name, c] of Object.entries(DTYPE_CODE)) if (c === code) return name as DType;
  return null;
}

/** The ONNX spelling of a type code, for messages ("STRING", "COMPLEX64"). */
export function onnxTypeName(code: number): string {
  return CODE_NAME[code] ?? `type ${code}`;
}

export const DTYPE_BYTES: Record<DType, number> = {
  float32: 4, float16: 2, float64: 8, bfloat16: 2, int8: 1, uint8: 1, int16: 2, uint16: 2,
  int32: 4, uint32: 4, int64: 8, uint64: 8, bool: 1,
};

export interface OnnxTensor {
  name: string;
  dtype: DType;
  dims: number[];
  /** Little-endian element bytes, C order; byteLength === size(dims) * DTYPE_BYTES[dtype]. */
  bytes: Uint8Array;
}

export type TypedArray =
  | Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array
  | Int32Array | Uint32Array | BigInt64Array | BigUint64Array;

export function sizeOf(dims: readonly number[]): number {
  return dims.reduce((a, b) => a * b, 1);
}

/** Wraps values as an OnnxTensor (a typed array of the stored type is viewed, not copied); bool takes 0/1, float16 takes f32 values or raw Uint16Array bits. */
export function makeTensor(name: string, dtype: DType, dims: readonly number[], values: TypedArray | readonly number[]): OnnxTensor {
  const n = sizeOf(dims);
  if (values.length !== n) {
    throw new RangeError(`tensor '${name}': ${values.length} values for dims [${dims.join(',')}] (${n} elements)`);
  }
  let out: TypedArray;
  switch (dtype) {
    case 'float32': out = values instanceof Float32Array ? values : Float32Array.from(values as ArrayLike<number>); break;
    case 'float64': out = Float64Array.from(values as ArrayLike<number>); break;
    case 'float16': out = values instanceof Uint16Array ? values : Uint16Array.from(values as ArrayLike<number>, f32ToF16); break;
    case 'bfloat16': out = values instanceof Uint16Array ? values : Uint16Array.from(values as ArrayLike<number>, f32ToBf16); break;
    case 'int64': out = values instanceof BigInt64Array ? values : BigInt64Array.from(values as ArrayLike<number>, (v) => BigInt(v)); break;
    case 'uint64': out = values instanceof BigUint64Array ? values : BigUint64Array.from(values as ArrayLike<number>, (v) => BigInt(v)); break;
    case 'int32': out = Int32Array.from(values as ArrayLike<number>); break;
    case 'uint32': out = Uint32Array.from(values as ArrayLike<number>); break;
    case 'int16': out = Int16Array.from(values as ArrayLike<number>); break;
    case 'uint16': out = Uint16Array.from(values as ArrayLike<number>); break;
    case 'int8': out = Int8Array.from(values as ArrayLike<number>); break;
    case 'uint8': out = Uint8Array.from(values as ArrayLike<number>); break;
    case 'bool': out = Uint8Array.from(values as ArrayLike<number>, (v) => (v ? 1 : 0)); break;
  }
  return { name, dtype, dims: [...dims], bytes: new Uint8Array(out.buffer, out.byteOffset, out.byteLength) };
}

/** Bytes as an aligned typed array of `Ctor`: a view when the offset allows it, else one copy of this tensor. */
function aligned<T extends TypedArray>(bytes: Uint8Array, Ctor: { new (b: ArrayBufferLike, o: number, n: number): T; BYTES_PER_ELEMENT: number }): T {
  const n = bytes.byteLength / Ctor.BYTES_PER_ELEMENT;
  if (bytes.byteOffset % Ctor.BYTES_PER_ELEMENT === 0) return new Ctor(bytes.buffer, bytes.byteOffset, n);
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  return new Ctor(copy.buffer, 0, n);
}

/** The tensor's values in their own type (bool and uint8 as Uint8Array, float16/bfloat16 as raw Uint16Array bits). */
export function typedValues(t: OnnxTensor): TypedArray {
  switch (t.dtype) {
    case 'float32': return aligned(t.bytes, Float32Array);
    case 'float64': return aligned(t.bytes, Float64Array);
    case 'float16': case 'bfloat16': case 'uint16': return aligned(t.bytes, Uint16Array);
    case 'int16': return aligned(t.bytes, Int16Array);
    case 'int32': return aligned(t.bytes, Int32Array);
    case 'uint32': return aligned(t.bytes, Uint32Array);
    case 'int64': return aligned(t.bytes, BigInt64Array);
    case 'uint64': return aligned(t.bytes, BigUint64Array);
    case 'int8': return new Int8Array(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
    case 'uint8': case 'bool': return t.bytes;
  }
}

/** The floating-point types (the ONNX runner computes all of them as f32 on the GPU) and the integer ones (bool aside). */
export const FLOAT_TYPES: ReadonlySet<DType> = new Set(['float32', 'float16', 'float64', 'bfloat16']);
export const INTEGER_TYPES: ReadonlySet<DType> = new Set(['int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32', 'int64', 'uint64']);

/** The values as float32, converting other types (float16 via its bits, int64 via Number). A view when already f32. */
export function toFloat32(t: OnnxTensor): Float32Array {
  const v = typedValues(t);
  if (t.dtype === 'float32') return v as Float32Array;
  if (t.dtype === 'float16') return Float32Array.from(v as Uint16Array, f16ToF32);
  if (t.dtype === 'bfloat16') return Float32Array.from(v as Uint16Array, bf16ToF32);
  if (v instanceof BigInt64Array || v instanceof BigUint64Array) return Float32Array.from(v, (x) => Number(x));
  return Float32Array.from(v as ArrayLike<number>);
}

/** Integer values as JS numbers (shapes, axes, labels); throws for non-integer types and values past 2^53. */
export function toIntegers(t: OnnxTensor): number[] {
  if (!/int|bool/.test(t.dtype)) throw new OnnxFormatError(`tensor '${t.name}' holds ${t.dtype}, where integers were expected`);
  const v = typedValues(t);
  return Array.from(v as ArrayLike<number | bigint>, (x) => {
    const n = Number(x);
    if (!Number.isSafeInteger(n)) throw new OnnxFormatError(`tensor '${t.name}' holds ${x}, past what graft handles as an integer`);
    return n;
  });
}

// --- half-precision conversions (IEEE 754 binary16, and bfloat16 = the top half of a float32)

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

export function f16ToF32(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24; // subnormal or zero
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** float32 -> float16 bits, rounding to nearest even; overflow gives infinity. */
export function f32ToF16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  let e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let half = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && half & 1)) half++;
    return sign | half;
  }
  let half = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++; // may carry into the exponent, which is correct
  return sign | half;
}

export function bf16ToF32(h: number): number {
  u32[0] = h << 16;
  return f32[0];
}

export function f32ToBf16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}
