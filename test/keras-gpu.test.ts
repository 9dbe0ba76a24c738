// Imported Keras models on the GPU (src/keras/graph-model.ts) against TensorFlow.js, on small models generated
// here with tfjs-layers: the forward pass (folded BatchNorm, fused ReLU, folded and asymmetric 'same' pads, 7x7
// stride 2, strided 1x1 shortcuts, residual add, pools, Flatten, Dense + softmax) equals tfjs's predict; a model
// cut at a block output gives the same result in two parts; headless models end where tfjs's sub-models do; and
// the weight gradients through a residual add equal tfjs's (tf.variableGrads), with the folded BatchNorm's
// gradients related to the raw kernel's by the BN scale, and trainOnly() leaving frozen layers without any.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertClose } from './helpers/close.ts';
import { testGpu } from './helpers/gpu.ts';
import { Rng } from '../src/util/rng.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { Context } from '../src/graph/context.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { backward } from '../src/graph/backward.ts';
import { loadKerasModel } from '../src/keras/load.ts';
import { KerasGraphModel } from '../src/keras/graph-model.ts';
import { UnsupportedKerasError } from '../src/keras/errors.ts';
import { GraftError } from '../src/gpu/errors.ts';
import { saveTfjsModel, tfjsCpu, tfjsPredict, tf, tfl } from './reference/tfjs-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-keras-gpu-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

type ST = tfl.SymbolicTensor;
const L = tfl.layers;
const numel = (shape: readonly number[]) => shape.reduce((a, b) => a * b, 1);

/** Random weights; BatchNorm scales and variances kept positive and away from 1 so folding is really tested. */
function randomize(model: tfl.LayersModel, rng: Rng): void {
  model.setWeights(
    model.weights.map((w) => {
      const positive = /moving_variance|gamma/.test(w.originalName);
      return tf.tensor(rng.uniformArray(numel(w.shape as number[]), positive ? 0.3 : -0.6, positive ? 2 : 0.6), w.shape as number[]);
    }),
  );
}

/**
 * A residual network with what ResNet50 needs: 7x7 stride 2 'same' (asymmetric pads) on 3 channels, BN folded,
 * padding folded into a max pool and into a conv, a 32-channel conv (the fast kernels), a stride 2 'same' 3x3,
 * a strided 1x1 shortcut without bias, Add, channel counts not multiple of 4 (the plain kernels), pools, dense.
 */
function residualModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [20, 18, 3], name: 'img' });
  let t = L.conv2d({ filters: 8, kernelSize: 7, strides: 2, padding: 'same', name: 'c1' }).apply(x) as ST; // (10, 9, 8)
  t = L.batchNormalization({ name: 'bn1', epsilon: 0.01 }).apply(t) as ST;
  t = L.activation({ activation: 'relu', name: 'r1' }).apply(t) as ST;
  t = L.zeroPadding2d({ padding: 1, name: 'pool_pad' }).apply(t) as ST;
  t = L.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }).apply(t) as ST; // (5, 5, 8)
  t = L.zeroPadding2d({ padding: [[1, 0], [0, 1]], name: 'e_pad' }).apply(t) as ST;
  const e = L.conv2d({ filters: 32, kernelSize: 3, activation: 'relu', name: 'e' }).apply(t) as ST; // (4, 4, 32)
  let a = L.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', name: 'a' }).apply(e) as ST; // (2, 2, 32)
  a = L.batchNormalization({ name: 'a_bn' }).apply(a) as ST;
  a = L.reLU({ name: 'a_relu' }).apply(a) as ST;
  a = L.conv2d({ filters: 36, kernelSize: 1, name: 'a2' }).apply(a) as ST;
  a = L.batchNormalization({ name: 'a2_bn' }).apply(a) as ST;
  let s = L.conv2d({ filters: 36, kernelSize: 1, strides: 2, useBias: false, name: 'short' }).apply(e) as ST;
  s = L.batchNormalization({ name: 'short_bn', scale: false }).apply(s) as ST;
  let y = L.add({ name: 'sum' }).apply([a, s]) as ST;
  y = L.activation({ activation: 'relu', name: 'sum_relu' }).apply(y) as ST; // (2, 2, 36)
  y = L.conv2d({ filters: 5, kernelSize: 3, padding: 'same', activation: 'relu', name: 't' }).apply(y) as ST;
  y = L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'avg' }).apply(y) as ST;
  y = L.globalAveragePooling2d({ name: 'gap' }).apply(y) as ST;
  y = L.dense({ units: 7, activation: 'relu', name: 'd1' }).apply(y) as ST;
  y = L.dense({ units: 4, activation: 'softmax', name: 'd2' }).apply(y) as ST;
  return tfl.model({ inputs: x, outputs: y, name: 'gpu_resnet' });
}

