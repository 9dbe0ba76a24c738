// The Keras importer end to end on small models generated here with tfjs-layers (saved as model.json plus
// deliberately tiny shards, so weights straddle shard boundaries): the CPU forward of the lowered description
// must equal TensorFlow.js's predict, and the description must show the expected folding and explicit pads.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { assertClose } from './helpers/close.ts';
import { Rng } from '../src/util/rng.ts';
import { loadKerasModel, countKerasParams } from '../src/keras/load.ts';
import type { GraftNode } from '../src/keras/desc.ts';
import { forwardDesc } from './reference/keras-forward.ts';
import { saveTfjsModel, tfjsCpu, tfjsPredict, tf, tfl } from './reference/tfjs-reference.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-keras-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

/** Random weights; BatchNorm scales and variances kept positive and away from 1 so folding is really tested. */
function randomize(model: tfl.LayersModel, rng: Rng): void {
  model.setWeights(
    model.weights.map((w) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const positive = /moving_variance|gamma/.test(w.originalName);
      return tf.tensor(rng.uniformArray(n, positive ? 0.3 : -0.6, positive ? 2 : 0.6), w.shape as number[]);
    }),
  );
}

const byName = (nodes: GraftNode[], name: string) => {
  const node = nodes.find((n) => n.name === name);
  assert.ok(node, `node ${name} in ${nodes.map((n) => n.name)}`);
  return node!;
};

/** A residual network using every supported layer: folded and explicit pads, both BN cases, Add, pools. */
function residualModel(): tfl.LayersModel {
  const L = tfl.layers;
  const x = tfl.input({ shape: [23, 21, 3], name: 'img' });
  const p0 = L.zeroPadding2d({ padding: [[1, 2], [2, 1]], name: 'pad0' }).apply(x) as tfl.SymbolicTensor;
  const c1 = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'c1' }).apply(p0) as tfl.SymbolicTensor; // (12, 11, 8)
  const b1 = L.batchNormalization({ name: 'bn1', epsilon: 0.01 }).apply(c1) as tfl.SymbolicTensor;
  const r1 = L.activation({ activation: 'relu', name: 'r1' }).apply(b1) as tfl.SymbolicTensor;
  const p1 = L.zeroPadding2d({ padding: 1, name: 'pad1' }).apply(r1) as tfl.SymbolicTensor;
  const m1 = L.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }).apply(p1) as tfl.SymbolicTensor; // (6, 6, 8)
  const a = L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', name: 'a' }).apply(m1) as tfl.SymbolicTensor; // (3, 3, 6)
  const ab = L.batchNormalization({ name: 'a_bn' }).apply(a) as tfl.SymbolicTensor;
  const ar = L.reLU({ name: 'a_relu' }).apply(ab) as tfl.SymbolicTensor;
  const a2 = L.conv2d({ filters: 6, kernelSize: 1, name: 'a2' }).apply(ar) as tfl.SymbolicTensor;
  const a2b = L.batchNormalization({ name: 'a2_bn', center: false }).apply(a2) as tfl.SymbolicTensor;
  const s = L.conv2d({ filters: 6, kernelSize: 1, strides: 2, useBias: false, name: 'short' }).apply(m1) as tfl.SymbolicTensor;
  const sb = L.batchNormalization({ name: 'short_bn', scale: false }).apply(s) as tfl.SymbolicTensor;
  const sum = L.add({ name: 'sum' }).apply([a2b, sb]) as tfl.SymbolicTensor;
  const sr = L.activation({ activation: 'relu', name: 'sum_relu' }).apply(sum) as tfl.SymbolicTensor;
  const avg = L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'avg' }).apply(sr) as tfl.SymbolicTensor;
  const bn = L.batchNormalization({ name: 'lone_bn' }).apply(avg) as tfl.SymbolicTensor; // nothing to fold into
  const p2 = L.zeroPadding2d({ padding: 1, name: 'pad2' }).apply(bn) as tfl.SymbolicTensor; // may be negative: kept
  const m2 = L.maxPooling2d({ poolSize: 2, strides: 1, name: 'pool2' }).apply(p2) as tfl.SymbolicTensor; // (4, 4, 6)
  const g = L.globalAveragePooling2d({ name: 'gap' }).apply(m2) as tfl.SymbolicTensor;
  const d1 = L.dense({ units: 5, activation: 'relu', name: 'd1' }).apply(g) as tfl.SymbolicTensor;
  const d2 = L.dense({ units: 4, activation: 'softmax', name: 'd2' }).apply(d1) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: d2, name: 'tiny_resnet' });
}

/** A Sequential model: padding folded into a 'same' conv with its own relu (so the BN after it cannot fold), odd 'same' pooling, Flatten. */
function sequentialModel(): tfl.LayersModel {
  const L = tfl.layers;
  const m = tfl.sequential({ name: 'tiny_seq' });
  m.add(L.zeroPadding2d({ inputShape: [10, 9, 2], padding: [[0, 1], [2, 0]], name: 'spad' }));
  m.add(L.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu', name: 'sc1' }));
  m.add(L.batchNormalization({ name: 'sbn' }));
  m.add(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'spool' }));
  m.add(L.averagePooling2d({ poolSize: [2, 3], strides: [1, 2], padding: 'same', name: 'savg' }));
  m.add(L.flatten({ name: 'flat' }));
  m.add(L.dense({ units: 3, name: 'out' }));
  return m;
}

