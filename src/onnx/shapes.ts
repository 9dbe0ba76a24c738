// Shape and type inference for the operators graft runs, in ONNX's NCHW terms, from concrete input shapes. `info`
// prints the results and the runner uses them to size buffers and to check inputs against the declared ones before
// anything runs. Geometry helpers (pads, pooled sizes) are exported so the runner computes them the same way.

import { attrInt, attrInts, attrString, constantNodeValue, constantValues, type Dim, type OnnxModel, type OnnxNode } from './model.ts';
import { dtypeFromCode, makeTensor, toIntegers, FLOAT_TYPES, INTEGER_TYPES, type DType, type OnnxTensor } from './tensor.ts';
import { broadcastValues, clampedIntegers, concatTensors, gatherValues, INTEGER_OPS, sliceRanges, sliceValues } from './int-values.ts';
import { OnnxShapeError } from './errors.ts';
import type { Problem } from './ops-supported.ts';

export interface TensorInfo {
  dtype: DType;
  shape: number[];
}

const fmt = (s: readonly Dim[]) => `[${s.map((d) => (d === null ? '?' : d)).join(',')}]`;

// --- 2-D convolution and pooling geometry

export interface Window2d {
  kernel: [number, number];
  strides: [number, number];
  /** [top, left, bottom, right], after auto_pad is resolved. */
  pads: [number, number, number, number];
  out: [number, number];
}

/**
 * Resolves kernel/strides/pads/auto_pad/ceil_mode of a Conv or pool over an (H, W) input, as ONNX Runtime does:
 * SAME_* pads to out = ceil(in / stride) with the odd pixel at the end (UPPER) or start (LOWER); with ceil_mode
 * a last window that would start beyond the input and its leading pad is dropped.
 */
export function window2d(node: OnnxNode, inH: number, inW: number, kernel: [number, number]): Window2d {
  const strides = (attrInts(node, 'strides') ?? [1, 1]) as [number, number];
  const autoPad = attrString(node, 'auto_pad', 'NOTSET');
  const ceil = attrInt(node, 'ceil_mode', 0) === 1;
  const size = [inH, inW];
  const out: [number, number] = [0, 0];
  let pads = (attrInts(node, 'pads') ?? [0, 0, 0, 0]) as [number, number, number, number];
  if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    pads = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      out[i] = Math.ceil(size[i] / strides[i]);
      const total = Math.max(0, (out[i] - 1) * strides[i] + kernel[i] - size[i]);
      const small = Math.floor(total / 2);
      pads[i] = autoPad === 'SAME_UPPER' ? small : total - small;
      pads[i + 2] = total - pads[i];
    }
  } else {
    if (autoPad === 'VALID') pads = [0, 0, 0, 0];
    for (let i = 0; i < 2; i++) {
      const span = size[i] + pads[i] + pads[i + 2] - kernel[i];
      if (span < 0) {
        throw new OnnxShapeError(`node '${node.name}' (${node.opType}): kernel ${fmt(kernel)} is larger than the padded input ${fmt([inH, inW])} with pads ${fmt(pads)}`);
      }
      out[i] = (ceil ? Math.ceil(span / strides[i]) : Math.floor(span / strides[i])) + 1;
      if (ceil && (out[i] - 1) * strides[i] >= size[i] + pads[i]) out[i]--;
    }
  }
  return { kernel, strides, pads, out };
}

// --- Softmax / LogSoftmax

/** A row-major view (outer, size, inner) in which Softmax normalises over `size` for each (outer, inner) pair. */
export interface SoftmaxGeometry {
  axis: number;
  outer: number;
  size: number;
  inner: number;
}

/**
 * Before opset 13, Softmax and LogSoftmax view the input as 2-D [prod(dims < axis), prod(dims >= axis)] and
 * normalise each row (axis defaults to 1); from opset 13 they normalise along the one axis (default -1).
 * Negative axes count from the back from opset 11.
 */
