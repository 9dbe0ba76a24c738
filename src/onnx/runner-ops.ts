// One function per ONNX operator graft runs, each calling graft's kernels directly (inference: no autodiff). An
// op reads its inputs through the OpContext (which uploads constants once and borrows live values), returns
// new values it owns, and leaves temporaries in ctx.scratch. Shapes were inferred and checked before anything
// ran (src/onnx/shapes.ts), so ops take their output shapes from ctx.outInfo and only assert that the kernels
// agree. Layout rules: src/onnx/runner-values.ts.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { conv2dForward } from '../kernels/conv2d.ts';
import { conv2dGrouped } from '../kernels/conv2d-grouped.ts';
import { reluForward } from '../kernels/relu.ts';
import { avgPool2dForward, globalAvgPoolForward, globalMaxPoolForward, maxPool2dForward } from '../kernels/pool.ts';
import { matmul } from '../kernels/matmul.ts';
import { add as addSame, scale } from '../kernels/elementwise.ts';
import { softmax, logSoftmax } from '../kernels/softmax.ts';
import { sumRows } from '../kernels/reduce.ts';
import { transpose, stridesOf } from '../kernels/transpose.ts';
import { pad } from '../kernels/pad.ts';
import { lrn } from '../kernels/lrn.ts';
import { concat } from '../kernels/concat.ts';
import { unary, type UnaryOp, type UnaryOptions } from '../kernels/unary.ts';
import { layerNorm } from '../kernels/layer-norm.ts';
import { broadcastAdd, broadcastBinaryStrided, type BinaryOp } from '../kernels/broadcast.ts';
import { batchNormInference } from '../kernels/batchnorm.ts';
import { nllGather } from '../kernels/nll.ts';
import { attrFloat, attrInt, attrInts, attrString, constantNodeValue, type OnnxNode } from './model.ts';
import { makeTensor, sizeOf, toFloat32, toIntegers, DTYPE_BYTES, FLOAT_TYPES, type OnnxTensor } from './tensor.ts';
import { padSpec, softmaxGeometry, window2d, type TensorInfo } from './shapes.ts';
import { axisAttr, castOp, cpuBinary, gatherOp, shapeOp, sliceOp, splitOp } from './runner-ops-shape.ts';
import { concatTensors } from './int-values.ts';
import { OnnxShapeError, UnsupportedOnnxError } from './errors.ts';
import { nhwcShape, type CpuValue, type GpuValue, type Scratch, type Value } from './runner-values.ts';

export interface OpContext {
  gpu: Gpu;
  node: OnnxNode;
  opset: number;
  scratch: Scratch;
  /** Inferred type and shape of each output (undefined for omitted outputs). */
  outInfo: (TensorInfo | undefined)[];
  /** Input i as it is (undefined when omitted). */
  input(i: number): Value | undefined;
  /** Input i on the GPU (constants uploaded once and cached by the runner); borrowed, never return it as is. */
  gpuInput(i: number): GpuValue;
  /** Input i as integers (constants and CPU values). */
  ints(i: number): number[];
  /** Input i (OIHW) as an HWIO conv weight; borrowed. */
  convWeight(i: number): GpuTensor;
  /** True when output i is named and read by a later node or is a graph output. */
  wantOutput(i: number): boolean;
  /** True when this Conv's single consumer is a Relu that the runner folded into it. */
  fusedRelu: boolean;
}

export type OpResult = (Value | undefined)[];
export type OpFn = (ctx: OpContext) => OpResult | Promise<OpResult>;

const gpuOut = (t: GpuTensor, info: TensorInfo, layout: 'nchw' | 'nhwc' = 'nchw'): GpuValue => {
  const physical = layout === 'nhwc' ? nhwcShape(info.shape) : info.shape;
  if (t.size !== sizeOf(info.shape)) {
    throw new OnnxShapeError(`internal: a kernel produced [${t.shape.join(',')}] where [${physical.join(',')}] (${layout}) was inferred`);
  }
  const same = t.shape.length === physical.length && t.shape.every((d, i) => d === physical[i]);
  return { kind: 'gpu', t: same ? t : reshapeOwned(t, physical), shape: [...info.shape], layout, dtype: info.dtype };
};

/** A view of an owned tensor with another shape; the original reference is released (ownership moves). */
function reshapeOwned(t: GpuTensor, shape: readonly number[]): GpuTensor {
  const v = t.reshape(shape);
  t.release();
  return v;
}

/** A new reference to a value's storage with another logical shape (NCHW order). */
function alias(ctx: OpContext, v: Value, info: TensorInfo): Value {
  if (v.kind === 'cpu') return { kind: 'cpu', t: { ...v.t, dims: [...info.shape] } };
  const t = v.layout === 'nchw' ? v.t.reshape(info.shape) : ctx.scratch.nchw(v).reshape(info.shape);
  return { kind: 'gpu', t, shape: [...info.shape], layout: 'nchw', dtype: v.dtype };
}

