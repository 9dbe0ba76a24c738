// The ONNX encoder of model descriptions (src/onnx/export-graph.ts) on small Keras models whose descriptions hold
// every node type: the encoded model, run by onnxruntime-node on NCHW input, must give what the plain CPU forward
// of the description gives on the same images NHWC (test/reference/keras-forward.ts), and so must graft's own ONNX
// runner.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { randomize, residualModel, sequentialModel } from './helpers/keras-models.ts';
import { forwardDesc } from './reference/keras-forward.ts';
import { saveTfjsModel, tfjsCpu, type tfl } from './reference/tfjs-reference.ts';
import { loadKerasModel } from '../src/keras/load.ts';
import type { GraftModelDesc } from '../src/keras/desc.ts';
import { encodeDesc } from '../src/onnx/export-graph.ts';
import { readOnnxFile } from '../src/onnx/reader.ts';
import { runOnnx } from '../src/onnx/runner.ts';
import { makeTensor, toFloat32 } from '../src/onnx/tensor.ts';
import { Rng } from '../src/util/rng.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-export-graph-'));
test.after(() => rmSync(dir, { recursive: true, force: true }));
const N = 3;

/** The description of a tfjs model with random weights, encoded to dir/<name>.onnx. */
async function encoded(model: tfl.LayersModel, name: string, seed: number): Promise<{ desc: GraftModelDesc; file: string }> {
  await tfjsCpu();
  randomize(model, new Rng(seed));
  const { desc } = loadKerasModel(await saveTfjsModel(model, join(dir, name)));
  const file = join(dir, `${name}.onnx`);
  writeFileSync(file, encodeDesc(desc, { opset: 13, inputName: 'x', outputName: 'y', docString: name, metadata: { source: name } }));
  return { desc, file };
}

/** Random images: (N, H, W, C) for the reference and the same values (N, C, H, W) for ONNX. */
function images(desc: GraftModelDesc, seed: number): { nhwc: Float32Array; nchw: Float32Array; dims: number[] } {
  const [h, w, c] = desc.input.shape;
  const nhwc = new Rng(seed).uniformArray(N * h * w * c, -2, 2);
  const nchw = new Float32Array(nhwc.length);
  for (let n = 0; n < N; n++) for (let i = 0; i < h * w; i++) for (let k = 0; k < c; k++) nchw[(n * c + k) * h * w + i] = nhwc[(n * h * w + i) * c + k];
  return { nhwc, nchw, dims: [N, c, h, w] };
}

/**
 * `optimize: false` turns onnxruntime's graph optimizations off: with them, onnxruntime 1.30 folds a zero Pad into
 * the MaxPool after it as if it were the pool's own padding, which never wins a max, and so changes the result
 * wherever a window's real values are all negative (the residual model has exactly that: Pad then MaxPool after
 * an affine BatchNorm). The encoding is right by the ONNX specification; the fold is onnxruntime's.
 */
async function onnxruntime(file: string, nchw: Float32Array, dims: number[], optimize = true): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(file, optimize ? {} : { graphOptimizationLevel: 'disabled' });
  const out = await session.run({ x: new ort.Tensor('float32', nchw, dims) });
  await session.release();
  return out.y.data as Float32Array;
}

async function expectRunner(file: string, nchw: Float32Array, dims: number[], want: ArrayLike<number>): Promise<void> {
  const ours = await runOnnx(await testGpu(), readOnnxFile(file), { x: makeTensor('x', 'float32', dims, nchw) });
  assertClose(toFloat32(ours.get('y')!), want, { atol: 1e-5, rtol: 1e-4 }, 'graft ONNX runner vs the description');
}

test('every node type: conv with folded and explicit pads, pools, Add, affine, Pad, GAP, dense with ReLU and softmax', async () => {
  const { desc, file } = await encoded(residualModel(), 'residual', 1);
  assert.equal(new Set(desc.nodes.map((n) => n.op)), new Set(['conv2d', 'maxpool', 'add', 'relu', 'avgpool', 'affine', 'pad', 'gap', 'dense', 'softmax']));
  const m = readOnnxFile(file);
  assert.is(m.opset, 13);
  assert.equal(m.graph.inputs.map((i) => i.name), ['x']);
  assert.equal(m.graph.outputs.map((o) => o.name), ['y']);
  assert.ok(m.graph.nodes.some((n) => n.opType === 'Pad'), 'the standalone padding is a Pad');
  assert.ok(m.graph.nodes.some((n) => n.opType === 'BatchNormalization'), 'the lone BatchNorm is an affine BatchNormalization');
  const { nhwc, nchw, dims } = images(desc, 2);
  const want = forwardDesc(desc, nhwc, N).get(desc.output)!.data;
  assertClose(await onnxruntime(file, nchw, dims, false), want, { atol: 1e-5, rtol: 1e-4 }, 'onnxruntime vs the description');
  await expectRunner(file, nchw, dims, want);
});

test('Flatten keeps Keras\'s H, W, C order', async () => {
  const { desc, file } = await encoded(sequentialModel(), 'sequential', 3);
  assert.ok(desc.nodes.some((n) => n.op === 'flatten'));
  const { nhwc, nchw, dims } = images(desc, 4);
  const want = forwardDesc(desc, nhwc, N).get(desc.output)!.data;
  assertClose(await onnxruntime(file, nchw, dims), want, { atol: 1e-5, rtol: 1e-4 }, 'onnxruntime vs the description');
  await expectRunner(file, nchw, dims, want);
});

test.run();
