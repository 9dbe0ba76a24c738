// Row-major computations on small integer tensors (as number arrays, or as tensors for Concat): the values of the
// shape computations exporters write around a Reshape (Concat, Gather, Slice of shapes, and their sums and
// products). Shape inference folds them with these (src/onnx/shapes.ts) and the runner's CPU operators compute
// them the same way (src/onnx/runner-ops.ts, src/onnx/runner-ops-shape.ts).

import { sizeOf, typedValues, DTYPE_BYTES, type OnnxTensor } from './tensor.ts';

/** Tensors of one type joined along `axis`, their bytes copied in runs (exact for any int64). */
export function concatTensors(ts: OnnxTensor[], axis: number, name: string): OnnxTensor {
  const dims = ts[0].dims.map((d, k) => (k === axis ? ts.reduce((s, t) => s + t.dims[k], 0) : d));
  const size = DTYPE_BYTES[ts[0].dtype];
  const outer = sizeOf(dims.slice(0, axis));
  const inner = sizeOf(dims.slice(axis + 1)) * size;
  const out = new Uint8Array(sizeOf(dims) * size);
  let at = 0;
  for (let o = 0; o < outer; o++) {
    for (const t of ts) {
      const run = t.dims[axis] * inner;
      out.set(t.bytes.subarray(o * run, (o + 1) * run), at);
      at += run;
    }
  }
  return { name, dtype: ts[0].dtype, dims, bytes: out };
}

/** numpy.take(data, indices, axis) of row-major `data` of `shape` (negative indices count from the end). */
export function gatherValues(data: number[], shape: number[], indices: number[], axis: number): number[] {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const n = shape[axis];
  const out: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (const i of indices) {
      const j = i < 0 ? i + n : i;
      out.push(...data.slice((o * n + j) * inner, (o * n + j + 1) * inner));
    }
  }
  return out;
}

/** Integers of a tensor with int64 extremes clamped to what a number holds exactly (Slice's "to the end" ends). */
export function clampedIntegers(t: OnnxTensor): number[] {
  return Array.from(typedValues(t) as ArrayLike<number | bigint>, (x) => {
    const n = Number(x);
    return Math.max(-Number.MAX_SAFE_INTEGER, Math.min(Number.MAX_SAFE_INTEGER, n));
  });
}

/** One axis of a slice: elements start, start + step, ... (length of them). */
export interface SliceRange {
  start: number;
  step: number;
  length: number;
}

/** Slice's inputs (or attributes before opset 10); axes and steps may be absent. */
export interface SliceSpec {
  starts: number[];
  ends: number[];
  axes: number[] | null;
  steps: number[] | null;
}

/** ONNX Slice's clamping rules, per axis of `shape` (axes without a range are taken whole). */
export function sliceRanges(
  shape: readonly number[], spec: SliceSpec, fail: (why: string) => never,
): SliceRange[] {
  const r = shape.length;
  const out: SliceRange[] = shape.map((d) => ({ start: 0, step: 1, length: d }));
  const axes = spec.axes ?? spec.starts.map((_, i) => i);
  if (spec.ends.length !== spec.starts.length || axes.length !== spec.starts.length || (spec.steps && spec.steps.length !== spec.starts.length)) {
    fail('starts, ends, axes and steps must have the same length');
  }
  axes.forEach((a0, i) => {
    const a = a0 < 0 ? a0 + r : a0;
    if (a < 0 || a >= r) fail(`axis ${a0} is outside a rank-${r} tensor`);
    const d = shape[a];
    const step = spec.steps?.[i] ?? 1;
    if (step === 0) fail('a step of 0');
    let start = spec.starts[i] < 0 ? spec.starts[i] + d : spec.starts[i];
    let end = spec.ends[i] < 0 ? spec.ends[i] + d : spec.ends[i];
    if (step > 0) {
      start = Math.min(Math.max(start, 0), d);
      end = Math.min(Math.max(end, 0), d);
    } else {
      start = Math.min(Math.max(start, 0), d - 1);
      end = Math.min(Math.max(end, -1), d - 1);
    }
    out[a] = { start, step, length: Math.max(0, Math.ceil((end - start) / step)) };
  });
  return out;
}

/** The sliced elements of row-major `values` of `shape`. */
export function sliceValues(values: number[], shape: readonly number[], ranges: SliceRange[]): number[] {
  const strides = shape.map((_, k) => shape.slice(k + 1).reduce((p, d) => p * d, 1));
  const dims = ranges.map((r) => r.length);
  const n = dims.reduce((p, d) => p * d, 1);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    let rest = i;
    let at = 0;
    for (let k = dims.length - 1; k >= 0; k--) {
      at += (ranges[k].start + (rest % dims[k]) * ranges[k].step) * strides[k];
      rest = Math.floor(rest / dims[k]);
    }
    out.push(values[at]);
  }
  return out;
}

/** a op b elementwise under numpy broadcasting, row-major; returns the values and the result shape. */
export function broadcastValues(
  a: number[], aShape: readonly number[], b: number[], bShape: readonly number[], op: (x: number, y: number) => number,
): { values: number[]; shape: number[] } {
  const r = Math.max(aShape.length, bShape.length);
  const pa = [...Array(r - aShape.length).fill(1), ...aShape];
  const pb = [...Array(r - bShape.length).fill(1), ...bShape];
  const shape = pa.map((d, k) => (d === 1 ? pb[k] : d));
  const n = shape.reduce((p, d) => p * d, 1);
  const index = (dims: number[], coords: number[]) => dims.reduce((at, d, k) => at * d + (d === 1 ? 0 : coords[k]), 0);
  const values: number[] = [];
  for (let i = 0; i < n; i++) {
    const coords: number[] = [];
    let rest = i;
    for (let k = r - 1; k >= 0; k--) {
      coords[k] = rest % shape[k];
      rest = Math.floor(rest / shape[k]);
    }
    values.push(op(a[index(pa, coords)], b[index(pb, coords)]));
  }
  return { values, shape };
}

/** The integer meaning of ONNX Add, Sub, Mul and Div (division truncates toward zero, as onnxruntime's does). */
export const INTEGER_OPS: Record<string, (x: number, y: number) => number> = {
  Add: (x, y) => x + y,
  Sub: (x, y) => x - y,
  Mul: (x, y) => x * y,
  Div: (x, y) => Math.trunc(x / y),
};