export function softmaxGeometry(node: OnnxNode, opset: number, shape: readonly number[], fail?: (why: string) => never): SoftmaxGeometry {
  const r = shape.length;
  const raw = attrInt(node, 'axis', opset >= 13 ? -1 : 1);
  const lo = opset >= 11 ? -r : 0;
  if (raw < lo || raw > r - 1) {
    const why = `axis ${raw} is outside [${lo}, ${r - 1}] for rank ${r}`;
    if (fail) fail(why);
    throw new OnnxShapeError(`node '${node.name}' (${node.opType}): ${why}`);
  }
  const axis = raw < 0 ? raw + r : raw;
  const prod = (a: readonly number[]) => a.reduce((p, d) => p * d, 1);
  const outer = prod(shape.slice(0, axis));
  if (opset < 13) return { axis, outer, size: prod(shape.slice(axis)), inner: 1 };
  return { axis, outer, size: shape[axis], inner: prod(shape.slice(axis + 1)) };
}

// --- broadcasting

/** numpy multidirectional broadcasting, or null when the shapes do not broadcast. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] | null {
  const n = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) return null;
    out.push(x === 1 ? y : x);
  }
  return out;
}

// --- the inference walk

export interface InferenceResult {
  /** Every value's type and shape: graph inputs, initializers, node outputs. */
  values: Map<string, TensorInfo>;
  /** Valid ONNX that graft does not run for these shapes (e.g. a 3-D input to GlobalAveragePool). */
  problems: Problem[];
}

/**
 * Infers every value's type and shape from the given graph input shapes (default: the declared ones, where they
 * are all numbers). Throws OnnxShapeError naming the node and the shapes when operands do not fit.
 */
export function inferShapes(model: OnnxModel, inputs: Map<string, TensorInfo>): InferenceResult {
  const values = new Map<string, TensorInfo>();
  const problems: Problem[] = [];
  for (const [name, t] of model.graph.initializers) values.set(name, { dtype: t.dtype, shape: t.dims });
  for (const v of model.graph.inputs) {
    const given = inputs.get(v.name);
    if (!given) throw new OnnxShapeError(`${model.file}: no shape given for graph input '${v.name}'`);
    values.set(v.name, given);
  }
  const constants = constantValues(model.graph);
  for (const node of model.graph.nodes) {
    const ins = node.inputs.map((name) => (name === '' ? undefined : values.get(name)));
    const outs = inferNode(node, model.opset, ins, constants, problems);
    node.outputs.forEach((name, i) => {
      if (name !== '' && outs[i]) values.set(name, outs[i]);
    });
  }
  return { values, problems };
}

/** Graph input shapes as declared, with each symbolic or unknown dim replaced by `symbol` (default 1). */
export function declaredInputs(model: OnnxModel, symbol = 1): Map<string, TensorInfo> {
  const out = new Map<string, TensorInfo>();
  for (const v of model.graph.inputs) {
    if (!v.dtype || !v.shape) {
      throw new OnnxShapeError(`${model.file}: graph input '${v.name}' declares ${v.dtype ? 'no shape' : `type ${v.typeName}`}; give its shape explicitly`);
    }
    out.set(v.name, { dtype: v.dtype, shape: v.shape.map((d) => (typeof d === 'number' ? d : symbol)) });
  }
  return out;
}

/**
 * Checks given input tensors against the declared graph inputs: every input present, no unknown names, types
 * equal, ranks equal, fixed dims equal, and one symbolic name ('N') bound to one value across inputs.
 */
