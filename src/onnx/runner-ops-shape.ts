// The runner's shape operators: the shape computations exporters write around a Reshape (PyTorch's
// x.view(x.size(0), -1) and x.shape[2:]: Shape, Gather, Slice, Cast, and Concat's CPU path) on integer tensors
// known on the CPU, and Slice and Split of float tensors on the GPU as crops. Shape inference folds the integer
// values before anything runs (src/onnx/shapes.ts, with src/onnx/int-values.ts); these compute them again at run
// time, from each run's own shapes.

import { attrInt, attrInts } from './model.ts';
import { makeTensor, toFloat32, toIntegers, FLOAT_TYPES } from './tensor.ts';
import { broadcastValues, clampedIntegers, gatherValues, INTEGER_OPS, sliceRanges, sliceValues } from './int-values.ts';
import { splitSizes } from './shapes.ts';
import { pad } from '../kernels/pad.ts';
import { OnnxShapeError, UnsupportedOnnxError } from './errors.ts';
import type { OpContext, OpFn } from './runner-ops.ts';
import type { CpuValue, GpuValue, Value } from './runner-values.ts';

/** The node's `axis` attribute (default 0) as an axis of a rank-`rank` tensor; shape inference checked its range. */
export function axisAttr(ctx: OpContext, rank: number): number {
  const axis = attrInt(ctx.node, 'axis', 0);
  return axis < 0 ? axis + rank : axis;
}

/** Input i, which shape inference guaranteed. */
function input(ctx: OpContext, i: number): Value {
  const v = ctx.input(i);
  if (!v) throw new OnnxShapeError(`internal: node '${ctx.node.name}' input ${i} is missing`);
  return v;
}

export const shapeOp: OpFn = (ctx) => {
  const v = input(ctx, 0);
  const dims = v.kind === 'cpu' ? v.t.dims : v.shape; // logical dims, whatever the layout
  const r = dims.length;
  const at = (a: number) => Math.min(r, Math.max(0, a < 0 ? a + r : a));
  const out = dims.slice(at(attrInt(ctx.node, 'start', 0)), at(attrInt(ctx.node, 'end', r)));
  return [{ kind: 'cpu', t: makeTensor(ctx.node.outputs[0], 'int64', [out.length], out) }];
};

export const gatherOp: OpFn = (ctx) => {
  const data = input(ctx, 0);
  const indices = input(ctx, 1);
  if (data.kind !== 'cpu' || indices.kind !== 'cpu') {
    throw new UnsupportedOnnxError(`node '${ctx.node.name}' (Gather): only integer tensors known on the CPU are gathered (shape computations)`);
  }
  const r = data.t.dims.length;
  const axis = axisAttr(ctx, r);
  const values = gatherValues(toIntegers(data.t), [...data.t.dims], toIntegers(indices.t), axis);
  return [{ kind: 'cpu', t: makeTensor(ctx.node.outputs[0], data.t.dtype, ctx.outInfo[0]!.shape, values) }];
};

export const sliceOp: OpFn = (ctx) => {
  const data = input(ctx, 0);
  const fail = (why: string): never => {
    throw new OnnxShapeError(`node '${ctx.node.name}' (Slice): ${why}`);
  };
  const read = (i: number) => {
    const v = ctx.input(i);
    if (!v) return null;
    if (v.kind !== 'cpu') fail(`input ${i} must be integers known on the CPU`);
    return clampedIntegers((v as CpuValue).t);
  };
  const spec = ctx.opset >= 10
    ? { starts: read(1)!, ends: read(2)!, axes: read(3), steps: read(4) }
    : { starts: attrInts(ctx.node, 'starts')!, ends: attrInts(ctx.node, 'ends')!, axes: attrInts(ctx.node, 'axes') ?? null, steps: null };
  if (data.kind === 'gpu') {
    // Float tensors: a crop (shape inference refused other steps), the pad kernel with negative pads.
    const ranges = sliceRanges(data.shape, spec, fail);
    return [crop(ctx, data, ranges.map((r) => r.start), ranges.map((r) => r.length), 0)];
  }
  const ranges = sliceRanges(data.t.dims, spec, fail);
  const values = sliceValues(toIntegers(data.t), data.t.dims, ranges);
  return [{ kind: 'cpu', t: makeTensor(ctx.node.outputs[0], data.t.dtype, ctx.outInfo[0]!.shape, values) }];
};

