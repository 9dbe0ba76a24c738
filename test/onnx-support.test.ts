// The supported-operator table and shape inference: unsupported operators, attribute values, opsets and
// run-time-only inputs are refused with the node, the operator and what is supported; inferred shapes and types
// match what onnxruntime produces on single-operator models across attribute variety and opset differences;
// given inputs are checked against the declared ones.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as ort from 'onnxruntime-node';
import { OnnxBuilder, type AttrValue } from '../src/onnx/builder.ts';
import { parseOnnx } from '../src/onnx/reader.ts';
import { assertSupported, checkSupported, formatProblem } from '../src/onnx/ops-supported.ts';
import { checkInputs, declaredInputs, inferShapes, softmaxGeometry, type TensorInfo } from '../src/onnx/shapes.ts';
import { OnnxShapeError, UnsupportedOnnxError } from '../src/onnx/errors.ts';
import { makeTensor, type DType } from '../src/onnx/tensor.ts';
import type { OnnxModel } from '../src/onnx/model.ts';
import { vgg19Model } from './helpers/onnx-models.ts';

interface OneOp {
  op: string;
  opset: number;
  inputs: [string, DType, number[]][];
  consts?: [string, DType, number[], number[]][];
  attrs?: Record<string, AttrValue>;
  outputs?: number;
}

/** A one-node model; output types are declared as `outTypes` (float32 by default). */
function oneOp(c: OneOp, outTypes: DType[] = []): { bytes: Uint8Array; model: OnnxModel } {
  const b = new OnnxBuilder({ opset: c.opset });
  for (const [name, dtype, shape] of c.inputs) b.input(name, dtype, shape);
  for (const [name, dtype, dims, values] of c.consts ?? []) b.initializer(name, dtype, dims, values);
  const outs = Array.from({ length: c.outputs ?? 1 }, (_, i) => `out${i}`);
  const names = [...c.inputs.map((i) => i[0]), ...(c.consts ?? []).map((k) => k[0])];
  b.node(c.op, names, outs, c.attrs ?? {}, 'n');
  outs.forEach((o, i) => b.output(o, outTypes[i] ?? 'float32', null));
  const bytes = b.encode().model;
  return { bytes, model: parseOnnx(bytes, { file: `${c.op}.onnx` }) };
}

function zeros(dtype: DType, shape: number[]): ort.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  if (dtype === 'int64') return new ort.Tensor('int64', new BigInt64Array(n), shape);
  return new ort.Tensor('float32', new Float32Array(n).fill(0.5), shape);
}

const ORT_TYPE: Record<string, DType> = { float32: 'float32', int64: 'int64', bool: 'bool', int32: 'int32' };

