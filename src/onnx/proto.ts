// The bridge to the `onnx-proto` package (protobufjs code generated from onnx.proto, ONNX 1.10): the decoded message
// types, and conversions between its tensors and graft's OnnxTensor. Nothing outside src/onnx sees protobuf.

import onnxProto from 'onnx-proto';
import type { onnx as P } from 'onnx-proto';
import { DTYPE_BYTES, DTYPE_CODE, dtypeFromCode, onnxTypeName, sizeOf, type DType, type OnnxTensor } from './tensor.ts';
import { OnnxFormatError } from './errors.ts';

export const onnx = onnxProto.onnx;
export type { P };

/** protobufjs gives int64 fields as Long objects (long.js is installed) or numbers: make them numbers. */
export function num(v: number | { toNumber(): number } | null | undefined): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'number' ? v : v.toNumber();
}

/** Where external tensor data lives: given a location relative to the model, return that file's bytes. */
export type ExternalDataSource = (location: string, tensorName: string) => Uint8Array;

/**
 * Turns a decoded TensorProto into an OnnxTensor, checking that its data is all there. `where` names the file for
 * messages. raw_data stays a view into the decoded buffer; typed fields are packed into fresh little-endian bytes.
 */
export function tensorFromProto(p: P.ITensorProto, where: string, external?: ExternalDataSource): OnnxTensor {
  const name = p.name ?? '';
  const label = `${where}: tensor '${name}'`;
  const code = p.dataType ?? 0;
  const dtype = dtypeFromCode(code);
  if (!dtype) throw new OnnxFormatError(`${label} has data type ${onnxTypeName(code)}, which graft does not read`);
  const dims = (p.dims ?? []).map(num);
  if (dims.some((d) => d < 0 || !Number.isSafeInteger(d))) {
    throw new OnnxFormatError(`${label} has invalid dims [${dims.join(',')}]`);
  }
  if (p.segment) throw new OnnxFormatError(`${label} is a segment of a larger tensor, which graft does not read`);
  const n = sizeOf(dims);
  const want = n * DTYPE_BYTES[dtype];
  const desc = `[${dims.join(',')}] ${dtype}`;
  let bytes: Uint8Array;
  if (p.dataLocation === onnx.TensorProto.DataLocation.EXTERNAL) {
    bytes = externalBytes(p, label, want, external);
  } else if (p.rawData && p.rawData.length > 0) {
    bytes = p.rawData;
  } else {
    bytes = fromTypedFields(p, dtype, label);
    if (bytes.byteLength === 0 && want > 0) {
      throw new OnnxFormatError(`${label} ${desc} has no data (missing raw_data and typed fields; truncated file?)`);
    }
  }
  if (bytes.byteLength !== want) {
    throw new OnnxFormatError(`${label} ${desc} needs ${want} bytes of data but holds ${bytes.byteLength} (truncated or corrupt)`);
  }
  return { name, dtype, dims, bytes };
}

function externalBytes(p: P.ITensorProto, label: string, want: number, external?: ExternalDataSource): Uint8Array {
  const kv = new Map((p.externalData ?? []).map((e) => [e.key ?? '', e.value ?? '']));
  const location = kv.get('location');
  if (!location) throw new OnnxFormatError(`${label} is stored externally but names no location`);
  if (!external) throw new OnnxFormatError(`${label} is stored in external file '${location}', but the model was read from memory with no folder to find it in`);
  const file = external(location, p.name ?? '');
  const offset = kv.has('offset') ? Number(kv.get('offset')) : 0;
  const length = kv.has('length') ? Number(kv.get('length')) : want;
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
    throw new OnnxFormatError(`${label}: invalid external offset/length '${kv.get('offset')}'/'${kv.get('length')}'`);
  }
  if (offset + length > file.byteLength) {
    throw new OnnxFormatError(`${label}: external file '${location}' has ${file.byteLength} bytes, but the tensor needs bytes ${offset}..${offset + length} (truncated?)`);
  }
  return file.subarray(offset, offset + length);
}

/** Packs the typed repeated fields (float_data, int32_data, ...) into little-endian bytes per ONNX's storage rules. */
function fromTypedFields(p: P.ITensorProto, dtype: DType, label: string): Uint8Array {
  const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const i32 = p.int32Data ?? [];
  switch (dtype) {
    case 'float32': return asBytes(Float32Array.from(p.floatData ?? []));
    case 'float64': return asBytes(Float64Array.from(p.doubleData ?? []));
    case 'int64': return asBytes(BigInt64Array.from(p.int64Data ?? [], (v) => BigInt(typeof v === 'number' ? v : v.toString())));
    case 'uint32': return asBytes(Uint32Array.from(p.uint64Data ?? [], num));
    case 'uint64': return asBytes(BigUint64Array.from(p.uint64Data ?? [], (v) => BigInt(typeof v === 'number' ? v : v.toString())));
    case 'int32': return asBytes(Int32Array.from(i32));
    // Narrower types travel one per int32 (float16/bfloat16 as their bit patterns).
    case 'int16': return asBytes(Int16Array.from(i32));
    case 'uint16': case 'float16': case 'bfloat16': return asBytes(Uint16Array.from(i32));
    case 'int8': return asBytes(Int8Array.from(i32));
    case 'uint8': return asBytes(Uint8Array.from(i32));
    case 'bool': return Uint8Array.from(i32, (v) => (v ? 1 : 0));
  }
  throw new OnnxFormatError(`${label}: unreadable typed data`);
}

/** An OnnxTensor as a TensorProto with raw_data (the form every ONNX reader accepts for every numeric type). */
export function tensorToProto(t: OnnxTensor): P.TensorProto {
  return onnx.TensorProto.create({ name: t.name, dims: t.dims, dataType: DTYPE_CODE[t.dtype], rawData: t.bytes });
}