export const splitOp: OpFn = (ctx) => {
  const data = input(ctx, 0);
  const shape = data.kind === 'gpu' ? data.shape : data.t.dims;
  const r = shape.length;
  const axis = axisAttr(ctx, r);
  const fail = (why: string): never => {
    throw new OnnxShapeError(`node '${ctx.node.name}' (Split): ${why}`);
  };
  const sizes = splitSizes(ctx.node, ctx.opset, shape[axis], (i) => ctx.ints(i), fail);
  let at = 0;
  return sizes.map((d, i) => {
    const starts = shape.map((_, k) => (k === axis ? at : 0));
    const lengths = shape.map((v, k) => (k === axis ? d : v));
    at += d;
    if (!ctx.wantOutput(i)) return undefined;
    if (data.kind === 'gpu') return crop(ctx, data, starts, lengths, i);
    const ranges = starts.map((start, k) => ({ start, step: 1, length: lengths[k] }));
    return { kind: 'cpu', t: makeTensor(ctx.node.outputs[i], data.t.dtype, lengths, sliceValues(toIntegers(data.t), data.t.dims, ranges)) } as Value;
  });
};

/** The part of `v` from `starts` spanning `lengths` (logical axes), in v's own layout; output `out`'s shape. */
function crop(ctx: OpContext, v: GpuValue, starts: number[], lengths: number[], out: number): GpuValue {
  // A channels-last buffer holds the logical axes (N, C, H, W) in the order N, H, W, C: crop it as it lies.
  const order = v.layout === 'nhwc' ? [0, 2, 3, 1] : v.shape.map((_, k) => k);
  const y = pad(ctx.gpu, v.t, {
    begins: order.map((k) => -starts[k]),
    ends: order.map((k) => -(v.shape[k] - starts[k] - lengths[k])),
    mode: 'constant',
  });
  const info = ctx.outInfo[out]!;
  return { kind: 'gpu', t: y, shape: [...info.shape], layout: v.layout, dtype: info.dtype };
}

export const castOp: OpFn = (ctx) => {
  const v = input(ctx, 0);
  const to = ctx.outInfo[0]!.dtype;
  // Float to float (shape inference refuses floats to integers): the GPU holds f32 either way, a new reference.
  if (v.kind === 'gpu') return [{ ...v, t: v.t.reshape(v.t.shape), dtype: to }];
  if (FLOAT_TYPES.has(v.t.dtype)) return [{ kind: 'cpu', t: makeTensor(ctx.node.outputs[0], to, v.t.dims, toFloat32(v.t)) }];
  const values = toIntegers(v.t);
  return [{ kind: 'cpu', t: makeTensor(ctx.node.outputs[0], to, v.t.dims, to === 'bool' ? values.map((x) => (x !== 0 ? 1 : 0)) : values) }];
};

/** Add, Sub, Mul or Div of integer tensors on the CPU (shape arithmetic: x.size(1) * x.size(2)). */
export function cpuBinary(ctx: OpContext, a: CpuValue, b: CpuValue): CpuValue {
  const op = INTEGER_OPS[ctx.node.opType];
  const y = toIntegers(b.t);
  if (ctx.node.opType === 'Div' && y.includes(0)) throw new OnnxShapeError(`node '${ctx.node.name}' (Div): integer division by zero`);
  const { values, shape } = broadcastValues(toIntegers(a.t), a.t.dims, y, b.t.dims, op);
  return { kind: 'cpu', t: makeTensor(ctx.node.outputs[0], a.t.dtype, shape, values) };
}
