// ONNX CNNs as trainable model descriptions (src/onnx/import-desc.ts): the description's CPU forward
// (test/reference/keras-forward.ts) and graft's GPU module built from it must equal onnxruntime's output on the same
// input, for a torchvision-shaped ResNet (BatchNorm folded, ReLUs fused, residual sums, names made parameter-safe),
// a MobileNetV2 (depthwise convolutions, ReLU6), an EfficientNet and a MobileNetV3 (SiLU, HardSwish,
// squeeze-and-excitation), a DenseNet (BatchNorm with no Conv before it, concatenations), a zoo-shaped VGG, and a model
// with every other lowering (a Pad folded into a Conv, ceil_mode pools, a padded AveragePool, Flatten of a map
// before a Gemm whose rows must be reordered, MatMul plus bias, Reshape, Dropout, Softmax); the trunk stops at the
// classifier; and what cannot be trained is refused with the node named.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { assertClose } from './helpers/close.ts';
import { testGpu } from './helpers/gpu.ts';
import { ortRun } from './helpers/onnx-compare.ts';
import { densenetModel, mobilenetV2Model, resnetModel, seNetModel, vgg19Model } from './helpers/onnx-models.ts';
import { forwardDesc } from './reference/keras-forward.ts';
import { OnnxBuilder } from '../src/onnx/builder.ts';
import { parseOnnx } from '../src/onnx/reader.ts';
import { onnxToDesc } from '../src/onnx/import-desc.ts';
import { encodeDesc } from '../src/onnx/export-graph.ts';
import { makeTensor } from '../src/onnx/tensor.ts';
import { UnsupportedOnnxError } from '../src/onnx/errors.ts';
import type { GraftModelDesc } from '../src/keras/desc.ts';
import { KerasGraphModel } from '../src/keras/graph-model.ts';
import { Context } from '../src/graph/context.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { Rng } from '../src/util/rng.ts';

const rng = new Rng(11);

/** NCHW values -> NHWC. */
function toNhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) for (let k = 0; k < c; k++) out[((i * h + y) * w + z) * c + k] = x[((i * c + k) * h + y) * w + z];
  return out;
}

/**
 * Imports `bytes` and runs the description on the CPU and, as a graft Module, on the GPU, and onnxruntime on the same
 * input; all three must agree. Returns the description.
 */
async function compare(bytes: Uint8Array, input: string, dims: number[], what: string, tol = { atol: 1e-4, rtol: 1e-3 }): Promise<GraftModelDesc> {
  const model = parseOnnx(bytes, { file: `${what}.onnx` });
  const desc = onnxToDesc(model, {});
  const x = rng.uniformArray(dims.reduce((a, b) => a * b, 1), -1, 1);
  const want = (await ortRun(bytes, { [input]: makeTensor(input, 'float32', dims, x) }))[model.graph.outputs[0].name];
  const nhwc = toNhwc(x, dims);
  const cpu = forwardDesc(desc, nhwc, dims[0]).get(desc.output)!;
  assertClose(cpu.data, want.data as Float32Array, tol, `${what}: description vs onnxruntime`);
  const gpu = await testGpu();
  const net = new KerasGraphModel(gpu, desc);
  const ctx = new Context(gpu, { grad: false });
  const xt = Tensor.from(gpu, [dims[0], ...desc.input.shape], nhwc);
  const y = net.forward(xt, ctx);
  assertClose(await y.value.read(), want.data as Float32Array, tol, `${what}: graft's GPU model vs onnxruntime`);
  ctx.dispose();
  xt.release();
  net.release();
  return desc;
}