/** Sequential, VGG-like: convs, max pool, Flatten (H, W, C order) and a softmax classifier. */
function flattenModel(): tfl.LayersModel {
  const m = tfl.sequential({ name: 'gpu_seq' });
  m.add(L.conv2d({ inputShape: [9, 8, 2], filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', name: 'v1' }));
  m.add(L.conv2d({ filters: 12, kernelSize: 3, padding: 'same', activation: 'relu', name: 'v2' }));
  m.add(L.maxPooling2d({ poolSize: 2, name: 'vpool' }));
  m.add(L.flatten({ name: 'vflat' }));
  m.add(L.dense({ units: 6, activation: 'softmax', name: 'vout' }));
  return m;
}

let saved = 0;
/** Randomizes, saves and imports a tfjs model; returns the description and the tfjs model. */
async function roundTrip(model: tfl.LayersModel, seed: number) {
  await tfjsCpu();
  randomize(model, new Rng(seed));
  const file = await saveTfjsModel(model, join(dir, `m${saved++}`), 300);
  return loadKerasModel(file);
}

/** Runs `model` on `x` without gradients and reads the result. */
async function gpuRun(model: KerasGraphModel, x: Float32Array, shape: number[]): Promise<Float32Array> {
  const gpu = await testGpu();
  const ctx = new Context(gpu, { grad: false });
  const input = Tensor.from(gpu, shape, x);
  const y = model.forward(input, ctx);
  const out = (await y.value.read()) as Float32Array;
  assert.is(ctx.liveCount, 1, 'inference frees every intermediate but the output');
  ctx.dispose();
  input.release();
  return out;
}

test('a residual network runs on the GPU like tfjs (batch 3)', async () => {
  const gpu = await testGpu();
  const tfModel = residualModel();
  const { desc } = await roundTrip(tfModel, 11);
  const c1 = desc.nodes.find((n) => n.name === 'c1')!;
  assert.equal(c1.op === 'conv2d' && c1.attrs.pads, [2, 2, 3, 3], "7x7 stride 2 'same' on 20x18: asymmetric pads");
  const model = new KerasGraphModel(gpu, desc);
  const names = model.namedParameters().map(([n]) => n);
  assert.equal(names, ['c1', 'e', 'a', 'a2', 'short', 't', 'd1', 'd2'].flatMap((n) => [`${n}.weight`, `${n}.bias`]));
  assert.is(model.countParameters() > 0, true);
  const x = new Rng(12).uniformArray(3 * 20 * 18 * 3, -2, 2);
  const want = await tfjsPredict(tfModel, x, [3, 20, 18, 3]);
  const got = await gpuRun(model, x, [3, 20, 18, 3]);
  assertClose(got, want, { atol: 1e-5, rtol: 1e-4 }, 'GPU vs tfjs probabilities');
  model.release();
});

test('a Sequential model with Flatten runs on the GPU like tfjs (batch 2)', async () => {
  const gpu = await testGpu();
  const tfModel = flattenModel();
  const { desc } = await roundTrip(tfModel, 13);
  const model = new KerasGraphModel(gpu, desc);
  const x = new Rng(14).uniformArray(2 * 9 * 8 * 2, -1, 1);
  assertClose(await gpuRun(model, x, [2, 9, 8, 2]), await tfjsPredict(tfModel, x, [2, 9, 8, 2]), { atol: 1e-5, rtol: 1e-4 }, 'GPU vs tfjs');
  model.release();
});

test('cut at a block output, the two parts give the whole; headless models end where tfjs sub-models do', async () => {
  const gpu = await testGpu();
  const tfModel = residualModel();
  const { desc } = await roundTrip(tfModel, 15);
  const x = new Rng(16).uniformArray(2 * 20 * 18 * 3, -2, 2);
  const whole = new KerasGraphModel(gpu, desc);
  const front = new KerasGraphModel(gpu, desc, { until: 'sum_relu' });
  const tail = new KerasGraphModel(gpu, desc, { from: 'sum_relu' });
  assert.equal(front.outputShape, [2, 2, 36]);
  assert.equal(tail.inputShape, [2, 2, 36]);
  assert.ok(front.namedParameters().every(([n]) => !n.startsWith('t.') && !n.startsWith('d')), 'the front holds no weight after the cut');
  assert.equal(tail.namedParameters().map(([n]) => n.split('.')[0]), ['t', 't', 'd1', 'd1', 'd2', 'd2']);
  const features = await gpuRun(front, x, [2, 20, 18, 3]);
  const viaTail = await gpuRun(tail, features, [2, 2, 2, 36]);
  const direct = await gpuRun(whole, x, [2, 20, 18, 3]);
  assertClose(viaTail, direct, { atol: 1e-6, rtol: 1e-5 }, 'front then tail vs whole');
  const sub = (layer: string) => tfl.model({ inputs: tfModel.inputs, outputs: tfModel.getLayer(layer).output as ST });
  assertClose(features, await tfjsPredict(sub('sum_relu'), x, [2, 20, 18, 3]), { atol: 1e-5, rtol: 1e-4 }, 'front vs tfjs sub-model');

  // forwardRange over one model's own weights gives the same split.
  const ctx = new Context(gpu, { grad: false });
  const input = Tensor.from(gpu, [2, 20, 18, 3], x);
  const cut = whole.forwardRange(input, ctx, { until: 'sum_relu' });
  const rest = whole.forwardRange(cut, ctx, { from: 'sum_relu' });
  assertClose(await rest.value.read(), direct, { atol: 1e-6, rtol: 1e-5 }, 'forwardRange parts');
  ctx.dispose();
  input.release();

  const gap = new KerasGraphModel(gpu, desc, { headless: true });
  assert.is(gap.until, 'gap');
  assert.equal(gap.outputShape, [5]);
  assert.ok(gap.namedParameters().every(([n]) => !n.startsWith('d')), 'headless drops the classifier weights');
  assertClose(await gpuRun(gap, x, [2, 20, 18, 3]), await tfjsPredict(sub('gap'), x, [2, 20, 18, 3]), { atol: 1e-5, rtol: 1e-4 }, 'headless gap');
  const conv = new KerasGraphModel(gpu, desc, { headless: 'features' });
  assert.is(conv.until, 'avg');
  assert.equal(conv.outputShape, [2, 2, 5]);
  for (const m of [whole, front, tail, gap, conv]) m.release();
});

test('clear errors: a cut inside a residual block, nodes without a GPU kernel, a wrong input shape', async () => {
  const gpu = await testGpu();
  const { desc } = await roundTrip(residualModel(), 17);
  assert.throws(() => new KerasGraphModel(gpu, desc, { from: 'a', until: 'sum_relu' }), (e: Error) =>
    e instanceof GraftError && /single tensor/.test(e.message) && /img -> c1 -> pool1 -> e -> short -> sum -> sum_relu/.test(e.message),
  );
  assert.throws(() => new KerasGraphModel(gpu, desc, { until: 'nope' }), /until 'nope' is not a node/);
  assert.throws(() => new KerasGraphModel(gpu, desc, { until: 'e', headless: true }), /either headless or until/);
  const model = new KerasGraphModel(gpu, desc, { until: 'e' });
  const ctx = new Context(gpu, { grad: false });
  const bad = Tensor.from(gpu, [1, 18, 20, 3], new Float32Array(18 * 20 * 3));
  assert.throws(() => model.forward(bad, ctx), /input 'img' must be \(N, 20, 18, 3\), got x\[1,18,20,3\]/);
  bad.release();
  model.release();

  // A BatchNormalization after a pool has no conv to fold into: it runs as a per-channel affine map, like tfjs.
  const x = tfl.input({ shape: [6, 6, 2], name: 'in' });
  const p = L.maxPooling2d({ poolSize: 2, name: 'p' }).apply(x) as ST;
  const bn = L.batchNormalization({ name: 'lone_bn' }).apply(p) as ST;
  const lone = tfl.model({ inputs: x, outputs: bn });
  const affine = await roundTrip(lone, 18);
  assert.equal(affine.desc.nodes.map((n) => n.op), ['maxpool', 'affine']);
  const xa = new Rng(23).uniformArray(2 * 6 * 6 * 2, -2, 2);
  const affineModel = new KerasGraphModel(gpu, affine.desc);
  assertClose(await gpuRun(affineModel, xa, [2, 6, 6, 2]), await tfjsPredict(lone, xa, [2, 6, 6, 2]), { atol: 1e-5, rtol: 1e-4 }, 'a lone BatchNormalization vs tfjs');
  affineModel.release();
  // A padding of possibly negative values stays, and has no kernel of its own.
  const x2 = tfl.input({ shape: [6, 6, 2], name: 'in2' });
  const pad = L.zeroPadding2d({ padding: 1, name: 'zpad' }).apply(x2) as ST;
  const gap = L.globalAveragePooling2d({ name: 'g' }).apply(pad) as ST;
  const padded = await roundTrip(tfl.model({ inputs: x2, outputs: gap }), 19);
  assert.throws(() => new KerasGraphModel(gpu, padded.desc), (e: Error) => e instanceof UnsupportedKerasError && /'zpad'/.test(e.message) && /'pad'/.test(e.message));
});

/**
 * conv -> [conv + BN | strided 1x1 conv] -> add -> relu -> GAP -> dense: every weight is reached through the add.
 * 32 channels, so the gradients run the fast (octet) kernels that ResNet50's conv5_x uses.
 */
function gradModel(): tfl.LayersModel {
  const x = tfl.input({ shape: [6, 5, 3], name: 'gx' });
  const c1 = L.conv2d({ filters: 32, kernelSize: 3, padding: 'same', activation: 'relu', name: 'g1' }).apply(x) as ST;
  let b = L.conv2d({ filters: 32, kernelSize: 3, strides: 2, padding: 'same', name: 'gb' }).apply(c1) as ST;
  b = L.batchNormalization({ name: 'gb_bn', epsilon: 0.05 }).apply(b) as ST;
  const s = L.conv2d({ filters: 32, kernelSize: 1, strides: 2, name: 'gs' }).apply(c1) as ST;
  let y = L.add({ name: 'gadd' }).apply([b, s]) as ST;
  y = L.activation({ activation: 'relu', name: 'grelu' }).apply(y) as ST;
  y = L.globalAveragePooling2d({ name: 'ggap' }).apply(y) as ST;
  y = L.dense({ units: 3, name: 'gout' }).apply(y) as ST;
  return tfl.model({ inputs: x, outputs: y, name: 'grad_model' });
}

test('weight gradients through a residual add equal tfjs (folded BN: d kernel = d folded * scale)', async () => {
  const gpu = await testGpu();
  const tfModel = gradModel();
  const { desc, weights } = await roundTrip(tfModel, 21);
  const rng = new Rng(22);
  const N = 2;
  const x = rng.uniformArray(N * 6 * 5 * 3, -1, 1);
  const r = rng.uniformArray(N * 3, -1, 1); // loss = sum(out * r)

  // tfjs: gradients of the same loss with respect to every trainable variable.
  const vars = tfModel.trainableWeights.map((w) => (w as unknown as { val: tf.Variable }).val);
  const xt = tf.tensor(x, [N, 6, 5, 3]);
  const rt = tf.tensor(r, [N, 3]);
  const { grads } = tf.variableGrads(() => tf.sum(tf.mul(tfModel.apply(xt) as tf.Tensor, rt)) as tf.Scalar, vars);
  const tfGrad = new Map<string, Float32Array>();
  tfModel.trainableWeights.forEach((w, i) => tfGrad.set(w.originalName, grads[vars[i].name].dataSync() as Float32Array));

  const run = async (model: KerasGraphModel) => {
    for (const p of model.parameters()) p.releaseGrad(); // gradients accumulate across backward calls
    const ctx = new Context(gpu);
    const input = Tensor.from(gpu, [N, 6, 5, 3], x);
    const out = model.forward(input, ctx);
    const dout = GpuTensor.from(gpu, [N, 3], r);
    backward(out, dout);
    const got = new Map<string, Float32Array | null>();
    for (const [name, p] of model.namedParameters()) got.set(name, p.grad ? ((await p.grad.read()) as Float32Array) : null);
    assert.is(input.grad, null, 'the input needs no gradient');
    dout.release();
    ctx.dispose();
    input.release();
    return got;
  };

  const model = new KerasGraphModel(gpu, desc);
  const got = await run(model);
  const tol = { atol: 1e-5, rtol: 1e-3 };
  for (const name of ['g1', 'gs', 'gout']) {
    assertClose(got.get(`${name}.weight`)!, tfGrad.get(`${name}/kernel`)!, tol, `${name} kernel gradient`);
    assertClose(got.get(`${name}.bias`)!, tfGrad.get(`${name}/bias`)!, tol, `${name} bias gradient`);
  }
  // gb's weight and bias are folded: w' = kernel * s and b' = bias * s + shift with s = gamma / sqrt(var + eps).
  const W = (n: string) => weights.get(n)!.data;
  const scale = Array.from(W('gb_bn/gamma'), (g, o) => g / Math.sqrt(W('gb_bn/moving_variance')[o] + 0.05));
  const dw = got.get('gb.weight')!;
  const db = got.get('gb.bias')!;
  assertClose(Array.from(dw, (v, i) => v * scale[i % 32]), tfGrad.get('gb/kernel')!, tol, 'raw kernel gradient from the folded one');
  assertClose(Array.from(db, (v, o) => v * scale[o]), tfGrad.get('gb/bias')!, tol, 'raw bias gradient from the folded one');
  assertClose(db, tfGrad.get('gb_bn/beta')!, tol, 'BN beta gradient = folded bias gradient');
  assert.ok(Math.max(...Array.from(tfGrad.get('gs/kernel')!, Math.abs)) > 1e-3, 'the shortcut gets a real gradient');

  // Freezing everything but the BN-folded branch: only its gradients, unchanged.
  assert.equal(model.trainOnly(['gb_bn']), ['gb']);
  const frozen = await run(model);
  for (const [name, g] of frozen) {
    if (name.startsWith('gb.')) assertClose(g!, got.get(name)!, { atol: 1e-6, rtol: 1e-5 }, `${name} with the rest frozen`);
    else assert.is(g, null, `${name} is frozen: no gradient`);
  }
  xt.dispose();
  rt.dispose();
  model.release();
});

test.run();
