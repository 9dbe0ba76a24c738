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
import { saveTfjsModel, tfjsCpu, tfjsPredict, tfl } from './reference/tfjs-reference.ts';
import { randomize, residualModel, sequentialModel } from './helpers/keras-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-keras-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));

const byName = (nodes: GraftNode[], name: string) => {
  const node = nodes.find((n) => n.name === name);
  assert.ok(node, `node ${name} in ${nodes.map((n) => n.name)}`);
  return node!;
};

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