/** Same value, same layout, new reference (Identity, Dropout, a Relu folded into its Conv). */
function passThrough(v: Value): Value {
  if (v.kind === 'cpu') return v;
  return { ...v, t: v.t.reshape(v.t.shape) };
}

const need = <T>(v: T | undefined, what: string): T => {
  if (v === undefined) throw new OnnxShapeError(`internal: ${what} is missing`);
  return v;
};

// --- convolution and pooling (NHWC) ------------------------------------------------------------------------

const conv: OpFn = (ctx) => {
  const xv = ctx.gpuInput(0);
  const x = ctx.scratch.nhwc(xv, ctx.node.name); // (N, H, W, Cin)
  const w = ctx.convWeight(1); // (KH, KW, Cin / group, Cout)
  const bias = ctx.input(2) ? ctx.scratch.nchw(ctx.gpuInput(2)) : null; // (Cout)
  const win = window2d(ctx.node, xv.shape[2], xv.shape[3], [w.shape[0], w.shape[1]]);
  const o = { stride: win.strides, pad: win.pads, relu: ctx.fusedRelu };
  const groups = attrInt(ctx.node, 'group', 1);
  const y = groups > 1 ? conv2dGrouped(ctx.gpu, x, w, bias, { ...o, groups }) : conv2dForward(ctx.gpu, x, w, bias, o);
  return [gpuOut(y, ctx.outInfo[0]!, 'nhwc')];
};

function poolOptions(ctx: OpContext, xv: GpuValue) {
  const ks = need(attrInts(ctx.node, 'kernel_shape'), 'kernel_shape') as [number, number];
  const win = window2d(ctx.node, xv.shape[2], xv.shape[3], [ks[0], ks[1]]);
  // window2d already resolved auto_pad and ceil_mode into pads and the output size; ceil mode is passed on so
  // the kernel sizes its output the same way.
  return { kernel: win.kernel, stride: win.strides, pad: win.pads, ceilMode: attrInt(ctx.node, 'ceil_mode', 0) === 1 };
}

const maxPool: OpFn = async (ctx) => {
  const xv = ctx.gpuInput(0);
  const x = ctx.scratch.nhwc(xv, ctx.node.name);
  const wantIndices = ctx.wantOutput(1);
  const { y, argmax } = maxPool2dForward(ctx.gpu, x, poolOptions(ctx, xv), wantIndices);
  const out: OpResult = [gpuOut(y, ctx.outInfo[0]!, 'nhwc')];
  if (argmax) {
    ctx.scratch.keep(argmax);
    out.push({ kind: 'cpu', t: nchwIndices(await argmax.read(), xv.shape, y.shape, ctx.node.outputs[1]) });
  }
  return out;
};

/**
 * ONNX's Indices (storage_order 0) are flat indices into the NCHW input, ((n*C + c)*H + h)*W + w; the kernel's
 * argmax is the flat NHWC index ((n*H + h)*W + w)*C + c. Converted on the CPU: Indices is an output the caller
 * reads back anyway, and no supported operator consumes int64 on the GPU.
 */
function nchwIndices(argmax: Int32Array, xShape: readonly number[], yShape: readonly number[], name: string): OnnxTensor {
  const [, C, H, W] = xShape;
  const [N, OH, OW] = yShape; // y is (N, OH, OW, C)
  const out = new BigInt64Array(argmax.length);
  for (let n = 0; n < N; n++) {
    for (let c = 0; c < C; c++) {
      for (let i = 0; i < OH * OW; i++) {
        const flat = argmax[(n * OH * OW + i) * C + c];
        const cIn = flat % C;
        const pixel = Math.floor(flat / C); // (n*H + h)*W + w
        const w = pixel % W;
        const h = Math.floor(pixel / W) % H;
        const nIn = Math.floor(pixel / (W * H));
        out[(n * C + c) * OH * OW + i] = BigInt(((nIn * C + cIn) * H + h) * W + w);
      }
    }
  }
  return makeTensor(name, 'int64', [N, C, OH, OW], out);
}

const averagePool: OpFn = (ctx) => {
  const xv = ctx.gpuInput(0);
  const x = ctx.scratch.nhwc(xv, ctx.node.name);
  const y = avgPool2dForward(ctx.gpu, x, { ...poolOptions(ctx, xv), countIncludePad: attrInt(ctx.node, 'count_include_pad', 0) === 1 });
  return [gpuOut(y, ctx.outInfo[0]!, 'nhwc')];
};