test('a torchvision-shaped ResNet imports with BatchNorm folded and ReLUs fused, and runs like onnxruntime', async () => {
  const m = resnetModel({ width: 4, size: 64 });
  const desc = await compare(m.builder.encode().model, 'input', [2, 3, 64, 64], 'resnet');
  const ops = desc.nodes.map((n) => n.op);
  assert.is(ops.filter((o) => o === 'conv2d').length, 1 + 2 * 4 + 3, 'stem, two per block, three downsamples');
  assert.is(ops.filter((o) => o === 'add').length, 4);
  assert.is(ops.filter((o) => o === 'relu').length, 4, "only the residual sums' ReLUs stay nodes");
  const stem = desc.nodes[0];
  assert.equal(stem.keras, ['/conv1/Conv', '/bn1/BatchNormalization', '/relu/Relu'], 'conv, its BatchNorm and ReLU in one node');
  assert.ok(desc.nodes.every((n) => /^[A-Za-z0-9_]+$/.test(n.name)), `parameter-safe names: ${desc.nodes.map((n) => n.name).join(' ')}`);
  assert.equal(desc.nodes.at(-1)!.op, 'dense');
  assert.equal(desc.nodes.at(-1)!.outShape, [10]);
});

test('a MobileNetV2-shaped model (depthwise convolutions, ReLU6 as Clip, inverted residuals) runs like onnxruntime', async () => {
  const m = mobilenetV2Model({ width: 8, size: 64 });
  const desc = await compare(m.builder.encode().model, 'input', [2, 3, 64, 64], 'mobilenetv2');
  const convs = desc.nodes.filter((n): n is Extract<typeof n, { op: 'conv2d' }> => n.op === 'conv2d');
  assert.is(convs.length, 1 + 3 * 5 + 1);
  assert.is(convs.filter((c) => c.attrs.groups === c.attrs.inChannels).length, 5, 'one depthwise conv per block, BatchNorm folded into it');
  assert.is(desc.nodes.filter((n) => n.op === 'clip').length, 1 + 2 * 5 + 1);
  assert.is(desc.nodes.filter((n) => n.op === 'add').length, 3, 'the stride-1 blocks that keep their channels');
});

test('EfficientNet- and MobileNetV3-shaped models (SiLU, HardSwish, squeeze-and-excitation gates) run like onnxruntime', async () => {
  for (const kind of ['efficientnet', 'mobilenetv3'] as const) {
    const desc = await compare(seNetModel({ kind, width: 8, size: 64 }).builder.encode().model, 'input', [2, 3, 64, 64], kind);
    const ops = desc.nodes.map((n) => n.op);
    assert.is(ops.filter((o) => o === 'mul').length, kind === 'efficientnet' ? (1 + 2 * 5 + 1) + 5 + 5 : 5, `${kind}: the gates' products (and SiLU's: stem, two per block, head, one per gate)`);
    // The gates' pools are (1, 1, C) maps for their 1x1 convolutions; only the classifier's pool is a feature vector.
    assert.is(desc.nodes.filter((n) => n.op === 'avgpool' && n.outShape[0] === 1).length, 5);
    assert.is(ops.filter((o) => o === 'gap').length, 1);
    assert.ok(ops.includes(kind === 'efficientnet' ? 'sigmoid' : 'hardswish'));
  }
});

test('a DenseNet-shaped model (BatchNorm before its convolutions, concatenated features) runs like onnxruntime', async () => {
  const desc = await compare(densenetModel({ growth: 4, size: 64 }).builder.encode().model, 'input', [2, 3, 64, 64], 'densenet');
  const ops = desc.nodes.map((n) => n.op);
  // Normalisations of a concatenation, of a transition's input and the last one: no Conv before them to fold into.
  assert.is(ops.filter((o) => o === 'affine').length, 3 * 2 + 2 + 1);
  assert.is(ops.filter((o) => o === 'concat').length, 3 * 2);
});