test('inferred shapes and types equal onnxruntime on single-operator models', async () => {
  const x = (shape: number[]): [string, DType, number[]] => ['x', 'float32', shape];
  const cases: OneOp[] = [
    { op: 'Conv', opset: 7, inputs: [x([2, 3, 11, 9])], consts: [['w', 'float32', [5, 3, 3, 3], Array(135).fill(0.1)]], attrs: { pads: [1, 1, 1, 1], strides: [2, 2] } },
    { op: 'Conv', opset: 11, inputs: [x([1, 3, 10, 7])], consts: [['w', 'float32', [4, 3, 3, 2], Array(72).fill(0.1)], ['b', 'float32', [4], [1, 2, 3, 4]]], attrs: { auto_pad: 'SAME_UPPER', strides: [3, 2] } },
    { op: 'Conv', opset: 22, inputs: [x([1, 2, 8, 8])], consts: [['w', 'float32', [2, 2, 4, 4], Array(64).fill(0.1)]], attrs: { auto_pad: 'SAME_LOWER', strides: [3, 3] } },
    { op: 'Conv', opset: 13, inputs: [x([1, 2, 9, 8])], consts: [['w', 'float32', [2, 2, 3, 5], Array(60).fill(0.1)]], attrs: { auto_pad: 'VALID', strides: [2, 1] } },
    { op: 'MaxPool', opset: 12, inputs: [x([1, 2, 7, 6])], attrs: { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }, outputs: 2 },
    { op: 'MaxPool', opset: 12, inputs: [x([1, 2, 6, 6])], attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [0, 0, 1, 1], ceil_mode: 1 } },
    // ceil_mode windows that would start past the input (and its leading pad) are dropped:
    { op: 'MaxPool', opset: 12, inputs: [x([1, 1, 5, 5])], attrs: { kernel_shape: [1, 1], strides: [3, 3], ceil_mode: 1 } },
    { op: 'AveragePool', opset: 13, inputs: [x([1, 1, 4, 4])], attrs: { kernel_shape: [2, 2], strides: [4, 4], pads: [0, 0, 1, 1], ceil_mode: 1 } },
    { op: 'MaxPool', opset: 7, inputs: [x([2, 3, 9, 9])], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
    { op: 'AveragePool', opset: 19, inputs: [x([1, 1, 9, 5])], attrs: { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], count_include_pad: 1, ceil_mode: 1 } },
    { op: 'AveragePool', opset: 7, inputs: [x([1, 1, 5, 5])], attrs: { kernel_shape: [2, 2], auto_pad: 'SAME_UPPER' } },
    { op: 'GlobalAveragePool', opset: 7, inputs: [x([2, 5, 3, 4])] },
    { op: 'GlobalMaxPool', opset: 22, inputs: [x([2, 5, 3, 4])] },
    { op: 'Gemm', opset: 7, inputs: [x([4, 3])], consts: [['B', 'float32', [5, 3], Array(15).fill(1)], ['C', 'float32', [5], Array(5).fill(1)]], attrs: { transB: 1, alpha: 0.5 } },
    { op: 'Gemm', opset: 13, inputs: [x([3, 4])], consts: [['B', 'float32', [3, 2], Array(6).fill(1)], ['C', 'float32', [4, 1], Array(4).fill(1)]], attrs: { transA: 1 } },
    { op: 'Gemm', opset: 13, inputs: [x([2, 3])], consts: [['B', 'float32', [3, 2], Array(6).fill(1)]] },
    { op: 'MatMul', opset: 13, inputs: [x([2, 1, 3, 4]), ['y', 'float32', [5, 4, 6]]] },
    { op: 'MatMul', opset: 9, inputs: [x([4]), ['y', 'float32', [2, 4, 3]]] },
    { op: 'MatMul', opset: 9, inputs: [x([2, 3, 4]), ['y', 'float32', [4]]] },
    { op: 'Add', opset: 7, inputs: [x([2, 1, 4]), ['y', 'float32', [3, 1]]] },
    { op: 'Sum', opset: 13, inputs: [x([2, 3]), ['y', 'float32', [3]], ['z', 'float32', [1, 1]]] },
    { op: 'Flatten', opset: 13, inputs: [x([2, 3, 4, 5])], attrs: { axis: -2 } },
    { op: 'Flatten', opset: 7, inputs: [x([2, 3, 4, 5])], attrs: { axis: 0 } },
    { op: 'Reshape', opset: 7, inputs: [x([2, 3, 4])], consts: [['s', 'int64', [3], [0, -1, 2]]] },
    { op: 'Reshape', opset: 14, inputs: [x([2, 3, 4])], consts: [['s', 'int64', [2], [4, 6]]], attrs: { allowzero: 1 } },
    { op: 'Transpose', opset: 13, inputs: [x([2, 3, 4, 5])], attrs: { perm: [0, 2, 3, 1] } },
    { op: 'Transpose', opset: 7, inputs: [x([2, 3, 4])] },
    { op: 'Pad', opset: 7, inputs: [x([2, 3, 4, 5])], attrs: { pads: [0, 1, 2, 0, 0, 0, 1, -2], mode: 'edge' } },
    { op: 'Pad', opset: 13, inputs: [x([2, 3, 4])], consts: [['p', 'int64', [6], [1, 0, -1, 0, 2, 3]]] },
    { op: 'Pad', opset: 18, inputs: [x([2, 3, 4, 5])], consts: [['p', 'int64', [4], [1, 2, 2, 1]], ['v', 'float32', [], [0]], ['a', 'int64', [2], [-1, 1]]], attrs: { mode: 'reflect' } },
    { op: 'Concat', opset: 13, inputs: [x([2, 3, 4]), ['y', 'float32', [2, 5, 4]]], attrs: { axis: -2 } },
    { op: 'Concat', opset: 7, inputs: [x([2, 3]), ['y', 'float32', [1, 3]], ['z', 'float32', [4, 3]]], attrs: { axis: 0 } },
    { op: 'Mul', opset: 7, inputs: [x([2, 1, 4]), ['y', 'float32', [3, 1]]] },
    { op: 'Div', opset: 14, inputs: [x([4]), ['y', 'float32', [2, 3, 4]]] },
    { op: 'Sub', opset: 13, inputs: [x([2, 3, 4, 5]), ['y', 'float32', [1, 3, 1, 1]]] },
    { op: 'Clip', opset: 13, inputs: [x([2, 3])], consts: [['lo', 'float32', [], [0]], ['hi', 'float32', [], [6]]] },
    { op: 'LeakyRelu', opset: 16, inputs: [x([2, 3, 4])], attrs: { alpha: 0.1 } },
    { op: 'Conv', opset: 11, inputs: [x([1, 6, 7, 7])], consts: [['w', 'float32', [6, 1, 3, 3], Array(54).fill(1)]], attrs: { group: 6, strides: [2, 2], pads: [1, 1, 1, 1] } },
    { op: 'Conv', opset: 13, inputs: [x([2, 4, 5, 5])], consts: [['w', 'float32', [6, 2, 1, 1], Array(12).fill(1)]], attrs: { group: 2 } },
    { op: 'Shape', opset: 13, inputs: [x([2, 3, 4])] },
    { op: 'Shape', opset: 15, inputs: [x([2, 3, 4, 5])], attrs: { start: -3, end: 3 } },
    { op: 'Gather', opset: 13, inputs: [['d', 'int64', [3, 4]]], consts: [['i', 'int64', [2, 2], [0, 1, 2, -1]]], attrs: { axis: 1 } },
    { op: 'Unsqueeze', opset: 11, inputs: [x([3, 4])], attrs: { axes: [0, -1] } },
    { op: 'Squeeze', opset: 13, inputs: [x([1, 3, 1, 4])] },
    { op: 'Slice', opset: 13, inputs: [['d', 'int64', [4, 6]]], consts: [['st', 'int64', [2], [-1, 1]], ['en', 'int64', [2], [-5, 100]], ['ax', 'int64', [2], [1, 0]], ['sp', 'int64', [2], [-2, 2]]] },
    { op: 'Slice', opset: 9, inputs: [['d', 'int64', [5]]], attrs: { starts: [1], ends: [-1] } },
    { op: 'Cast', opset: 13, inputs: [['d', 'int64', [2, 3]]], attrs: { to: 6 } },
    { op: 'Cast', opset: 9, inputs: [x([2, 3])], attrs: { to: 1 } },
    { op: 'LRN', opset: 13, inputs: [x([2, 5, 3, 4])], attrs: { size: 3 } },
    { op: 'Split', opset: 13, inputs: [x([2, 6, 3])], consts: [['sp', 'int64', [2], [2, 4]]], attrs: { axis: 1 }, outputs: 2 },
    { op: 'Split', opset: 18, inputs: [x([2, 7])], attrs: { axis: -1, num_outputs: 3 }, outputs: 3 },
    { op: 'Slice', opset: 13, inputs: [x([2, 6, 5])], consts: [['st', 'int64', [1], [1]], ['en', 'int64', [1], [-1]], ['ax', 'int64', [1], [2]]] },
    { op: 'Softmax', opset: 7, inputs: [x([2, 3, 4])], attrs: { axis: 2 } },
    { op: 'LogSoftmax', opset: 13, inputs: [x([2, 3, 4])] },
    { op: 'Dropout', opset: 7, inputs: [x([2, 3])], attrs: { ratio: 0.3 }, outputs: 2 },
    { op: 'Dropout', opset: 13, inputs: [x([2, 3])], outputs: 2 },
    { op: 'BatchNormalization', opset: 9, inputs: [x([2, 3, 4, 4])], consts: ['s', 'b', 'm', 'v'].map((n): [string, DType, number[], number[]] => [n, 'float32', [3], [1, 1, 1]]), attrs: { epsilon: 1e-3 } },
    { op: 'ReduceMean', opset: 13, inputs: [x([2, 3, 4, 5])], attrs: { axes: [-1, 1], keepdims: 0 } },
    { op: 'ReduceMean', opset: 18, inputs: [x([2, 3, 4, 5])], consts: [['a', 'int64', [2], [2, 3]]] },
    { op: 'ReduceMean', opset: 7, inputs: [x([2, 3])] },
    { op: 'Identity', opset: 13, inputs: [x([2, 3])] },
    { op: 'SoftmaxCrossEntropyLoss', opset: 13, inputs: [x([3, 5]), ['y', 'int64', [3]]], attrs: { reduction: 'none' }, outputs: 2 },
    { op: 'SoftmaxCrossEntropyLoss', opset: 12, inputs: [x([3, 5, 2]), ['y', 'int64', [3, 2]]], consts: [['w', 'float32', [5], [1, 2, 3, 4, 5]]], attrs: { reduction: 'mean', ignore_index: 1 } },
  ];
  for (const c of cases) {
    const first = oneOp(c).model;
    const given0 = new Map<string, TensorInfo>(c.inputs.map(([n, d, s]) => [n, { dtype: d, shape: s }]));
    const types = first.graph.nodes[0].outputs.map((o) => inferShapes(first, given0).values.get(o)!.dtype);
    // Declaring the inferred types makes onnxruntime check them when it loads the model.
    const { bytes, model } = oneOp(c, types);
    const label = `${c.op} opset ${c.opset} ${JSON.stringify(c.attrs ?? {})}`;
    assert.equal(checkSupported(model).map(formatProblem), [], label);
    const given = new Map<string, TensorInfo>(c.inputs.map(([n, d, s]) => [n, { dtype: d, shape: s }]));
    const { values, problems } = inferShapes(model, given);
    assert.equal(problems, [], label);
    // Severity 3 (errors only): onnxruntime warns that ONNX's own shape inference disagrees with its kernels for
    // ceil_mode windows starting in the padding; its kernels, which graft matches, drop those windows.
    const session = await ort.InferenceSession.create(bytes, { logSeverityLevel: 3 });
    const feeds = Object.fromEntries(c.inputs.map(([n, d, s]) => [n, zeros(d, s)]));
    const out = await session.run(feeds);
    for (const name of session.outputNames) {
      const got = values.get(name)!;
      assert.equal(got.shape, [...out[name].dims], `${label}: ${name} shape`);
      assert.is(got.dtype, ORT_TYPE[out[name].type], `${label}: ${name} type`);
    }
  }
});