// (N, C) results are both NHWC (N,1,1,C) and NCHW (N,C,1,1): tagged nchw, no transpose needed later.
const globalAveragePool: OpFn = (ctx) => [gpuOut(globalAvgPoolForward(ctx.gpu, ctx.scratch.nhwc(ctx.gpuInput(0), ctx.node.name)), ctx.outInfo[0]!)];

const globalMaxPool: OpFn = (ctx) => {
  const { y, argmax } = globalMaxPoolForward(ctx.gpu, ctx.scratch.nhwc(ctx.gpuInput(0), ctx.node.name));
  argmax.release();
  return [gpuOut(y, ctx.outInfo[0]!)];
};

const relu: OpFn = (ctx) => {
  const v = ctx.gpuInput(0);
  if (ctx.fusedRelu) return [passThrough(v)];
  return [{ ...v, t: reluForward(ctx.gpu, v.t) }];
};

/** An elementwise activation: the value keeps its layout. */
const activation = (op: UnaryOp): OpFn => (ctx) => {
  const v = ctx.gpuInput(0);
  const n = ctx.node;
  const bound = (i: number, name: string): number | undefined => {
    if (ctx.opset < 11) return n.attributes.has(name) ? attrFloat(n, name, 0) : undefined;
    const c = ctx.input(i);
    if (!c) return undefined;
    if (c.kind !== 'cpu') throw new UnsupportedOnnxError(`node '${n.name}' (Clip): ${name} is computed at run time; graft needs it from an initializer or a Constant`);
    return toFloat32(c.t)[0];
  };
  // The attributes a node gives (the support table admits only its op's own); unary() supplies ONNX's defaults.
  const options: UnaryOptions = op === 'clip'
    ? { min: bound(1, 'min'), max: bound(2, 'max') }
    : { alpha: attrFloat(n, 'alpha'), beta: attrFloat(n, 'beta'), gamma: attrFloat(n, 'gamma') };
  return [{ ...v, t: unary(ctx.gpu, v.t, op, options) }];
};

/** Gelu (opset 20): exact, or its tanh approximation. */
const gelu: OpFn = (ctx) => activation(attrString(ctx.node, 'approximate', 'none') === 'tanh' ? 'geluTanh' : 'gelu')(ctx);

const lrnOp: OpFn = (ctx) => {
  const xv = ctx.gpuInput(0);
  const x = ctx.scratch.nhwc(xv, ctx.node.name); // (N, H, W, C): a pixel's channels are contiguous
  const n = ctx.node;
  const y = lrn(ctx.gpu, x, { size: attrInt(n, 'size', 1), alpha: attrFloat(n, 'alpha', 1e-4), beta: attrFloat(n, 'beta', 0.75), bias: attrFloat(n, 'bias', 1) });
  return [gpuOut(y, ctx.outInfo[0]!, 'nhwc')];
};

const batchNorm: OpFn = (ctx) => {
  const x = ctx.gpuInput(0);
  const p = [1, 2, 3, 4].map((i) => ctx.scratch.nchw(ctx.gpuInput(i)));
  // Channels are last in an NHWC buffer; in NCHW order each channel is a run of prod(dims after axis 1).
  const inner = x.layout === 'nhwc' ? 1 : sizeOf(x.shape.slice(2));
  const y = batchNormInference(ctx.gpu, x.t, { gamma: p[0], beta: p[1], mean: p[2], variance: p[3], epsilon: attrFloat(ctx.node, 'epsilon', 1e-5) }, inner);
  return [{ ...x, t: y }];
};

/**
 * LayerNormalization (opset 17): rows are the trailing axes from `axis` on, in logical (NCHW) order; Scale and B
 * hold one value per row element (shape inference refuses others). Mean and InvStdDev come out with the
 * normalised axes kept as 1s.
 */
const layerNormOp: OpFn = (ctx) => {
  const xv = ctx.gpuInput(0);
  const r = xv.shape.length;
  const axis = attrInt(ctx.node, 'axis', -1);
  const cols = sizeOf(xv.shape.slice(axis < 0 ? axis + r : axis));
  const flat = (i: number) => (ctx.input(i) ? ctx.scratch.nchw(ctx.gpuInput(i)) : undefined);
  const { y, mean, invStd } = layerNorm(ctx.gpu, ctx.scratch.nchw(xv), cols, flat(1)!, flat(2), attrFloat(ctx.node, 'epsilon', 1e-5));
  const stat = (t: GpuTensor, i: number) => {
    if (ctx.wantOutput(i)) return gpuOut(t, ctx.outInfo[i]!);
    ctx.scratch.keep(t);
    return undefined;
  };
  return [gpuOut(y, ctx.outInfo[0]!), stat(mean, 1), stat(invStd, 2)];
};

// --- elementwise with broadcasting ---------------------------------------------------------------------------