export function checkInputs(model: OnnxModel, given: Map<string, TensorInfo>): void {
  // Unknown names first: a mistyped name is why an input then seems missing, and this message says which exist.
  const known = new Set(model.graph.inputs.map((v) => v.name));
  for (const name of given.keys()) {
    if (!known.has(name)) {
      throw new OnnxShapeError(`'${name}' is not an input of the model; its inputs are ${[...known].map((n) => `'${n}'`).join(', ')}`);
    }
  }
  const symbols = new Map<string, number>();
  for (const v of model.graph.inputs) {
    const g = given.get(v.name);
    if (!g) throw new OnnxShapeError(`${model.file}: graph input '${v.name}' ${v.shape ? fmt(v.shape) : ''} was not given`);
    if (v.dtype && g.dtype !== v.dtype) {
      throw new OnnxShapeError(`input '${v.name}': given ${g.dtype}, the model declares ${v.dtype}`);
    }
    if (!v.shape) continue;
    const mismatch = () => new OnnxShapeError(`input '${v.name}': given shape ${fmt(g.shape)}, the model declares ${fmt(v.shape!)}`);
    if (g.shape.length !== v.shape.length) throw mismatch();
    v.shape.forEach((d, i) => {
      if (typeof d === 'number') {
        if (g.shape[i] !== d) throw mismatch();
      } else if (typeof d === 'string' && d !== '') {
        const bound = symbols.get(d);
        if (bound !== undefined && bound !== g.shape[i]) {
          throw new OnnxShapeError(`input '${v.name}': dim '${d}' is ${g.shape[i]} here but ${bound} in another input (shape ${fmt(g.shape)}, declared ${fmt(v.shape!)})`);
        }
        symbols.set(d, g.shape[i]);
      }
    });
  }
}

type Ins = (TensorInfo | undefined)[];

