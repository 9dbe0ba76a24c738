// The safetensors weights format (https://github.com/huggingface/safetensors): 8 bytes little-endian header length,
// a JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {string: string}}, then the raw
// little-endian tensor bytes, every byte indexed by exactly one tensor. graft's converted weights use it because
// it is one documented file that other tools already read. Writes go to a temporary file renamed into place, so
// a failure never leaves a half-written weights file.

import { closeSync, fsyncSync, openSync, readFileSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { DTYPE_BYTES, sizeOf, type DType, type OnnxTensor, type TypedArray } from './tensor.ts';
import { WeightsError } from './errors.ts';

const ST_DTYPE: Record<DType, string> = {
  float32: 'F32', float16: 'F16', float64: 'F64', bfloat16: 'BF16', int8: 'I8', uint8: 'U8', int16: 'I16',
  uint16: 'U16', int32: 'I32', uint32: 'U32', int64: 'I64', uint64: 'U64', bool: 'BOOL',
};
const FROM_ST = Object.fromEntries(Object.entries(ST_DTYPE).map(([k, v]) => [v, k as DType]));

export interface SafetensorsFile {
  /** The `__metadata__` entries (all strings). */
  metadata: Record<string, string>;
  /** Tensors in file order; bytes are views into the file buffer (8-byte aligned by the header padding). */
  tensors: Map<string, OnnxTensor>;
}

/** One tensor to write; `data` may be a function so that large converted tensors exist one at a time. */
export interface SafetensorsEntry {
  name: string;
  dtype: DType;
  shape: number[];
  data: TypedArray | Uint8Array | (() => TypedArray | Uint8Array);
}

const MAX_HEADER = 100 * 1024 * 1024;

export function parseSafetensors(bytes: Uint8Array, file: string): SafetensorsFile {
  const bad = (why: string): never => {
    throw new WeightsError(`${file}: not a readable safetensors file (${why})`);
  };
  if (bytes.length < 8) bad(`${bytes.length} bytes, shorter than the header length field`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = Number(view.getBigUint64(0, true));
  if (n > MAX_HEADER || 8 + n > bytes.length) bad(`header length ${n} exceeds the file (${bytes.length} bytes): truncated or not safetensors`);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8'));
  } catch (e) {
    return bad(`header is not JSON: ${(e as Error).message}`);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) bad('header is not a JSON object');
  const data = bytes.subarray(8 + n);
  const metadata: Record<string, string> = {};
  const raw = header.__metadata__;
  if (raw !== undefined) {
    if (typeof raw !== 'object' || raw === null) bad('__metadata__ is not an object');
    for (const [k, v] of Object.entries(raw as object)) {
      if (typeof v !== 'string') bad(`__metadata__.${k} is not a string`);
      metadata[k] = v;
    }
  }
  const entries: { name: string; begin: number; end: number; dtype: DType; dims: number[] }[] = [];
  for (const [name, e] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const info = e as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = FROM_ST[String(info?.dtype)] ?? bad(`tensor '${name}' has unknown dtype ${JSON.stringify(info?.dtype)}`);
    const dims = info.shape;
    const offs = info.data_offsets;
    if (!Array.isArray(dims) || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) bad(`tensor '${name}' has an invalid shape`);
    if (!Array.isArray(offs) || offs.length !== 2 || offs.some((d) => !Number.isSafeInteger(d)) || offs[0] > offs[1]) bad(`tensor '${name}' has invalid data_offsets`);
    const [begin, end] = offs as number[];
    const want = sizeOf(dims as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== want) bad(`tensor '${name}' ${dtype}[${(dims as number[]).join(',')}] needs ${want} bytes, data_offsets span ${end - begin}`);
    if (end > data.length) bad(`tensor '${name}' ends at byte ${end} of a ${data.length}-byte data section: truncated`);
    entries.push({ name, begin, end, dtype, dims: dims as number[] });
  }
  entries.sort((a, b) => a.begin - b.begin);
  let at = 0;
  for (const e of entries) {
    if (e.begin !== at) bad(`tensor '${e.name}' starts at byte ${e.begin}, expected ${at} (overlap or hole)`);
    at = e.end;
  }
  if (at !== data.length) bad(`${data.length - at} bytes after the last tensor`);
  const tensors = new Map<string, OnnxTensor>();
  for (const e of entries) tensors.set(e.name, { name: e.name, dtype: e.dtype, dims: e.dims, bytes: data.subarray(e.begin, e.end) });
  return { metadata, tensors };
}

export function readSafetensors(path: string): SafetensorsFile {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new WeightsError(`${path}: cannot read the weights file (${(e as Error).message})`);
  }
  return parseSafetensors(bytes, path);
}

/**
 * Writes tensors in the given order, then renames the file into place. Each entry's bytes must match its
 * dtype and shape; a function entry is called when its turn comes, so only one large tensor is alive at a time.
 */
export function writeSafetensors(path: string, entries: SafetensorsEntry[], metadata: Record<string, string> = {}): void {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const e of entries) {
    if (e.name === '__metadata__' || e.name in header) throw new WeightsError(`${path}: duplicate or reserved tensor name '${e.name}'`);
    const size = sizeOf(e.shape) * DTYPE_BYTES[e.dtype];
    header[e.name] = { dtype: ST_DTYPE[e.dtype], shape: e.shape, data_offsets: [offset, offset + size] };
    offset += size;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8); // keeps every tensor 8-byte aligned
  const head = Buffer.alloc(8 + Buffer.byteLength(json));
  head.writeBigUInt64LE(BigInt(Buffer.byteLength(json)), 0);
  head.write(json, 8, 'utf8');

  const tmp = `${path}.tmp-${process.pid}`;
  const fd = openSync(tmp, 'w');
  try {
    writeSync(fd, head);
    for (const e of entries) {
      const v = typeof e.data === 'function' ? e.data() : e.data;
      const bytes = new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
      const want = sizeOf(e.shape) * DTYPE_BYTES[e.dtype];
      if (bytes.byteLength !== want) throw new WeightsError(`${path}: tensor '${e.name}' has ${bytes.byteLength} bytes, ${e.dtype}[${e.shape.join(',')}] needs ${want}`);
      for (let at = 0; at < bytes.byteLength; ) at += writeSync(fd, bytes, at, Math.min(bytes.byteLength - at, 1 << 30));
    }
    // Flushed before the rename: checkpoints are written through here, and a crash must leave old or new, whole.
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (err) {
    try { closeSync(fd); } catch { /* already closed */ }
    try { unlinkSync(tmp); } catch { /* never created */ }
    throw err;
  }
}