/** Strides of value v along the logical axes of `outShape` (numpy broadcasting), honouring v's layout. */
function logicalStrides(v: GpuValue, outShape: readonly number[]): number[] {
  const own = v.layout === 'nhwc'
    ? (() => {
        const [, C, H, W] = v.shape;
        return [H * W * C, 1, W * C, C]; // logical (N, C, H, W) axes inside an (N, H, W, C) buffer
      })()
    : stridesOf(v.shape);
  const lead = outShape.length - v.shape.length;
  return outShape.map((_, i) => {
    const k = i - lead;
    return k < 0 || v.shape[k] === 1 ? 0 : own[k];
  });
}

/** The broadcasting operations of ONNX's elementwise operators: kernel op and the weights of a sum. */
const BINARY = {
  add: ['add', 1, 1], sub: ['add', 1, -1], mul: ['mul', 1, 1], div: ['div', 1, 1], max: ['max', 1, 1], min: ['min', 1, 1],
  pow: ['pow', 1, 1], prelu: ['prelu', 1, 1],
  // Expand passes x twice: max(x, x) is x exactly, infinities included (x + 0 * x would turn them into NaN).
  expand: ['max', 1, 1],
} as const satisfies Record<string, readonly [BinaryOp, number, number]>;
type RunnerBinary = keyof typeof BINARY;

/** a `op` b under numpy broadcasting (ONNX Add, Sub, Mul, Div, ...); 4-D results stay NHWC when an operand was. */
function binaryValues(ctx: OpContext, a: GpuValue, b: GpuValue, out: TensorInfo, op: RunnerBinary = 'add'): GpuValue {
  if (op === 'add' && a.layout === b.layout && sameDims(a.shape, out.shape) && sameDims(b.shape, out.shape)) {
    // No broadcasting (residual sums): the flat kernel, which also splits tensors past one storage binding.
    return { kind: 'gpu', t: addSame(ctx.gpu, a.t, b.t.shape === a.t.shape ? b.t : ctx.scratch.keep(b.t.reshape(a.t.shape))), shape: [...out.shape], layout: a.layout, dtype: out.dtype };
  }
  const nhwc = out.shape.length === 4 && (a.layout === 'nhwc' || b.layout === 'nhwc');
  const order = nhwc ? [0, 2, 3, 1] : out.shape.map((_, i) => i);
  const physical = order.map((i) => out.shape[i]);
  const sa = logicalStrides(a, out.shape);
  const sb = logicalStrides(b, out.shape);
  const [kernelOp, alpha, beta] = BINARY[op];
  const y = broadcastBinaryStrided(ctx.gpu, physical, { t: a.t, strides: order.map((i) => sa[i]) }, { t: b.t, strides: order.map((i) => sb[i]) }, kernelOp, alpha, beta);
  return { kind: 'gpu', t: y, shape: [...out.shape], layout: nhwc ? 'nhwc' : 'nchw', dtype: out.dtype };
}

const binary = (op: 'add' | 'sub' | 'mul' | 'div' | 'pow' | 'prelu'): OpFn => (ctx) => {
  const [a, b] = [ctx.input(0), ctx.input(1)];
  // Integers (shapes being computed) stay on the CPU, as shape inference folded them.
  if (a?.kind === 'cpu' && b?.kind === 'cpu' && !FLOAT_TYPES.has(a.t.dtype)) return [cpuBinary(ctx, a, b)];
  // Pow's exponent may be an integer tensor (opset 12): as floats, which represent every exponent that matters.
  const exponent = op === 'pow' && b?.kind === 'cpu' && !FLOAT_TYPES.has(b.t.dtype)
    ? { kind: 'gpu' as const, t: ctx.scratch.keep(GpuTensor.from(ctx.gpu, b.t.dims, toFloat32(b.t))), shape: [...b.t.dims], layout: 'nchw' as const, dtype: 'float32' as const }
    : undefined;
  return [binaryValues(ctx, ctx.gpuInput(0), exponent ?? ctx.gpuInput(1), ctx.outInfo[0]!, op)];
};

/** Sum, Mean, Max and Min: any number of inputs, folded pairwise (Mean is the sum scaled by 1 / n). */
const variadic = (op: 'add' | 'max' | 'min', mean = false): OpFn => (ctx) => {
  const n = ctx.node.inputs.length;
  if (n === 1) return [passThrough(ctx.gpuInput(0))];
  let acc = ctx.gpuInput(0);
  let owned = false;
  for (let i = 1; i < n; i++) {
    const b = ctx.gpuInput(i);
    const shape = broadcastShape(acc.shape, b.shape);
    const next = binaryValues(ctx, acc, b, { dtype: acc.dtype, shape }, op);
    if (owned) acc.t.release();
    acc = next;
    owned = true;
  }
  if (mean) {
    const scaled = scale(ctx.gpu, acc.t, 1 / n);
    acc.t.release();
    acc = { ...acc, t: scaled };
  }
  return [acc];
};