function inferNode(node: OnnxNode, opset: number, ins: Ins, constants: Map<string, OnnxTensor>, problems: Problem[]): (TensorInfo | undefined)[] {
  const fail = (why: string): never => {
    const shapes = node.inputs.map((n, i) => (ins[i] ? `${n}${fmt(ins[i]!.shape)}` : n)).filter(Boolean).join(', ');
    throw new OnnxShapeError(`node '${node.name}' (${node.opType}): ${why}; inputs ${shapes}`);
  };
  const unsupported = (why: string, supported: string) => {
    problems.push({ node: node.name, opType: node.opType, reason: why, supported });
  };
  const x = ins[0];
  const need = (i: number): TensorInfo => ins[i] ?? fail(`input ${i} is missing or has no known shape`);
  // Shape computations: an integer output known now is added to the constants, so that a later Reshape (or
  // Unsqueeze's axes) can read it as it reads an initializer.
  const known = (i: number): number[] | null => {
    const t = node.inputs[i] ? constants.get(node.inputs[i]) : undefined;
    return t && INTEGER_TYPES.has(t.dtype) ? toIntegers(t) : null;
  };
  const fold = (info: TensorInfo, values: number[] | null): TensorInfo[] => {
    if (values) constants.set(node.outputs[0], makeTensor(node.outputs[0], info.dtype, info.shape, values));
    return [info];
  };
  const rank4 = (t: TensorInfo) => {
    if (t.shape.length !== 4) unsupported(`input shape ${fmt(t.shape)} is not 4-D`, '4-D (N,C,H,W) inputs');
  };
  const axisIn = (axis: number, rank: number, lo = -rank, hi = rank - 1) => {
    if (axis < lo || axis > hi) fail(`axis ${axis} is outside [${lo}, ${hi}] for rank ${rank}`);
    return axis < 0 ? axis + rank : axis;
  };
  const constInts = (name: string) => {
    const t = constants.get(name);
    return t ? toIntegers(t) : fail(`'${name}' must be an initializer or a Constant`);
  };

  switch (node.opType) {
    case 'Conv': {
      const X = need(0);
      const W = need(1);
      rank4(X);
      if (W.shape.length !== X.shape.length) fail('weight rank differs from input rank');
      const [n, c, h, w] = X.shape;
      const [m, cw, kh, kw] = W.shape;
      const ks = attrInts(node, 'kernel_shape');
      if (ks && (ks[0] !== kh || ks[1] !== kw)) fail(`kernel_shape ${fmt(ks)} differs from the weight's ${fmt([kh, kw])}`);
      const group = attrInt(node, 'group', 1);
      if (cw * group !== c) fail(`weight expects ${cw} input channels${group > 1 ? ` per group (${group} groups)` : ''}, input has ${c}`);
      if (m % group !== 0) fail(`${m} output channels do not split into ${group} groups`);
      const B = ins[2];
      if (B && (B.shape.length !== 1 || B.shape[0] !== m)) fail(`bias must be [${m}]`);
      const win = window2d(node, h, w, [kh, kw]);
      return [{ dtype: X.dtype, shape: [n, m, ...win.out] }];
    }
    case 'MaxPool':
    case 'AveragePool': {
      const X = need(0);
      rank4(X);
      const ks = attrInts(node, 'kernel_shape') ?? fail('kernel_shape missing');
      const win = window2d(node, X.shape[2], X.shape[3], [ks[0], ks[1]]);
      const y = { dtype: X.dtype, shape: [X.shape[0], X.shape[1], ...win.out] };
      return [y, { dtype: 'int64', shape: y.shape }];
    }
    case 'LRN': {
      const X = need(0);
      rank4(X);
      return [X];
    }
    case 'GlobalAveragePool':
    case 'GlobalMaxPool': {
      const X = need(0);
      rank4(X);
      return [{ dtype: X.dtype, shape: [...X.shape.slice(0, 2), ...X.shape.slice(2).map(() => 1)] }];
    }
    case 'Identity':
      return fold(need(0), known(0));
    case 'Relu':
    case 'Sigmoid':
    case 'Tanh':
    case 'LeakyRelu':
    case 'Clip':
    case 'HardSigmoid':
    case 'HardSwish':
    case 'Exp':
    case 'Log':
    case 'Sqrt':
    case 'Neg':
    case 'Abs':
    case 'Reciprocal':
    case 'Erf':
    case 'Softplus':
    case 'Softsign':
    case 'Elu':
    case 'Selu':
    case 'Gelu':
    case 'Mish':
      return [need(0)];
    case 'PRelu': {
      const X = need(0);
      const slope = need(1);
      if (fmt(broadcastShapes(slope.shape, X.shape) ?? []) !== fmt(X.shape)) fail(`slope ${fmt(slope.shape)} does not broadcast to X ${fmt(X.shape)}`);
      return [X];
    }
    case 'Pow': {
      const X = need(0);
      return [{ dtype: X.dtype, shape: broadcastShapes(X.shape, need(1).shape) ?? fail('shapes do not broadcast') }];
    }
    case 'Expand': {
      const X = need(0);
      const shape = constInts(node.inputs[1]);
      if (shape.some((d) => d < 1)) fail(`shape [${shape.join(',')}] has a dimension below 1`);
      return [{ dtype: X.dtype, shape: broadcastShapes(X.shape, shape) ?? fail(`${fmt(X.shape)} does not broadcast to [${shape.join(',')}]`) }];
    }
    case 'LayerNormalization': {
      const X = need(0);
      const r = X.shape.length;
      const axis = axisIn(attrInt(node, 'axis', -1), r);
      const normalised = X.shape.slice(axis);
      // graft reads Scale and B as one value per normalised element: their shape is the normalised one, leading 1s
      // aside (ONNX allows any unidirectional broadcast, which models do not use).
      const core = (shape: number[]) => {
        const k = shape.findIndex((d) => d !== 1);
        return k < 0 ? [] : shape.slice(k);
      };
      for (const i of [1, 2]) {
        const p = ins[i];
        if (p && fmt(core(p.shape)) !== fmt(core(normalised))) fail(`${i === 1 ? 'Scale' : 'B'} ${fmt(p.shape)} must have the normalised shape ${fmt(normalised)}`);
      }
      const stats = { dtype: X.dtype, shape: X.shape.map((d, k) => (k < axis ? d : 1)) };
      return [X, stats, stats];
    }
    case 'Gemm': {
      const A = need(0);
      const B = need(1);
      if (A.shape.length !== 2 || B.shape.length !== 2) fail('A and B must be 2-D');
      const [m, ka] = attrInt(node, 'transA', 0) ? [A.shape[1], A.shape[0]] : A.shape;
      const [kb, n] = attrInt(node, 'transB', 0) ? [B.shape[1], B.shape[0]] : B.shape;
      if (ka !== kb) fail(`inner dimensions differ (${ka} vs ${kb}) with transA=${attrInt(node, 'transA', 0)}, transB=${attrInt(node, 'transB', 0)}`);
      const C = ins[2];
      if (C) {
        const b = broadcastShapes(C.shape, [m, n]);
        if (!b || b[0] !== m || b[1] !== n || C.shape.length > 2) fail(`C ${fmt(C.shape)} does not broadcast to [${m},${n}]`);
      }
      return [{ dtype: A.dtype, shape: [m, n] }];
    }
    case 'MatMul': {
      const A = need(0).shape;
      const B = need(1).shape;
      if (A.length === 0 || B.length === 0) fail('scalars cannot be multiplied by MatMul');
      const a = A.length === 1 ? [1, A[0]] : A;
      const b = B.length === 1 ? [B[0], 1] : B;
      if (a[a.length - 1] !== b[b.length - 2]) fail(`inner dimensions differ (${a[a.length - 1]} vs ${b[b.length - 2]})`);
      const batch = broadcastShapes(a.slice(0, -2), b.slice(0, -2)) ?? fail('batch dimensions do not broadcast');
      const shape = [...batch, a[a.length - 2], b[b.length - 1]];
      if (A.length === 1) shape.splice(shape.length - 2, 1);
      if (B.length === 1) shape.splice(shape.length - 1, 1);
      return [{ dtype: need(0).dtype, shape }];
    }
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
    case 'Sum':
    case 'Max':
    case 'Min':
    case 'Mean': {
      const all = node.inputs.map((_, i) => need(i));
      let shape = all[0].shape;
      for (const t of all.slice(1)) {
        if (t.dtype !== all[0].dtype) fail(`inputs have different types (${all.map((a) => a.dtype).join(', ')})`);
        if (['Sum', 'Max', 'Min', 'Mean'].includes(node.opType) && opset < 8) {
          if (fmt(t.shape) !== fmt(shape)) fail(`${node.opType} before opset 8 needs equal shapes`);
        } else {
          shape = broadcastShapes(shape, t.shape) ?? fail('shapes do not broadcast');
        }
      }
      const op = INTEGER_OPS[node.opType];
      const [a, b] = [known(0), known(1)];
      if (op && a && b && all.length === 2) {
        if (node.opType === 'Div' && b.includes(0)) fail('integer division by zero');
        return fold({ dtype: all[0].dtype, shape }, broadcastValues(a, all[0].shape, b, all[1].shape, op).values);
      }
      return [{ dtype: all[0].dtype, shape }];
    }
    case 'Flatten': {
      const X = need(0);
      const r = X.shape.length;
      const axis = axisIn(attrInt(node, 'axis', 1), r, opset >= 11 ? -r : 0, r);
      const prod = (s: number[]) => s.reduce((p, d) => p * d, 1);
      return [{ dtype: X.dtype, shape: [prod(X.shape.slice(0, axis)), prod(X.shape.slice(axis))] }];
    }
    case 'Reshape': {
      const X = need(0);
      const spec = constInts(node.inputs[1]);
      const allowzero = attrInt(node, 'allowzero', 0) === 1;
      const shape = spec.map((d, i) => (d === 0 && !allowzero ? (X.shape[i] ?? fail(`shape ${fmt(spec)} copies dim ${i}, beyond the input's rank`)) : d));
      const total = X.shape.reduce((p, d) => p * d, 1);
      const minus = shape.filter((d) => d === -1).length;
      if (minus > 1 || shape.some((d) => d < -1)) fail(`invalid shape ${fmt(spec)}`);
      const known = shape.reduce((p, d) => (d === -1 ? p : p * d), 1);
      if (minus === 1) {
        if (known === 0 || total % known !== 0) fail(`cannot reshape ${total} elements to ${fmt(spec)}`);
        shape[shape.indexOf(-1)] = total / known;
      } else if (known !== total) fail(`cannot reshape ${total} elements to ${fmt(spec)}`);
      return [{ dtype: X.dtype, shape }];
    }
    case 'Transpose': {
      const X = need(0);
      const r = X.shape.length;
      const perm = attrInts(node, 'perm') ?? [...Array(r).keys()].reverse();
      if (perm.length !== r || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) fail(`perm ${fmt(perm)} is not a permutation of ${r} axes`);
      return [{ dtype: X.dtype, shape: perm.map((p) => X.shape[p]) }];
    }
    case 'Concat': {
      const all = node.inputs.map((_, i) => need(i));
      const r = all[0].shape.length;
      const axis = axisIn(attrInt(node, 'axis', 0), r, opset >= 11 ? -r : 0, r - 1);
      for (const t of all) {
        if (t.dtype !== all[0].dtype) fail(`inputs have different types (${all.map((a) => a.dtype).join(', ')})`);
        if (t.shape.length !== r || t.shape.some((d, k) => k !== axis && d !== all[0].shape[k])) {
          fail(`shapes ${all.map((a) => fmt(a.shape)).join(', ')} differ outside axis ${axis}`);
        }
      }
      const shape = all[0].shape.map((d, k) => (k === axis ? all.reduce((n, t) => n + t.shape[k], 0) : d));
      const parts = node.inputs.map((name) => constants.get(name));
      if (parts.every((t) => t && INTEGER_TYPES.has(t.dtype))) constants.set(node.outputs[0], concatTensors(parts as OnnxTensor[], axis, node.outputs[0]));
      return [{ dtype: all[0].dtype, shape }];
    }
    case 'Shape': {
      const X = need(0);
      const r = X.shape.length;
      const clampAxis = (a: number) => Math.min(r, Math.max(0, a < 0 ? a + r : a));
      const dims = X.shape.slice(clampAxis(attrInt(node, 'start', 0)), clampAxis(attrInt(node, 'end', r)));
      return fold({ dtype: 'int64', shape: [dims.length] }, dims);
    }
    case 'Gather': {
      const data = need(0);
      const indices = need(1);
      if (!INTEGER_TYPES.has(data.dtype)) unsupported(`gathers ${data.dtype} values`, 'integer tensors (shape computations)');
      if (!INTEGER_TYPES.has(indices.dtype)) fail(`indices must be integers, got ${indices.dtype}`);
      const r = data.shape.length;
      const axis = axisIn(attrInt(node, 'axis', 0), r);
      const shape = [...data.shape.slice(0, axis), ...indices.shape, ...data.shape.slice(axis + 1)];
      const [d, idx] = [known(0), known(1)];
      if (idx && idx.some((i) => i < -data.shape[axis] || i >= data.shape[axis])) fail(`an index of ${fmt(idx)} is outside axis ${axis} of size ${data.shape[axis]}`);
      return fold({ dtype: data.dtype, shape }, d && idx ? gatherValues(d, data.shape, idx, axis) : null);
    }
    case 'Unsqueeze': {
      const X = need(0);
      const axes = opset >= 13 ? constInts(node.inputs[1]) : (attrInts(node, 'axes') ?? fail('axes missing'));
      const r = X.shape.length + axes.length;
      const at = axes.map((a) => axisIn(a, r));
      if (new Set(at).size !== at.length) fail(`axes ${fmt(axes)} repeat an axis`);
      const shape: number[] = [];
      let k = 0;
      for (let i = 0; i < r; i++) shape.push(at.includes(i) ? 1 : X.shape[k++]);
      return fold({ dtype: X.dtype, shape }, known(0));
    }
    case 'Slice': {
      const X = need(0);
      const read = (i: number, what: string) => (node.inputs[i] ? clampedIntegers(constants.get(node.inputs[i]) ?? fail(`${what} must be known before running`)) : null);
      const spec = opset >= 10
        ? { starts: read(1, 'starts')!, ends: read(2, 'ends')!, axes: read(3, 'axes'), steps: read(4, 'steps') }
        : { starts: attrInts(node, 'starts') ?? fail('starts missing'), ends: attrInts(node, 'ends') ?? fail('ends missing'), axes: attrInts(node, 'axes') ?? null, steps: null };
      const ranges = sliceRanges(X.shape, spec, fail);
      const shape = ranges.map((r) => r.length);
      if (!INTEGER_TYPES.has(X.dtype) && ranges.some((r) => r.step !== 1 || r.length === 0)) {
        unsupported(`slices ${X.dtype} values with a step other than 1, or to nothing`, 'float tensors cropped (step 1), integer tensors with any step');
      }
      const v = known(0);
      return fold({ dtype: X.dtype, shape }, v ? sliceValues(v, X.shape, ranges) : null);
    }
    case 'Split': {
      const X = need(0);
      const r = X.shape.length;
      const axis = axisIn(attrInt(node, 'axis', 0), r);
      const sizes = splitSizes(node, opset, X.shape[axis], (i) => constInts(node.inputs[i]), fail);
      return sizes.map((d) => ({ dtype: X.dtype, shape: X.shape.map((v, k) => (k === axis ? d : v)) }));
    }
    case 'Cast': {
      const X = need(0);
      const to = dtypeFromCode(attrInt(node, 'to', 0)) ?? fail(`'to' is not a numeric or bool type`);
      if (FLOAT_TYPES.has(X.dtype) && !FLOAT_TYPES.has(to)) unsupported(`casts ${X.dtype} to ${to}`, 'float tensors to float types, integers known on the CPU to any type');
      const v = known(0);
      return fold({ dtype: to, shape: X.shape }, v && INTEGER_TYPES.has(to) ? v : null);
    }
    case 'Squeeze': {
      const X = need(0);
      const r = X.shape.length;
      const given = opset >= 13 ? (node.inputs[1] ? constInts(node.inputs[1]) : null) : attrInts(node, 'axes');
      const at = given ? given.map((a) => axisIn(a, r)) : X.shape.flatMap((d, i) => (d === 1 ? [i] : []));
      if (at.some((a) => X.shape[a] !== 1)) fail(`axes ${fmt(given ?? [])} include a dim that is not 1 in ${fmt(X.shape)}`);
      return fold({ dtype: X.dtype, shape: X.shape.filter((_, i) => !at.includes(i)) }, known(0));
    }
    case 'Pad': {
      const X = need(0);
      const { begins, ends, mode } = padSpec(node, opset, X.shape.length, (i) => constInts(node.inputs[i]), fail);
      const shape = X.shape.map((d, k) => d + begins[k] + ends[k]);
      if (shape.some((d) => d < 1)) fail(`pads [${[...begins, ...ends].join(',')}] leave nothing of ${fmt(X.shape)}`);
      if (mode === 'reflect' && X.shape.some((d, k) => begins[k] > d - 1 || ends[k] > d - 1)) fail(`reflect pads must be below each padded axis's size ${fmt(X.shape)}`);
      if (mode === 'edge' && X.shape.some((d, k) => d === 0 && (begins[k] > 0 || ends[k] > 0))) fail('edge mode pads an empty axis');
      return [{ dtype: X.dtype, shape }];
    }
    case 'Softmax':
    case 'LogSoftmax': {
      const X = need(0);
      const r = X.shape.length;
      softmaxGeometry(node, opset, X.shape, fail);
      return [X];
    }
    case 'Dropout': {
      const X = need(0);
      return [X, { dtype: opset >= 10 ? 'bool' : X.dtype, shape: X.shape }];
    }
    case 'BatchNormalization': {
      const X = need(0);
      if (X.shape.length < 2) fail('input must have a channel axis');
      const c = X.shape[1];
      for (let i = 1; i < 5; i++) if (fmt(need(i).shape) !== fmt([c])) fail(`input ${i} must be [${c}]`);
      return [X];
    }
    case 'ReduceMean': {
      const X = need(0);
      const r = X.shape.length;
      const axes = opset >= 18 ? (node.inputs[1] ? constInts(node.inputs[1]) : []) : (attrInts(node, 'axes') ?? []);
      const keep = attrInt(node, 'keepdims', 1) === 1;
      if (axes.length === 0 && attrInt(node, 'noop_with_empty_axes', 0) === 1) return [X];
      const set = new Set((axes.length ? axes : [...Array(r).keys()]).map((a) => axisIn(a, r)));
      const shape = X.shape.flatMap((d, i) => (set.has(i) ? (keep ? [1] : []) : [d]));
      return [{ dtype: X.dtype, shape }];
    }
    case 'Constant': {
      const t = constantNodeValue(node) ?? fail('holds no numeric value');
      return [{ dtype: t.dtype, shape: t.dims }];
    }
    case 'SoftmaxCrossEntropyLoss': {
      const S = need(0);
      const L = need(1);
      if (S.shape.length < 2) fail('scores must be [N, C, ...]');
      const expected = [S.shape[0], ...S.shape.slice(2)];
      if (fmt(L.shape) !== fmt(expected)) fail(`labels must be ${fmt(expected)}`);
      if (L.dtype !== 'int32' && L.dtype !== 'int64') fail(`labels must be int32 or int64, not ${L.dtype}`);
      const Wt = ins[2];
      if (Wt && fmt(Wt.shape) !== fmt([S.shape[1]])) fail(`weights must be [${S.shape[1]}]`);
      const reduction = attrString(node, 'reduction', 'mean');
      return [{ dtype: S.dtype, shape: reduction === 'none' ? L.shape : [] }, S];
    }
    default:
      throw new OnnxShapeError(`node '${node.name}': no shape inference for ${node.opType} (run checkSupported first)`);
  }
}