test('the trunk stops before the classifier, at any input size', async () => {
  const m = resnetModel({ width: 4, size: 64 });
  const bytes = m.builder.encode().model;
  for (const size of [64, 96]) {
    const desc = onnxToDesc(parseOnnx(bytes, { file: 'resnet.onnx' }), { size, trunk: true });
    const last = desc.nodes.find((n) => n.name === desc.output)!;
    assert.is(last.op, 'relu');
    assert.equal(last.outShape, [size / 32, size / 32, 32]);
  }
  // A head of ReduceMean over the map and Squeeze, as converters from TensorFlow write it, is left out too.
  const b = new OnnxBuilder({ opset: 13 });
  b.input('x', 'float32', ['N', 3, 8, 8]);
  b.initializer('w', 'float32', [4, 3, 3, 3], rng.uniformArray(108));
  b.initializer('axes', 'int64', [2], [2, 3]);
  b.initializer('fc', 'float32', [4, 2], rng.uniformArray(8));
  b.node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] }).node('Relu', ['c'], ['r']).node('ReduceMean', ['r'], ['m'], { axes: [2, 3] });
  b.node('Squeeze', ['m', 'axes'], ['s']).node('MatMul', ['s', 'fc'], ['y']).output('y', 'float32', null);
  const tf = onnxToDesc(parseOnnx(b.encode().model, { file: 'tf.onnx' }), { trunk: true });
  assert.equal(tf.nodes.map((n) => n.op), ['conv2d']);
  assert.equal(tf.nodes[0].outShape, [8, 8, 4]);
  // A zoo-shaped VGG whose classifier only fits 32x32 still gives its trunk at 64x64.
  const vgg = vgg19Model({ width: 1 / 16, size: 32, classes: 5 }).builder.encode().model;
  const trunk = onnxToDesc(parseOnnx(vgg, { file: 'vgg.onnx' }), { size: 64, trunk: true });
  assert.equal(trunk.nodes.find((n) => n.name === trunk.output)!.outShape, [2, 2, 32]);
});

test('a zoo-shaped VGG19 (Flatten, Gemm transB=1, Dropout) runs like onnxruntime', async () => {
  const m = vgg19Model({ width: 1 / 16, size: 32, classes: 5, batch: 'N' });
  await compare(m.builder.encode().model, 'data', [2, 3, 32, 32], 'vgg19');
});

test('Pad into Conv, ceil_mode pools, padded AveragePool, Flatten of a map into Gemm, MatMul + bias, Softmax', async () => {
  const b = new OnnxBuilder({ opset: 13 });
  const init = (name: string, dims: number[]) => b.initializer(name, 'float32', dims, rng.uniformArray(dims.reduce((p, d) => p * d, 1), -0.5, 0.5));
  b.input('x', 'float32', [2, 3, 13, 11]);
  init('w1', [6, 3, 3, 3]);
  init('b1', [6]);
  b.initializer('pads', 'int64', [8], [0, 0, 1, 2, 0, 0, 2, 0]);
  b.node('Pad', ['x', 'pads'], ['p'], { mode: 'constant' });
  b.node('Conv', ['p', 'w1', 'b1'], ['c1'], { kernel_shape: [3, 3], strides: [2, 1] }); // (6, 7, 11)
  b.node('Relu', ['c1'], ['r1']);
  b.node('MaxPool', ['r1'], ['m1'], { kernel_shape: [2, 3], strides: [2, 2], ceil_mode: 1 }); // (6, 4, 5)
  b.node('AveragePool', ['m1'], ['a1'], { kernel_shape: [3, 3], strides: [1, 2], pads: [1, 1, 1, 1] }); // (6, 4, 3)
  b.node('Dropout', ['a1'], ['d1']);
  b.node('Flatten', ['d1'], ['f'], { axis: 1 });
  init('g', [72, 9]);
  init('gb', [9]);
  b.node('Gemm', ['f', 'g', 'gb'], ['h'], {});
  b.node('Relu', ['h'], ['hr']);
  init('mw', [9, 4]);
  init('mb', [4]);
  b.node('MatMul', ['hr', 'mw'], ['mm']);
  b.node('Add', ['mm', 'mb'], ['logits']);
  b.initializer('shape', 'int64', [2], [-1, 4]);
  b.node('Reshape', ['logits', 'shape'], ['rs']);
  b.node('Softmax', ['rs'], ['y'], { axis: -1 });
  b.output('y', 'float32', null);
  const desc = await compare(b.encode().model, 'x', [2, 3, 13, 11], 'mixed', { atol: 1e-5, rtol: 1e-4 });
  const conv = desc.nodes.find((n) => n.op === 'conv2d')!;
  assert.equal(conv.op === 'conv2d' && conv.attrs.pads, [1, 2, 2, 0], 'the Pad folded into the Conv');
  assert.equal(desc.nodes.map((n) => n.op), ['conv2d', 'maxpool', 'avgpool', 'flatten', 'dense', 'dense', 'softmax']);
});