/** Expand: x broadcast to the shape that shape inference took from the shape input. */
const expand: OpFn = (ctx) => {
  const x = ctx.gpuInput(0);
  return [binaryValues(ctx, x, x, ctx.outInfo[0]!, 'expand')];
};

function sameDims(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

function broadcastShape(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return [...Array(n).keys()].map((i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    return x === 1 ? y : x;
  });
}

// --- matrix products (NCHW order) -------------------------------------------------------------------------------

const gemm: OpFn = (ctx) => {
  const a = ctx.scratch.nchw(ctx.gpuInput(0));
  const b = ctx.scratch.nchw(ctx.gpuInput(1));
  const alpha = attrFloat(ctx.node, 'alpha', 1);
  const beta = attrFloat(ctx.node, 'beta', 1);
  const transA = attrInt(ctx.node, 'transA', 0) === 1;
  const transB = attrInt(ctx.node, 'transB', 0) === 1;
  const cv = ctx.input(2) ? ctx.gpuInput(2) : null;
  const out = ctx.outInfo[0]!;
  const N = out.shape[1];
  // The common case (a dense layer: C is a bias row, alpha = beta = 1) fuses C into the matmul.
  if (cv && alpha === 1 && beta === 1 && sizeOf(cv.shape) === N && cv.shape[cv.shape.length - 1] === N) {
    const bias = ctx.scratch.keep(ctx.scratch.nchw(cv).reshape([N]));
    return [gpuOut(matmul(ctx.gpu, a, b, { transA, transB, bias }), out)];
  }
  const ab = matmul(ctx.gpu, a, b, { transA, transB }); // (M, N)
  if (!cv) {
    if (alpha === 1) return [gpuOut(ab, out)];
    ctx.scratch.keep(ab);
    return [gpuOut(scale(ctx.gpu, ab, alpha), out)];
  }
  ctx.scratch.keep(ab);
  return [gpuOut(broadcastAdd(ctx.gpu, ab, ctx.scratch.nchw(cv), alpha, beta), out)];
};

const matMul: OpFn = (ctx) => {
  const av = ctx.gpuInput(0);
  const bv = ctx.gpuInput(1);
  const out = ctx.outInfo[0]!;
  const A = av.shape.length === 1 ? [1, av.shape[0]] : av.shape;
  const B = bv.shape.length === 1 ? [bv.shape[0], 1] : bv.shape;
  const a = ctx.scratch.nchw(av);
  const b = ctx.scratch.nchw(bv);
  const [M, K] = A.slice(-2);
  const N = B[B.length - 1];
  const batchA = A.slice(0, -2);
  const batchB = B.slice(0, -2);
  if (batchB.every((d) => d === 1)) {
    // B is one matrix: fold A's batch into its rows, one product.
    const a2 = ctx.scratch.keep(a.reshape([sizeOf(batchA) * M, K]));
    const b2 = ctx.scratch.keep(b.reshape([K, N]));
    return [gpuOut(matmul(ctx.gpu, a2, b2), out)];
  }
  // Batched B: one product per broadcast batch index, operands copied out of their stacks.
  const batch = broadcastShape(batchA, batchB);
  const y = GpuTensor.empty(ctx.gpu, [sizeOf(batch) * M, N], 'f32', 'matmul.batched');
  const index = (shape: number[], coords: number[]) => {
    const lead = coords.length - shape.length;
    return shape.reduce((acc, d, i) => acc * d + (d === 1 ? 0 : coords[i + lead]), 0);
  };
  const slice = (src: GpuTensor, i: number, rows: number, cols: number) => {
    const t = ctx.scratch.keep(GpuTensor.empty(ctx.gpu, [rows, cols], 'f32', 'matmul.slice'));
    ctx.gpu.batcher.copy(src.buffer, i * rows * cols * 4, t.buffer, 0, rows * cols * 4);
    return t;
  };
  for (let flat = 0; flat < sizeOf(batch); flat++) {
    const coords: number[] = [];
    let rest = flat;
    for (let k = batch.length - 1; k >= 0; k--) {
      coords[k] = rest % batch[k];
      rest = Math.floor(rest / batch[k]);
    }
    const c = ctx.scratch.keep(matmul(ctx.gpu, slice(a, index(batchA, coords), M, K), slice(b, index(batchB, coords), K, N)));
    ctx.gpu.batcher.copy(c.buffer, 0, y.buffer, flat * M * N * 4, M * N * 4);
  }
  return [gpuOut(y, out)];
};

// --- shape operators ------------------------------------------------------------------------------------------

const reshapeLike: OpFn = (ctx) => [alias(ctx, need(ctx.input(0), 'input'), ctx.outInfo[0]!)];

const identity: OpFn = (ctx) => [passThrough(need(ctx.input(0), 'input'))];

const transposeOp: OpFn = (ctx) => {
  const v = need(ctx.input(0), 'input');
  const r = v.kind === 'cpu' ? v.t.dims.length : v.shape.length;
  const perm = attrInts(ctx.node, 'perm') ?? [...Array(r).keys()].reverse();
  if (v.kind === 'cpu') return [{ kind: 'cpu', t: cpuTranspose(v.t, perm, ctx.node.outputs[0]) }];
  if (v.layout === 'nhwc' && r === 4) {
    // The buffer already is a permutation of the logical axes: compose instead of converting first.
    const physicalOf = [0, 3, 1, 2]; // logical axis -> buffer axis
    return [gpuOut(transpose(ctx.gpu, v.t, perm.map((p) => physicalOf[p])), ctx.outInfo[0]!)];
  }
  return [gpuOut(transpose(ctx.gpu, v.t, perm), ctx.outInfo[0]!)];
};

const padOp: OpFn = (ctx) => {
  const v = ctx.gpuInput(0);
  const fail = (why: string): never => {
    throw new OnnxShapeError(`node '${ctx.node.name}' (Pad): ${why}`);
  };
  const { begins, ends, mode } = padSpec(ctx.node, ctx.opset, v.shape.length, (i) => ctx.ints(i), fail);
  let value = attrFloat(ctx.node, 'value', 0);
  if (ctx.opset >= 11 && ctx.input(2)) {
    const c = ctx.input(2)!;
    if (c.kind !== 'cpu') throw new UnsupportedOnnxError(`node '${ctx.node.name}' (Pad): constant_value is computed at run time; graft needs it from an initializer or a Constant`);
    value = toFloat32(c.t)[0];
  }
  // A channels-last buffer holds the logical axes (N, C, H, W) in the order N, H, W, C: pad it as it lies.
  const order = v.layout === 'nhwc' ? [0, 2, 3, 1] : [...begins.keys()];
  const y = pad(ctx.gpu, v.t, { begins: order.map((k) => begins[k]), ends: order.map((k) => ends[k]), mode, value });
  return [gpuOut(y, ctx.outInfo[0]!, v.layout)];
};

const concatOp: OpFn = (ctx) => {
  const n = ctx.node.inputs.length;
  const values = [...Array(n).keys()].map((i) => need(ctx.input(i), `input ${i}`));
  const out = ctx.outInfo[0]!;
  const r = out.shape.length;
  const axis = axisAttr(ctx, r);
  if (values.every((v) => v.kind === 'cpu')) {
    // Integer tensors known on the CPU (shapes being assembled): joined here.
    return [{ kind: 'cpu', t: concatTensors(values.map((v) => (v as CpuValue).t), axis, ctx.node.outputs[0]) }];
  }
  const gpuValues = [...Array(n).keys()].map((i) => ctx.gpuInput(i));
  if (r === 4 && gpuValues.every((v) => v.layout === 'nhwc')) {
    // Channels-last activations (a fire or dense block's branches) are joined as they lie.
    const physicalOf = [0, 3, 1, 2]; // logical axis -> buffer axis
    return [gpuOut(concat(ctx.gpu, gpuValues.map((v) => v.t), physicalOf[axis]), out, 'nhwc')];
  }
  return [gpuOut(concat(ctx.gpu, gpuValues.map((v) => ctx.scratch.nchw(v)), axis), out)];
};

function cpuTranspose(t: OnnxTensor, perm: readonly number[], name: string): OnnxTensor {
  const dims = perm.map((p) => t.dims[p]);
  const size = DTYPE_BYTES[t.dtype];
  const src = stridesOf(t.dims);
  const out = new Uint8Array(t.bytes.byteLength);
  const n = sizeOf(dims);
  for (let i = 0; i < n; i++) {
    let rest = i;
    let from = 0;
    for (let k = dims.length - 1; k >= 0; k--) {
      from += (rest % dims[k]) * src[perm[k]];
      rest = Math.floor(rest / dims[k]);
    }
    out.set(t.bytes.subarray(from * size, from * size + size), i * size);
  }
  return { name, dtype: t.dtype, dims, bytes: out };
}

const constant: OpFn = (ctx) => {
  const t = constantNodeValue(ctx.node);
  if (!t) throw new UnsupportedOnnxError(`node '${ctx.node.name}' (Constant): value form not read`);
  return [{ kind: 'cpu', t: { ...t, name: ctx.node.outputs[0] } }];
};

const dropout: OpFn = (ctx) => {
  const x = need(ctx.input(0), 'input');
  const out: OpResult = [passThrough(x)];
  if (ctx.wantOutput(1)) {
    // Inference keeps every element: the mask is all true (bool from opset 10, the input's type before).
    const info = ctx.outInfo[1]!;
    out.push({ kind: 'cpu', t: makeTensor(ctx.node.outputs[1], info.dtype, info.shape, new Array(sizeOf(info.shape)).fill(1)) });
  }
  return out;
};

// --- softmax and reductions (NCHW order) ------------------------------------------------------------------------

function softmaxOp(log: boolean): OpFn {
  return (ctx) => {
    const v = ctx.gpuInput(0);
    const x = ctx.scratch.nchw(v);
    const g = softmaxGeometry(ctx.node, ctx.opset, v.shape);
    const f = log ? logSoftmax : softmax;
    if (g.inner === 1) {
      const rows = ctx.scratch.keep(x.reshape([g.outer, g.size]));
      return [gpuOut(f(ctx.gpu, rows), ctx.outInfo[0]!)];
    }
    // Normalised axis in the middle: move it last, normalise rows, move it back.
    const moved = ctx.scratch.keep(transpose(ctx.gpu, ctx.scratch.keep(x.reshape([g.outer, g.size, g.inner])), [0, 2, 1]));
    const y = ctx.scratch.keep(f(ctx.gpu, moved));
    return [gpuOut(transpose(ctx.gpu, y, [0, 2, 1]), ctx.outInfo[0]!)];
  };
}

/** Mean of x over `axes` (sorted, non-negative): reduced axes moved first, then column sums of (R, kept). */
function meanOver(ctx: OpContext, x: GpuTensor, shape: readonly number[], axes: readonly number[]): GpuTensor {
  const kept = shape.map((_, i) => i).filter((i) => !axes.includes(i));
  const perm = [...axes, ...kept];
  const R = sizeOf(axes.map((a) => shape[a]));
  const Ck = sizeOf(kept.map((a) => shape[a]));
  const moved = perm.every((p, i) => p === i) ? x : ctx.scratch.keep(transpose(ctx.gpu, x, perm));
  const sums = ctx.scratch.keep(sumRows(ctx.gpu, ctx.scratch.keep(moved.reshape([R, Ck]))));
  return scale(ctx.gpu, sums, 1 / R);
}

const reduceMean: OpFn = (ctx) => {
  const v = ctx.gpuInput(0);
  const r = v.shape.length;
  let axes = ctx.opset >= 18 ? (ctx.input(1) ? ctx.ints(1) : []) : (attrInts(ctx.node, 'axes') ?? []);
  if (axes.length === 0) {
    if (ctx.opset >= 18 && attrInt(ctx.node, 'noop_with_empty_axes', 0) === 1) return [passThrough(v)];
    axes = [...Array(r).keys()];
  }
  const norm = [...new Set(axes.map((a) => (a < 0 ? a + r : a)))].sort((a, b) => a - b);
  return [gpuOut(meanOver(ctx, ctx.scratch.nchw(v), v.shape, norm), ctx.outInfo[0]!)];
};

/**
 * SoftmaxCrossEntropyLoss: log-softmax over the class axis (1) and the weighted gather on the GPU; 'sum' reduced
 * on the GPU; 'mean' is sum(loss) / sum(weight) of the non-ignored elements, both sums on the GPU and their one
 * division on the CPU (two scalars read back), so that result is a CPU value.
 */
const softmaxCrossEntropyLoss: OpFn = async (ctx) => {
  const sv = ctx.gpuInput(0);
  const labelsV = need(ctx.input(1), 'labels');
  const shape = sv.shape; // (N, C, d1, ..., dk)
  const C = shape[1];
  const r = shape.length;
  const reduction = attrString(ctx.node, 'reduction', 'mean');
  const ignore = attrInt(ctx.node, 'ignore_index');
  if (labelsV.kind !== 'cpu') throw new UnsupportedOnnxError(`node '${ctx.node.name}': labels must be integers`);
  const labels = toIntegers(labelsV.t);
  for (const l of labels) {
    if (l !== ignore && (l < 0 || l >= C)) throw new OnnxShapeError(`node '${ctx.node.name}' (SoftmaxCrossEntropyLoss): label ${l} is outside [0, ${C})${ignore !== undefined ? ` and not the ignore_index ${ignore}` : ''}`);
  }
  const x = ctx.scratch.nchw(sv);
  const permLast = [0, ...[...Array(r - 2).keys()].map((i) => i + 2), 1]; // classes last
  const rowsShape = permLast.map((p) => shape[p]);
  const moved = r > 2 ? ctx.scratch.keep(transpose(ctx.gpu, x, permLast)) : x;
  const R = sizeOf(shape) / C;
  const logp = ctx.scratch.keep(logSoftmax(ctx.gpu, ctx.scratch.keep(moved.reshape([R, C])))); // (R, C)
  const lab = ctx.scratch.keep(GpuTensor.from(ctx.gpu, [R], labels, 'i32', 'sce.labels'));
  const w = ctx.input(2) ? ctx.scratch.nchw(ctx.gpuInput(2)) : null;
  const { loss, weight } = nllGather(ctx.gpu, logp, lab, w, ignore ?? null);
  ctx.scratch.keep(weight);
  const out: OpResult = [];
  const info = ctx.outInfo[0]!;
  if (reduction === 'none') out.push(gpuOut(loss, info));
  else {
    ctx.scratch.keep(loss);
    const total = sumRows(ctx.gpu, ctx.scratch.keep(loss.reshape([R, 1]))); // (1)
    if (reduction === 'sum') out.push(gpuOut(total, info));
    else {
      ctx.scratch.keep(total);
      const wsum = ctx.scratch.keep(sumRows(ctx.gpu, ctx.scratch.keep(weight.reshape([R, 1]))));
      const [s] = await total.read();
      const [d] = await wsum.read();
      out.push({ kind: 'cpu', t: makeTensor(ctx.node.outputs[0], 'float32', info.shape, [s / d]) });
    }
  }
  if (ctx.wantOutput(1)) {
    const back = [0, r - 1, ...[...Array(r - 2).keys()].map((i) => i + 1)]; // classes back to axis 1
    const lp = r > 2 ? transpose(ctx.gpu, ctx.scratch.keep(logp.reshape(rowsShape)), back) : logp.reshape(shape);
    out.push(gpuOut(lp, ctx.outInfo[1]!));
  }
  return out;
};

export const OPS_RUN: Record<string, OpFn> = {
  Conv: conv,
  Relu: relu,
  Sigmoid: activation('sigmoid'),
  Tanh: activation('tanh'),
  LeakyRelu: activation('leakyRelu'),
  Clip: activation('clip'),
  HardSigmoid: activation('hardSigmoid'),
  HardSwish: activation('hardSwish'),
  Exp: activation('exp'),
  Log: activation('log'),
  Sqrt: activation('sqrt'),
  Neg: activation('neg'),
  Abs: activation('abs'),
  Reciprocal: activation('reciprocal'),
  Erf: activation('erf'),
  Softplus: activation('softplus'),
  Elu: activation('elu'),
  Selu: activation('selu'),
  Gelu: gelu,
  Mish: activation('mish'),
  Softsign: activation('softsign'),
  PRelu: binary('prelu'),
  Pow: binary('pow'),
  Max: variadic('max'),
  Min: variadic('min'),
  Mean: variadic('add', true),
  Expand: expand,
  LayerNormalization: layerNormOp,
  MaxPool: maxPool,
  AveragePool: averagePool,
  GlobalAveragePool: globalAveragePool,
  GlobalMaxPool: globalMaxPool,
  BatchNormalization: batchNorm,
  LRN: lrnOp,
  Add: binary('add'),
  Sub: binary('sub'),
  Mul: binary('mul'),
  Div: binary('div'),
  Sum: variadic('add'),
  Gemm: gemm,
  MatMul: matMul,
  Flatten: reshapeLike,
  Reshape: reshapeLike,
  Transpose: transposeOp,
  Shape: shapeOp,
  Gather: gatherOp,
  Unsqueeze: reshapeLike,
  Squeeze: reshapeLike,
  Slice: sliceOp,
  Split: splitOp,
  Cast: castOp,
  Concat: concatOp,
  Pad: padOp,
  Identity: identity,
  Constant: constant,
  Dropout: dropout,
  Softmax: softmaxOp(false),
  LogSoftmax: softmaxOp(true),
  ReduceMean: reduceMean,
  SoftmaxCrossEntropyLoss: softmaxCrossEntropyLoss,
};

/** Operators whose inputs (all but the listed CPU-side ones) must be floating point on the GPU. */
export const GPU_FLOAT_INPUTS: Record<string, number[] | 'all'> = {
  Conv: 'all', Relu: 'all', MaxPool: 'all', AveragePool: 'all', GlobalAveragePool: 'all', GlobalMaxPool: 'all',
  BatchNormalization: 'all', LRN: 'all', Sum: 'all', Gemm: 'all', MatMul: 'all', Softmax: 'all', LogSoftmax: 'all',
  ReduceMean: [0], SoftmaxCrossEntropyLoss: [0, 2], Pad: [0], Sigmoid: 'all', Tanh: 'all', LeakyRelu: 'all', Clip: [0],
  HardSigmoid: 'all', HardSwish: 'all', Exp: 'all', Log: 'all', Sqrt: 'all', Neg: 'all', Abs: 'all', Reciprocal: 'all',
  Erf: 'all', Softplus: 'all', Elu: 'all', Selu: 'all', Gelu: 'all', Mish: 'all', Softsign: 'all', PRelu: 'all', Pow: [0],
  Max: 'all', Min: 'all', Mean: 'all', Expand: [0], LayerNormalization: 'all',
};

export type { CpuValue };