test('VGG19-shaped zoo model: declared input, every layer shape, output', () => {
  const g = vgg19Model({ width: 1 / 16, size: 64, classes: 10, batch: 'N' });
  const m = parseOnnx(g.builder.encode().model, { file: 'vgg.onnx' });
  assert.equal(checkSupported(m), []);
  const inputs = declaredInputs(m, 2);
  assert.equal(inputs.get('data'), { dtype: 'float32', shape: [2, 3, 64, 64] });
  const { values } = inferShapes(m, inputs);
  assert.equal(values.get('vgg0_conv0_fwd')!.shape, [2, 4, 64, 64]);
  assert.equal(values.get('vgg0_pool0_fwd')!.shape, [2, 4, 32, 32]);
  assert.equal(values.get('vgg0_conv15_fwd')!.shape, [2, 32, 4, 4]);
  assert.equal(values.get('vgg0_pool4_fwd')!.shape, [2, 32, 2, 2]);
  assert.equal(values.get('vgg0_flatten0_reshape0')!.shape, [2, 128]);
  assert.equal(values.get('vgg0_dense0_fwd')!.shape, [2, 256]);
  assert.equal(values.get('vgg0_dense2_fwd'), { dtype: 'float32', shape: [2, 10] });
});

test('unsupported operators, attributes, opsets and run-time inputs are refused with node, op and what works', () => {
  const x: [string, DType, number[]] = ['x', 'float32', [1, 4, 8, 8]];
  const w = (o: number, i: number): [string, DType, number[], number[]] => ['w', 'float32', [o, i, 3, 3], Array(o * i * 9).fill(0)];
  const expect = (c: OneOp, pattern: RegExp) => {
    const problems = checkSupported(oneOp(c).model).map(formatProblem);
    assert.ok(problems.some((p) => pattern.test(p)), `${c.op}: ${JSON.stringify(problems)} should match ${pattern}`);
  };
  expect({ op: 'Conv', opset: 11, inputs: [x], consts: [w(4, 2)], attrs: { group: 0 } }, /^node 'n' \(Conv\): group=0: value not supported; supported: a positive group count$/);
  expect({ op: 'Conv', opset: 11, inputs: [x], consts: [w(4, 4)], attrs: { dilations: [2, 2] } }, /node 'n' \(Conv\): dilations=\[2,2\]: value not supported; supported: dilations of 1/);
  expect({ op: 'Conv', opset: 11, inputs: [x], consts: [w(4, 4)], attrs: { auto_pad: 'SAME' } }, /auto_pad=SAME: value not supported; supported: NOTSET, SAME_UPPER, SAME_LOWER, VALID/);
  expect({ op: 'Conv', opset: 11, inputs: [['x', 'float32', [1, 4, 8]]], consts: [['w', 'float32', [4, 4, 3], Array(48).fill(0)]], attrs: { kernel_shape: [3] } }, /kernel_shape=\[3\]: value not supported; supported: a 2-D kernel_shape/);
  expect({ op: 'MaxPool', opset: 12, inputs: [x], attrs: { kernel_shape: [2, 2], storage_order: 1 } }, /node 'n' \(MaxPool\): storage_order=1: value not supported; supported: 0/);
  expect({ op: 'MaxPool', opset: 7, inputs: [x], attrs: { kernel_shape: [2, 2], ceil_mode: 1 } }, /ceil_mode=1: is not an attribute of MaxPool at opset 7; supported: attributes auto_pad, kernel_shape, pads, strides/);
  expect({ op: 'MaxPool', opset: 12, inputs: [x] }, /kernel_shape: is required but missing/);
  expect({ op: 'Hardmax', opset: 13, inputs: [x] }, /^node 'n' \(Hardmax\): operator not supported; supported: Conv, Relu, Sigmoid, Tanh, LeakyRelu, HardSigmoid, HardSwish, Exp/);
  expect({ op: 'ReduceMean', opset: 18, inputs: [x], attrs: { axes: [1] } }, /axes=\[1\]: is not an attribute of ReduceMean at opset 18/);
  expect({ op: 'Reshape', opset: 13, inputs: [x, ['s', 'int64', [2]]] }, /input 1 \(shape\)='s': is computed at run time; supported: shape given by an initializer or a Constant node/);
  expect({ op: 'Dropout', opset: 13, inputs: [x], consts: [['r', 'float32', [], [0.5]], ['t', 'bool', [], [1]]] }, /input 2 \(training_mode\)=1: training-mode dropout is not run/);
  expect({ op: 'BatchNormalization', opset: 7, inputs: [x], consts: ['s', 'b', 'm', 'v'].map((n): [string, DType, number[], number[]] => [n, 'float32', [4], [1, 1, 1, 1]]), attrs: { spatial: 0 } }, /spatial=0: value not supported; supported: 1/);
  expect({ op: 'BatchNormalization', opset: 14, inputs: [x], consts: ['s', 'b', 'm', 'v'].map((n): [string, DType, number[], number[]] => [n, 'float32', [4], [1, 1, 1, 1]]), outputs: 3 }, /outputs=3: unsupported number of outputs; supported: 1 outputs at opset 14/);
  expect({ op: 'Gemm', opset: 9, inputs: [['x', 'float32', [2, 2]], ['y', 'float32', [2, 2]]] }, /inputs=2: wrong number of inputs; supported: 3 inputs at opset 9/);
  expect({ op: 'SoftmaxCrossEntropyLoss', opset: 13, inputs: [['x', 'float32', [2, 2]], ['y', 'int64', [2]]], attrs: { reduction: 'max' } }, /reduction=max: value not supported; supported: none, sum, mean/);
  expect({ op: 'SoftmaxCrossEntropyLoss', opset: 11, inputs: [['x', 'float32', [2, 2]], ['y', 'int64', [2]]] }, /SoftmaxCrossEntropyLoss needs opset 12 or later/);
  expect({ op: 'Relu', opset: 6, inputs: [x] }, /^model: opset=6: is outside the opsets graft reads; supported: ai\.onnx opsets 7 to 25$/);
  // The runner's refusal lists every problem with the file name.
  const two = oneOp({ op: 'Conv', opset: 11, inputs: [x], consts: [w(4, 2)], attrs: { group: 0, dilations: [2, 2] } }).model;
  assert.throws(() => assertSupported(two), (e: Error) => e instanceof UnsupportedOnnxError &&
    /^Conv\.onnx: graft cannot run this model \(2 problems\):\n  node 'n' \(Conv\): group=0.*\n  node 'n' \(Conv\): dilations=\[2,2\]/.test(e.message));
  assertSupported(oneOp({ op: 'Relu', opset: 13, inputs: [x] }).model);
  // Other domains.
  const custom = oneOp({ op: 'Relu', opset: 13, inputs: [x] }).model;
  custom.graph.nodes[0].domain = 'com.microsoft';
  assert.match(formatProblem(checkSupported(custom)[0]), /node 'n' \(Relu\): domain=com\.microsoft: operators outside the default ONNX domain/);
  // A 3-D input to a 2-D-only op is reported by inference, as a problem rather than a crash.
  const gap = oneOp({ op: 'GlobalAveragePool', opset: 13, inputs: [['x', 'float32', [1, 4, 8]]] }).model;
  const { problems } = inferShapes(gap, declaredInputs(gap));
  assert.match(formatProblem(problems[0]), /node 'n' \(GlobalAveragePool\): input shape \[1,4,8\] is not 4-D; supported: 4-D \(N,C,H,W\) inputs/);
});