async function compare(model: tfl.LayersModel, sub: string, seed: number, n: number) {
  await tfjsCpu();
  const rng = new Rng(seed);
  randomize(model, rng);
  const file = await saveTfjsModel(model, join(dir, sub), 100); // 100-byte shards: most weights straddle two
  const imported = loadKerasModel(file);
  const shape = imported.desc.input.shape;
  const x = rng.uniformArray(n * shape.reduce((a, b) => a * b, 1), -2, 2);
  const want = await tfjsPredict(model, x, [n, ...shape]);
  const got = forwardDesc(imported.desc, x, n).get(imported.desc.output)!;
  assertClose(got.data, want, { atol: 1e-5, rtol: 1e-4 }, `${sub}: CPU forward of the description vs tfjs`);
  assert.is(countKerasParams(imported.weights), model.countParams(), 'parameter count');
  return imported;
}

test('a residual network imports and runs like tfjs, with BN folded and pads explicit', async () => {
  const { desc, json } = await compare(residualModel(), 'residual', 1, 3);
  assert.ok(json.weightsManifest[0].paths.length > 10, 'the model was saved over many shards');
  const nodes = desc.nodes;
  assert.equal(
    nodes.map((n) => n.op),
    ['conv2d', 'maxpool', 'conv2d', 'conv2d', 'conv2d', 'add', 'relu', 'avgpool', 'affine', 'pad', 'maxpool', 'gap', 'dense', 'dense', 'softmax'],
  );
  const c1 = byName(nodes, 'c1') as Extract<GraftNode, { op: 'conv2d' }>;
  assert.equal(c1.keras, ['pad0', 'c1', 'bn1', 'r1']);
  assert.equal(c1.attrs.pads, [1, 2, 2, 1], 'ZeroPadding2D ((1,2),(2,1)) as [top,left,bottom,right]');
  assert.ok(c1.attrs.relu);
  const pool1 = byName(nodes, 'pool1') as Extract<GraftNode, { op: 'maxpool' }>;
  assert.equal(pool1.attrs.pads, [1, 1, 1, 1], 'padding after a ReLU folds into the max pool');
  const a = byName(nodes, 'a') as Extract<GraftNode, { op: 'conv2d' }>;
  assert.equal(a.attrs.pads, [0, 0, 1, 1], "'same' 3x3 stride 2 on 6x6 pads only after");
  assert.equal(a.keras, ['a', 'a_bn', 'a_relu']);
  assert.equal(byName(nodes, 'a2').keras, ['a2', 'a2_bn'], 'no ReLU after a2: none fused');
  assert.equal(byName(nodes, 'avg').outShape, [3, 3, 6]);
  assert.equal((byName(nodes, 'avg') as Extract<GraftNode, { op: 'avgpool' }>).attrs.pads, [0, 0, 1, 1]);
  assert.equal((byName(nodes, 'pad2') as Extract<GraftNode, { op: 'pad' }>).attrs.pads, [1, 1, 1, 1], 'padding of possibly negative values stays a node');
  assert.equal(byName(nodes, 'd2/softmax').inputs, ['d2']);
  assert.is(desc.output, 'd2/softmax');
});

test('a Sequential model with Flatten imports and runs like tfjs', async () => {
  const { desc } = await compare(sequentialModel(), 'sequential', 2, 2);
  assert.equal(desc.nodes.map((n) => n.op), ['conv2d', 'affine', 'maxpool', 'avgpool', 'flatten', 'dense']);
  const c = desc.nodes[0] as Extract<GraftNode, { op: 'conv2d' }>;
  assert.ok(c.attrs.relu, "the conv's own relu");
  assert.equal(c.keras, ['spad', 'sc1']);
  // ((0,1),(2,0)) makes 11x11; 'same' for kernel (3,2), strides (2,1) adds (1,1) rows and (0,1) columns.
  assert.equal(c.attrs.pads, [1, 2, 2, 1]);
  assert.equal(c.outShape, [6, 11, 4]);
  assert.equal(desc.nodes[2].outShape, [3, 6, 4]);
});

test('BatchNorm folding gives w*gamma/sqrt(var+eps) and (b-mean)*gamma/sqrt(var+eps)+beta', async () => {
  await tfjsCpu();
  const x = tfl.input({ shape: [5, 4, 3] });
  const c = tfl.layers.conv2d({ filters: 2, kernelSize: 2, name: 'fc' }).apply(x) as tfl.SymbolicTensor;
  const b = tfl.layers.batchNormalization({ name: 'fbn', epsilon: 0.1 }).apply(c) as tfl.SymbolicTensor;
  const model = tfl.model({ inputs: x, outputs: b });
  const rng = new Rng(3);
  randomize(model, rng);
  const imported = await compare(model, 'fold', 4, 2);
  const W = (name: string) => imported.weights.get(name)!.data;
  const [kernel, bias, gamma, beta, mean, variance] = ['fc/kernel', 'fc/bias', 'fbn/gamma', 'fbn/beta', 'fbn/moving_mean', 'fbn/moving_variance'].map(W);
  const conv = imported.desc.nodes[0] as Extract<GraftNode, { op: 'conv2d' }>;
  assert.is(imported.desc.nodes.length, 1);
  const scale = (o: number) => gamma[o] / Math.sqrt(variance[o] + 0.1);
  assertClose(conv.weights.w, Array.from(kernel, (v, i) => v * scale(i % 2)), { atol: 1e-7, rtol: 1e-6 }, 'folded weights');
  assertClose(conv.weights.b, [0, 1].map((o) => (bias[o] - mean[o]) * scale(o) + beta[o]), { atol: 1e-7, rtol: 1e-6 }, 'folded bias');
});

test.run();
