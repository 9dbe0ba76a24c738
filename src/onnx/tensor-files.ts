// Single tensors on disk: serialized ONNX TensorProto files (`.pb`, the ONNX backend test format, used for the
// inputs and outputs of `npm run onnx -- run`) and numpy `.npy` files (C order, little-endian).

import { readFileSync, writeFileSync } from 'node:fs';
import { onnx, tensorFromProto, tensorToProto } from './proto.ts';
import { DTYPE_BYTES, sizeOf, type DType, type OnnxTensor } from './tensor.ts';
import { OnnxFormatError } from './errors.ts';

/** Decodes a serialized TensorProto; `file` names it in messages. */
export function decodeTensorProto(bytes: Uint8Array, file: string): OnnxTensor {
  let p;
  try {
    p = onnx.TensorProto.decode(bytes);
  } catch (e) {
    throw new OnnxFormatError(`${file}: not a readable TensorProto, truncated or corrupt (${(e as Error).message})`);
  }
  if (p.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    throw new OnnxFormatError(`${file}: the tensor points to external data, which a .pb tensor file cannot carry`);
  }
  return tensorFromProto(p, file);
}

/** A TensorProto with raw_data, as onnx.numpy_helper.from_array writes it. */
export function encodeTensorProto(t: OnnxTensor): Uint8Array {
  return onnx.TensorProto.encode(tensorToProto(t)).finish();
}

// --- .npy

const NPY_DTYPES: Record<string, DType> = {
  '<f4': 'float32', '<f2': 'float16', '<f8': 'float64', '<i8': 'int64', '<i4': 'int32', '<i2': 'int16',
  '|i1': 'int8', '|u1': 'uint8', '<u2': 'uint16', '<u4': 'uint32', '<u8': 'uint64', '|b1': 'bool',
};

/** Reads a numpy .npy array (format versions 1-3, C order, little-endian); `name` becomes the tensor's name. */
export function decodeNpy(bytes: Uint8Array, file: string, name = ''): OnnxTensor {
  const bad = (why: string): never => {
    throw new OnnxFormatError(`${file}: not a readable .npy file (${why})`);
  };
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
  if (bytes.length < 10 || magic.some((b, i) => bytes[i] !== b)) bad('no \\x93NUMPY signature');
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const [headerLen, start] = major === 1 ? [view.getUint16(8, true), 10] : major <= 3 ? [bytes.length >= 12 ? view.getUint32(8, true) : bad('truncated header'), 12] : bad(`format version ${major}`);
  if (start + headerLen > bytes.length) bad('truncated header');
  const header = Buffer.from(bytes.subarray(start, start + headerLen)).toString(major === 3 ? 'utf8' : 'latin1');
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1] ?? bad(`no descr in header ${header.trim()}`);
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1] ?? bad('no fortran_order in header');
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1] ?? bad('no shape in header');
  if (fortran === 'True') bad('Fortran-order arrays are not read; save with np.ascontiguousarray');
  const dtype = NPY_DTYPES[descr] ?? bad(`dtype '${descr}' is not read (little-endian float32/float16/float64/int64/int32/bool...)`);
  const dims = shapeText.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (dims.some((d) => !Number.isSafeInteger(d) || d < 0)) bad(`shape (${shapeText})`);
  const dataStart = start + headerLen;
  const want = sizeOf(dims) * DTYPE_BYTES[dtype];
  if (bytes.length - dataStart !== want) {
    bad(`${bytes.length - dataStart} data bytes for shape (${dims.join(', ')}) ${descr}, which needs ${want} (truncated?)`);
  }
  return { name, dtype, dims, bytes: bytes.subarray(dataStart, dataStart + want) };
}

/** Writes a tensor as .npy version 1.0 (header padded so the data starts 64-byte aligned, as numpy does). */
export function encodeNpy(t: OnnxTensor): Uint8Array {
  const descr = Object.entries(NPY_DTYPES).find(([, d]) => d === t.dtype)?.[0];
  if (!descr) throw new OnnxFormatError(`tensor '${t.name}': ${t.dtype} has no .npy spelling here`);
  const shape = t.dims.length === 1 ? `(${t.dims[0]},)` : `(${t.dims.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + t.bytes.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(t.bytes, 10 + header.length);
  return out;
}

/** Reads `.pb` (TensorProto) or `.npy` by extension. */
export function readTensorFile(path: string, name = ''): OnnxTensor {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new OnnxFormatError(`${path}: cannot read the file (${(e as Error).message})`);
  }
  if (path.toLowerCase().endsWith('.npy')) return decodeNpy(bytes, path, name);
  const t = decodeTensorProto(bytes, path);
  return name ? { ...t, name } : t;
}

/** Writes `.pb` or `.npy` by extension. */
export function writeTensorFile(path: string, t: OnnxTensor): void {
  writeFileSync(path, path.toLowerCase().endsWith('.npy') ? encodeNpy(t) : encodeTensorProto(t));
}