test('Softmax axis semantics before and after opset 13 match onnxruntime', async () => {
  const shape = [2, 3, 4];
  const x = Float32Array.from({ length: 24 }, (_, i) => Math.sin(i * 1.7) * 3);
  const cases: [number, Record<string, AttrValue>, [number, number, number]][] = [
    [12, {}, [2, 12, 1]], // default axis 1, coerced to 2-D [2, 12]
    [7, { axis: 2 }, [6, 4, 1]],
    [11, { axis: -2 }, [2, 12, 1]],
    [13, {}, [6, 4, 1]], // default axis -1
    [13, { axis: 1 }, [2, 3, 4]], // one axis, not the trailing block
  ];
  for (const [opset, attrs, [outer, size, inner]] of cases) {
    const { bytes, model } = oneOp({ op: 'Softmax', opset, inputs: [['x', 'float32', shape]], attrs });
    const g = softmaxGeometry(model.graph.nodes[0], opset, shape);
    assert.equal([g.outer, g.size, g.inner], [outer, size, inner], `opset ${opset} ${JSON.stringify(attrs)}`);
    // onnxruntime's result sums to 1 over exactly the groups the geometry describes.
    const s = await ort.InferenceSession.create(bytes);
    const y = (await s.run({ x: new ort.Tensor('float32', x, shape) })).out0.data as Float32Array;
    for (let o = 0; o < outer; o++) {
      for (let i = 0; i < inner; i++) {
        let sum = 0;
        for (let k = 0; k < size; k++) sum += y[(o * size + k) * inner + i];
        assert.ok(Math.abs(sum - 1) < 1e-5, `opset ${opset} ${JSON.stringify(attrs)}: group (${o}, ${i}) sums to ${sum}`);
      }
    }
  }
  const late = oneOp({ op: 'Softmax', opset: 13, inputs: [['x', 'float32', [2, 3]]], attrs: { axis: 2 } }).model;
  assert.throws(() => inferShapes(late, declaredInputs(late)), /node 'n' \(Softmax\): axis 2 is outside \[-2, 1\] for rank 2/);
  const negative = oneOp({ op: 'Softmax', opset: 7, inputs: [['x', 'float32', [2, 3]]], attrs: { axis: -1 } }).model;
  assert.throws(() => inferShapes(negative, declaredInputs(negative)), /axis -1 is outside \[0, 1\]/);
});

