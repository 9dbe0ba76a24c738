// Loading the weights of a layers-format model: each manifest group's shards are concatenated and cut into
// weights in manifest order (a weight may straddle two shards), then decoded to Float32Array, dequantizing
// the converter's uint8/uint16 (value = q * scale + min) and float16 encodings.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KerasFormatError } from './errors.ts';
import type { WeightGroupJson, WeightSpecJson } from './format.ts';

/** One weight as stored: its manifest name (`layer/weight`), shape, and values in row-major order. */
export interface KerasWeight {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Bytes per stored element, by the dtype actually in the shard (the quantized one when quantized). */
function storedBytes(spec: WeightSpecJson): number {
  const dtype = spec.quantization?.dtype ?? spec.dtype;
  switch (dtype) {
    case 'float32':
    case 'int32':
      return 4;
    case 'uint16':
    case 'float16':
      return 2;
    case 'uint8':
    case 'bool':
      return 1;
    default:
      throw new KerasFormatError(`weight '${spec.name}': dtype '${dtype}' is not supported`);
  }
}

/** IEEE half to float, for float16-quantized weights. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Decodes `count` elements of one weight from its bytes (any alignment). */
function decode(spec: WeightSpecJson, bytes: Uint8Array, count: number): Float32Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  // slice() copies into a fresh, aligned buffer; shards are little-endian like every host Node runs on.
  if (!q && spec.dtype === 'float32') return new Float32Array(bytes.slice().buffer, 0, count);
  const out = new Float32Array(count);
  if (q) {
    if (q.dtype === 'float16') {
      for (let i = 0; i < count; i++) out[i] = halfToFloat(view.getUint16(2 * i, true));
      return out;
    }
    if (q.scale === undefined || q.min === undefined) {
      throw new KerasFormatError(`weight '${spec.name}': ${q.dtype} quantization without scale and min`);
    }
    const get = q.dtype === 'uint8' ? (i: number) => view.getUint8(i) : (i: number) => view.getUint16(2 * i, true);
    for (let i = 0; i < count; i++) out[i] = get(i) * q.scale + q.min;
    return out;
  }
  switch (spec.dtype) {
    case 'int32':
      for (let i = 0; i < count; i++) out[i] = view.getInt32(4 * i, true);
      return out;
    default:
      for (let i = 0; i < count; i++) out[i] = view.getUint8(i);
      return out;
  }
}

/**
 * Cuts every group's concatenated shards into weights. `readShard` returns a shard's bytes by its manifest path.
 * Throws KerasFormatError when the shards are shorter than the manifest says, or have bytes left over.
 */
export function decodeWeights(
  groups: WeightGroupJson[],
  readShard: (path: string) => Uint8Array,
): Map<string, KerasWeight> {
  const weights = new Map<string, KerasWeight>();
  for (const group of groups) {
    const shards = group.paths.map((p) => readShard(p));
    const total = shards.reduce((n, s) => n + s.byteLength, 0);
    const all = new Uint8Array(total);
    let at = 0;
    for (const s of shards) {
      all.set(s, at);
      at += s.byteLength;
    }
    let offset = 0;
    for (const spec of group.weights) {
      const count = spec.shape.reduce((a, b) => a * b, 1);
      const size = count * storedBytes(spec);
      if (offset + size > total) {
        throw new KerasFormatError(
          `weight '${spec.name}' ${JSON.stringify(spec.shape)} needs bytes ${offset}..${offset + size} but shards ` +
            `${group.paths.join(', ')} hold only ${total}`,
        );
      }
      if (weights.has(spec.name)) throw new KerasFormatError(`weight '${spec.name}' appears twice in the manifest`);
      weights.set(spec.name, { name: spec.name, shape: spec.shape.slice(), data: decode(spec, all.subarray(offset, offset + size), count) });
      offset += size;
    }
    if (offset !== total) {
      throw new KerasFormatError(
        `shards ${group.paths.join(', ')} hold ${total} bytes but the manifest describes ${offset}`,
      );
    }
  }
  return weights;
}

/** Reads the shards named by the manifest from the folder holding model.json. */
export function readWeights(groups: WeightGroupJson[], dir: string): Map<string, KerasWeight> {
  return decodeWeights(groups, (path) => {
    try {
      return readFileSync(join(dir, path));
    } catch (e) {
      throw new KerasFormatError(`weight shard ${join(dir, path)}: ${(e as Error).message}`);
    }
  });
}