test('import then export (src/onnx/export-graph.ts): the re-encoded models give onnxruntime the same outputs', async () => {
  const models = [['resnet', resnetModel({ width: 4, size: 32 })], ['mobilenetv2', mobilenetV2Model({ width: 8, size: 32 })],
    ['efficientnet', seNetModel({ kind: 'efficientnet', size: 32 })], ['mobilenetv3', seNetModel({ kind: 'mobilenetv3', size: 32 })],
    ['densenet', densenetModel({ size: 32 })]] as const;
  for (const [what, m] of models) {
    const bytes = m.builder.encode().model;
    const desc = onnxToDesc(parseOnnx(bytes, { file: `${what}.onnx` }), {});
    const again = encodeDesc(desc, { opset: 13, inputName: 'input', outputName: 'output', docString: '', metadata: {} });
    const x = makeTensor('input', 'float32', [2, 3, 32, 32], rng.uniformArray(2 * 3 * 32 * 32, -1, 1));
    const [a, b] = [await ortRun(bytes, { input: x }), await ortRun(again, { input: x })];
    assertClose(b.output.data as Float32Array, a.output.data as Float32Array, { atol: 1e-4, rtol: 1e-3 }, `${what} round trip`);
    const ops = parseOnnx(again, { file: 'again.onnx' }).graph.nodes.map((n) => n.opType);
    // BatchNorms stay folded into their convolutions; those with none before them (DenseNet's) are the affine maps.
    assert.is(ops.filter((o) => o === 'BatchNormalization').length, desc.nodes.filter((n) => n.op === 'affine').length, 'BatchNorm folded');
    if (what === 'mobilenetv2') assert.ok(ops.includes('Clip'), 'ReLU6 as Clip');
  }
});

test('what cannot be trained is refused with the node named', () => {
  const refuse = (build: (b: OnnxBuilder) => void, why: RegExp) => {
    const b = new OnnxBuilder({ opset: 13 });
    b.input('x', 'float32', [1, 4, 8, 8]);
    b.initializer('w', 'float32', [4, 4, 3, 3], new Float32Array(144));
    b.initializer('s', 'float32', [4], [1, 1, 1, 1]);
    b.initializer('s3', 'float32', [4, 1, 1], [1, 1, 1, 1]);
    build(b);
    b.output('y', 'float32', null);
    assert.throws(() => onnxToDesc(parseOnnx(b.encode().model, { file: 'bad.onnx' }), {}), (e: Error) => e instanceof UnsupportedOnnxError && why.test(e.message), String(why));
  };
  refuse((b) => b.node('AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 }, 'avg'), /node 'avg' \(AveragePool\): count_include_pad=1 with padding/);
  refuse((b) => b.node('Tanh', ['x'], ['y'], {}, 'tanh'), /node 'tanh' \(Tanh\): operator not supported; a trainable graft model takes Conv/);
  refuse((b) => {
    b.node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] });
    b.node('Add', ['c', 's3'], ['y'], {}, 'addconst');
  }, /node 'addconst' \(Add\): an Add of a constant is supported only as the bias after a MatMul/);
  // Graph-level problems from the runner's support table come first, with every node listed.
  refuse((b) => b.node('Conv', ['x', 'w'], ['y'], { dilations: [2, 2] }, 'dilated'), /node 'dilated' \(Conv\): dilations=\[2,2\]/);
});

test.run();
