// graft's ONNX runner on VGG19-shaped models laid out like the model zoo's files (test/helpers/onnx-models.ts):
// vgg19-7 (opset 7, Flatten, Gemm transB=1, Dropout), vgg19-bn-7 (BatchNormalization after each conv) and the
// caffe2 variant (Softmax output), narrow and at 64x64 for speed, batch 2; our outputs must equal
// onnxruntime-node's on the same file and input (rtol 1e-3). Then the full-width conv base at 224x224 batch 1.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { kernelRuns, testGpu, withLimits } from './helpers/gpu.ts';
import { vgg19Model, type Vgg19ModelOptions } from './helpers/onnx-models.ts';
import { expectSameAsOrt, randomInput } from './helpers/onnx-compare.ts';
import { parseOnnx } from '../src/onnx/reader.ts';
import { OnnxRunner } from '../src/onnx/runner.ts';
import { OnnxShapeError } from '../src/onnx/errors.ts';
import { toFloat32 } from '../src/onnx/tensor.ts';
import { Rng } from '../src/util/rng.ts';

const variants: [string, Vgg19ModelOptions][] = [
  ['vgg19-7', {}],
  ['vgg19-bn-7', { batchNorm: true }],
  ['caffe2 (opset 9, softmax output)', { variant: 'caffe2' }],
  ['vgg19-7 at opset 13 (Dropout without ratio)', { opset: 13 }],
];

for (const [label, opts] of variants) {
  test(`${label}: narrow VGG19, batch 2, equals onnxruntime`, async () => {
    const gpu = await testGpu();
    const g = vgg19Model({ ...opts, width: 1 / 16, size: 64, classes: 10, batch: 'N', seed: 3 });
    const x = randomInput(new Rng(7), g.input, [2, 3, 64, 64]);
    const live = gpu.pool.stats().liveBytes;
    const out = await expectSameAsOrt(gpu, g.builder, { [g.input]: x }, { atol: 1e-4, rtol: 1e-3 }, label);
    assert.equal(out.get(g.output)!.dims, [2, 10]);
    assert.is(gpu.pool.stats().liveBytes, live, 'every intermediate and constant returned to the pool');
  });
}

test('a batch whose activations pass one storage binding runs in chunks and still equals onnxruntime', async () => {
  // Bindings of 160 KB against narrow VGG19's 64 KB per image in block 1 (64x64 x 4 channels): its convolutions,
  // ReLUs and pools, and the classifier's larger weights, all take their chunked paths, as VGG19 at 224x224 does
  // past 10 images on lavapipe's 128 MiB.
  const real = await testGpu();
  const gpu = withLimits(real, { maxStorageBufferBindingSize: 160 * 1024 });
  const g = vgg19Model({ width: 1 / 16, size: 64, classes: 10, batch: 'N', seed: 4 });
  const x = randomInput(new Rng(8), g.input, [5, 3, 64, 64]);
  const pools = kernelRuns(real, 'maxpool2d');
  const out = await expectSameAsOrt(gpu, g.builder, { [g.input]: x }, { atol: 1e-4, rtol: 1e-3 }, 'vgg19 in chunks');
  assert.equal(out.get(g.output)!.dims, [5, 10]);
  assert.ok(kernelRuns(real, 'maxpool2d') - pools > 5, 'the first pools ran in more than one chunk');
});

test('with onNode the runner reports every node once, in order, after its work, and the outputs do not change', async () => {
  const gpu = await testGpu();
  const g = vgg19Model({ width: 1 / 16, size: 32, classes: 4, batch: 2, seed: 6 });
  const model = parseOnnx(g.builder.encode().model, { file: 'm.onnx' });
  const x = randomInput(new Rng(2), g.input, [2, 3, 32, 32]);
  const runner = new OnnxRunner(gpu, model);
  try {
    const plain = await runner.run({ [g.input]: x });
    const seen: Array<[number, number, string]> = [];
    const reported = await runner.run({ [g.input]: x }, { onNode: (done, total, node) => seen.push([done, total, node.opType]) });
    const n = model.graph.nodes.length;
    assert.equal(seen, model.graph.nodes.map((node, i) => [i + 1, n, node.opType]));
    assert.equal(Array.from(toFloat32(reported.get(g.output)!)), Array.from(toFloat32(plain.get(g.output)!)));
  } finally {
    runner.release();
  }
});

test('a wrong input shape is refused before running, naming the input and both shapes', async () => {
  const gpu = await testGpu();
  const g = vgg19Model({ width: 1 / 16, size: 32, classes: 4, batch: 1 });
  const runner = new OnnxRunner(gpu, parseOnnx(g.builder.encode().model, { file: 'm.onnx' }));
  try {
    await runner.run({ [g.input]: randomInput(new Rng(1), g.input, [1, 3, 40, 40]) });
    assert.unreachable('should refuse');
  } catch (e) {
    assert.instance(e, OnnxShapeError);
    assert.match((e as Error).message, /input 'data': given shape \[1,3,40,40\], the model declares \[1,3,32,32\]/);
  } finally {
    runner.release();
  }
});

test('full-width VGG19 conv base at 224x224, batch 1, equals onnxruntime (slow)', async () => {
  const gpu = await testGpu();
  const g = vgg19Model({ convBaseOnly: true, size: 224, batch: 1, seed: 5 });
  const x = randomInput(new Rng(9), g.input, [1, 3, 224, 224]);
  const t0 = performance.now();
  const out = await expectSameAsOrt(gpu, g.builder, { [g.input]: x }, { atol: 1e-4, rtol: 1e-3 }, 'vgg19 conv base');
  assert.equal(out.get(g.output)!.dims, [1, 512, 7, 7]);
  if (process.env.GRAFT_TEST_VERBOSE === '1') console.log(`vgg19 conv base, ORT + graft: ${(performance.now() - t0).toFixed(0)} ms`);
});

test.run();