/** Formats a declared or inferred shape, symbolic dims by name and unknown ones as '?'. */
export { fmt as formatShape };

/**
 * Pad's per-axis pads and mode at `opset`: the `pads` attribute before opset 11, else input 1 ([begin for each
 * axis, then end for each]), from opset 18 only for the axes input 3 lists (negative counted from the end).
 * `ints(i)` reads constant input i.
 */
export function padSpec(
  node: OnnxNode, opset: number, rank: number, ints: (input: number) => number[], fail: (why: string) => never,
): { begins: number[]; ends: number[]; mode: 'constant' | 'reflect' | 'edge' } {
  const mode = attrString(node, 'mode', 'constant');
  if (mode !== 'constant' && mode !== 'reflect' && mode !== 'edge') fail(`mode '${mode}' is not constant, reflect or edge`);
  const pads = opset < 11 ? (attrInts(node, 'pads') ?? fail('pads missing')) : ints(1);
  const axes = opset >= 18 && node.inputs[3] ? ints(3).map((a) => (a < 0 ? a + rank : a)) : [...Array(rank).keys()];
  if (axes.some((a) => a < 0 || a >= rank) || new Set(axes).size !== axes.length) fail(`axes [${axes.join(',')}] are not distinct axes of a rank-${rank} tensor`);
  if (pads.length !== 2 * axes.length) fail(`pads has ${pads.length} values where ${2 * axes.length} (a begin and an end for each of ${axes.length} axes) are needed`);
  const begins = new Array<number>(rank).fill(0);
  const ends = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begins[a] = pads[i];
    ends[a] = pads[i + axes.length];
  });
  return { begins, ends, mode };
}

/**
 * Split's output sizes along its axis of size `d`: the `split` attribute (before opset 13) or input 1, else
 * num_outputs (opset 18: equal parts, the last smaller), else one part per output.
 */
export function splitSizes(node: OnnxNode, opset: number, d: number, ints: (input: number) => number[], fail: (why: string) => never): number[] {
  const outputs = node.outputs.length;
  const given = opset < 13 ? attrInts(node, 'split') : node.inputs[1] ? ints(1) : undefined;
  let sizes: number[];
  if (given) {
    sizes = given;
  } else {
    const n = opset >= 18 ? attrInt(node, 'num_outputs', outputs) : outputs;
    const part = opset >= 18 ? Math.ceil(d / n) : d / n;
    if (!Number.isInteger(part)) fail(`axis of size ${d} does not split into ${n} equal parts`);
    sizes = Array.from({ length: n }, (_, i) => Math.min(part, d - i * part));
  }
  if (sizes.length !== outputs) fail(`${sizes.length} parts for ${outputs} outputs`);
  if (sizes.some((v) => v < 1) || sizes.reduce((a, b) => a + b, 0) !== d) fail(`parts [${sizes.join(',')}] do not add up to the axis's ${d}`);
  return sizes;
}