test('shape errors name the node and shapes; given inputs are checked against the declared ones', () => {
  const bad = oneOp({ op: 'Conv', opset: 13, inputs: [['x', 'float32', [1, 3, 8, 8]]], consts: [['w', 'float32', [4, 5, 3, 3], Array(180).fill(0)]] }).model;
  assert.throws(() => inferShapes(bad, declaredInputs(bad)), (e: Error) => e instanceof OnnxShapeError && /node 'n' \(Conv\): weight expects 5 input channels, input has 3; inputs x\[1,3,8,8\], w\[4,5,3,3\]/.test(e.message));
  const g = vgg19Model({ width: 1 / 16, size: 32, classes: 10, batch: 'N' });
  const m = parseOnnx(g.builder.encode().model, { file: 'vgg.onnx' });
  const given = (shape: number[], dtype: DType = 'float32') => new Map([['data', { dtype, shape }]]);
  checkInputs(m, given([5, 3, 32, 32]));
  assert.throws(() => checkInputs(m, given([1, 3, 224, 224])), (e: Error) => e instanceof OnnxShapeError && e.message === "input 'data': given shape [1,3,224,224], the model declares [N,3,32,32]");
  assert.throws(() => checkInputs(m, given([1, 3, 32])), /input 'data': given shape \[1,3,32\], the model declares \[N,3,32,32\]/);
  assert.throws(() => checkInputs(m, given([1, 3, 32, 32], 'int64')), /input 'data': given int64, the model declares float32/);
  assert.throws(() => checkInputs(m, new Map()), /graph input 'data' \[N,3,32,32\] was not given/);
  const extra = given([1, 3, 32, 32]);
  extra.set('label', { dtype: 'int64', shape: [1] });
  assert.throws(() => checkInputs(m, extra), /'label' is not an input of the model; its inputs are 'data'/);
  // A mistyped name alone: the unknown name is what is reported, not the input it leaves missing.
  assert.throws(() => checkInputs(m, new Map([['dat', { dtype: 'float32', shape: [1, 3, 32, 32] }]])), /'dat' is not an input of the model; its inputs are 'data'/);
  // One symbol, one value across inputs.
  const two = oneOp({ op: 'Add', opset: 13, inputs: [['x', 'float32', [1, 3]], ['y', 'float32', [1, 3]]] }).model;
  two.graph.inputs.forEach((v) => (v.shape = ['N', 3]));
  assert.throws(() => checkInputs(two, new Map([['x', { dtype: 'float32', shape: [2, 3] }], ['y', { dtype: 'float32', shape: [4, 3] }]])), /input 'y': dim 'N' is 4 here but 2 in another input/);
});

test('Constant nodes (value and value_ints forms) feed Reshape', () => {
  const b = new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', [2, 6])
    .node('Constant', [], ['s'], { value: makeTensor('s', 'int64', [2], [3, 4]) })
    .node('Reshape', ['x', 's'], ['y'])
    .node('Constant', [], ['s2'], { value_ints: [12] })
    .node('Reshape', ['y', 's2'], ['z'])
    .output('z', 'float32', [12]);
  const m = parseOnnx(b.encode().model, { file: 'c.onnx' });
  assert.equal(checkSupported(m), []);
  const { values } = inferShapes(m, declaredInputs(m));
  assert.equal(values.get('y')!.shape, [3, 4]);
  assert.equal(values.get('z')!.shape, [12]);
});

test.run();
