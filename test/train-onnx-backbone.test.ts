// `--backbone onnx`: an ONNX CNN as the pretrained base of stages 2-3 (src/train/backbones/onnx.ts). A
// torchvision-shaped ResNet must split before its last stage (layer4), its frozen part and tail giving
// onnxruntime's layer3 and layer4 outputs, with gradients for the tail only; a MobileNetV2 likewise, its tail
// starting at a depthwise convolution, an EfficientNet, its tail holding a squeeze-and-excitation gate, and a
// DenseNet, its tail a dense block; a model with external data must load, its id covering those weights; a
// zoo-shaped VGG19 must split as the study splits VGG19 (block 5's convolutions, its pool left out); and the study's
// stages 2-3 must train on the ResNet and leave a run that `npm run cam` reads.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { tempDir } from './helpers/data-images.ts';
import { ortRun } from './helpers/onnx-compare.ts';
import { densenetModel, mobilenetV2Model, resnetModel, seNetModel, vgg19Model, type GeneratedModel } from './helpers/onnx-models.ts';
import type { Backbone } from '../src/train/backbones/backbone.ts';
import { syntheticPhotos, tinyPreset } from './helpers/synthetic-study.ts';
import { Context, Tensor } from '../src/graph/index.ts';
import { backward } from '../src/graph/backward.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { loadOnnxBackbone } from '../src/train/backbones/onnx.ts';
import { loadBackbone } from '../src/train/backbones/index.ts';
import { PREPROCESS_ONNX_ZOO } from '../src/train/augment.ts';
import { runStudy } from '../src/train/study.ts';
import { makeTensor } from '../src/onnx/tensor.ts';
import { parseOnnx } from '../src/onnx/reader.ts';
import { GraftError } from '../src/gpu/errors.ts';
import { Rng } from '../src/util/rng.ts';

const dir = tempDir('graft-onnx-backbone-');
const resnetFile = join(dir, 'resnet.onnx');
resnetModel({ width: 4, size: 64 }).builder.save(resnetFile);

/** (N, C, H, W) -> (N, H, W, C). */
function nhwc(x: Float32Array, [n, c, h, w]: number[]): Float32Array {
  const out = new Float32Array(x.length);
  for (let i = 0; i < n; i++) for (let y = 0; y < h; y++) for (let z = 0; z < w; z++) for (let k = 0; k < c; k++) out[((i * h + y) * w + z) * c + k] = x[((i * c + k) * h + y) * w + z];
  return out;
}

/**
 * Splits the generated model `m` as a backbone at 64x64: its frozen part must give onnxruntime's tensor `cut` (when
 * named), frozen part then tail onnxruntime's tensor entering the classifier's pool, and backward from the features
 * must reach every tail parameter and no frozen one. `check` looks at the backbone before it is released; returns
 * the tail's node ops (a gate's (1, 1, C) pool as 'gate-pool').
 */
async function splitAndTrain(m: GeneratedModel, name: string, cut: string | null, check: (b: Backbone) => void = () => {}): Promise<string[]> {
  const gpu = await testGpu();
  const file = join(dir, `${name}.onnx`);
  const model = parseOnnx(m.builder.encode().model, { file });
  const end = model.graph.nodes.find((n) => n.name === '/avgpool/GlobalAveragePool')!.inputs[0];
  for (const t of [end, ...(cut ? [cut] : [])]) if (!model.graph.outputs.some((o) => o.name === t)) m.builder.output(t, 'float32', null);
  m.builder.save(file);
  const b = loadOnnxBackbone(gpu, file, 64);
  check(b);
  const frozen = b.frozen as unknown as { outputShape: number[] };
  const tail = b.tail as unknown as { nodes: Array<{ op: string; outShape: number[] }>; outputShape: number[] };
  const dims = [2, 3, 64, 64];
  const x = new Rng(8).uniformArray(dims.reduce((p, d) => p * d, 1), -2, 2);
  const want = await ortRun(readFileSync(file), { input: makeTensor('input', 'float32', dims, x) });
  const ctx = new Context(gpu);
  const mid = b.frozen.forward(Tensor.from(gpu, [2, 64, 64, 3], nhwc(x, dims)), ctx);
  const feats = b.tail.forward(mid, ctx);
  const nchw = ([h, w, c]: number[]) => [2, c, h, w];
  if (cut) assertClose(await mid.value.read(), nhwc(want[cut].data as Float32Array, nchw(frozen.outputShape)), { atol: 1e-4, rtol: 1e-3 }, `${name}: frozen part`);
  assertClose(await feats.value.read(), nhwc(want[end].data as Float32Array, nchw(tail.outputShape)), { atol: 1e-4, rtol: 1e-3 }, `${name}: frozen part, then tail`);
  backward(feats, GpuTensor.from(gpu, feats.shape, new Float32Array(feats.shape.reduce((p, d) => p * d, 1)).fill(1)));
  assert.ok(b.tail.parameters().every((p) => p.grad), `${name}: every tail parameter has a gradient`);
  assert.ok(b.frozen.parameters().every((p) => !p.grad), `${name}: no frozen parameter has one`);
  ctx.dispose();
  const ops = tail.nodes.map((n) => (n.op === 'avgpool' && n.outShape[0] === 1 ? 'gate-pool' : n.op));
  b.release();
  return ops;
}

test('a ResNet splits before layer4: frozen and tail give onnxruntime\'s layer3 and layer4, gradients reach the tail only', async () => {
  const ops = await splitAndTrain(resnetModel({ width: 4, size: 64 }), 'resnet-split', '/layer3/layer3.0/relu_1/Relu_output_0', (b) => {
    assert.is(b.name, 'onnx');
    assert.is(b.weightsId, createHash('sha256').update(readFileSync(join(dir, 'resnet-split.onnx'))).digest('hex'));
    assert.equal(b.preprocess, PREPROCESS_ONNX_ZOO, 'ImageNet normalisation for a file without graft metadata');
    assert.equal((b.frozen as unknown as { outputShape: number[] }).outputShape, [4, 4, 16], 'layer3 at 64 / 16');
    assert.is(b.featureChannels, 32);
    assert.is(b.tailDescription, '_layer4_layer4_0_conv1_Conv.._layer4_layer4_0_relu_1_Relu (3 convolutions)', 'parameter-safe node names');
    assert.is(b.frozen.trainableParameters().length, 0);
    assert.is(b.tail.trainableParameters().length, 6, 'three convolutions, weight and bias (BatchNorm folded in)');
  });
  assert.equal(ops, ['conv2d', 'conv2d', 'conv2d', 'add', 'relu'], 'layer4: two convs, the downsample, the sum, its ReLU');
});

test('a MobileNetV2 splits inside its last stride-2 block: the tail starts at a depthwise conv and trains through it', async () => {
  await splitAndTrain(mobilenetV2Model({ width: 8, size: 64 }), 'mobilenetv2', '/features.10/Clip_output_0', (b) => {
    const first = (b.tail as unknown as { nodes: Array<{ op: string; attrs?: { groups?: number } }> }).nodes[0];
    assert.equal(first.op, 'conv2d');
    assert.is(first.attrs?.groups, 64, "the stride-2 block's depthwise conv, after its expansion (a single-tensor cut at 16x16)");
    assert.equal((b.tail as unknown as { outputShape: number[] }).outputShape, [8, 8, 48]);
  });
});

test('an EfficientNet-shaped model splits likewise; its tail holds a squeeze-and-excitation gate and trains through it', async () => {
  const ops = await splitAndTrain(seNetModel({ kind: 'efficientnet', width: 8, size: 64 }), 'efficientnet', null);
  assert.ok(ops.includes('gate-pool') && ops.includes('mul') && ops.includes('sigmoid'), 'a gate in the tail');
});

test('a DenseNet-shaped model splits after its last transition; its tail (normalisations, concatenations) trains', async () => {
  const ops = await splitAndTrain(densenetModel({ growth: 4, size: 64 }), 'densenet', null);
  assert.equal(ops.filter((o) => o === 'affine').length, 2 + 1, "the last block's two layers' and the final normalisation");
  assert.equal(ops.filter((o) => o === 'concat').length, 2);
});

test('a model whose weights lie in an external data file loads, and those weights are part of its id', async () => {
  const gpu = await testGpu();
  const sub = join(dir, 'external');
  mkdirSync(sub, { recursive: true });
  const file = join(sub, 'resnet-ext.onnx');
  const ids: string[] = [];
  const files: string[] = [];
  for (const seed of [7, 8]) {
    // Every initializer in the data file: the .onnx file holds the graph alone.
    resnetModel({ width: 4, size: 64, seed }).builder.save(file, { externalData: { location: 'resnet-ext.data', threshold: 1 } });
    files.push(readFileSync(file).toString('base64'));
    const b = loadOnnxBackbone(gpu, file, 64);
    ids.push(b.weightsId);
    b.release();
  }
  assert.is(files[0], files[1], 'the two .onnx files are the same bytes');
  assert.is.not(ids[0], ids[1], 'their weights differ, and so do their ids');
});

test('a zoo-shaped VGG19 splits as the study splits VGG19: block 5\'s four convolutions, its pool left out', async () => {
  const gpu = await testGpu();
  const file = join(dir, 'vgg19.onnx');
  vgg19Model({ width: 1 / 16, size: 224, classes: 7 }).builder.save(file);
  // The classifier is sized for 224x224; the backbone runs at 64x64 all the same.
  const b = loadOnnxBackbone(gpu, file, 64);
  const tail = b.tail as unknown as { nodes: { op: string; name: string }[]; inputShape: number[]; outputShape: number[] };
  assert.equal(tail.nodes.map((n) => n.name), ['vgg0_conv12', 'vgg0_conv13', 'vgg0_conv14', 'vgg0_conv15']);
  assert.equal(tail.inputShape, [4, 4, 32], "pool4's output");
  assert.equal(tail.outputShape, [4, 4, 32], "the last conv's, at pool4's resolution");
  b.release();
});

test('--backbone onnx asks for its file; stages 2-3 train on an ONNX ResNet and npm run cam reads the run', async () => {
  const gpu = await testGpu();
  const refused = async (weights: string | undefined, why: RegExp) => {
    const e = await loadBackbone(gpu, 'onnx', weights, 64).then(() => null, (err: Error) => err);
    assert.ok(e instanceof GraftError && why.test(e.message), `${why}: ${e}`);
  };
  await refused(undefined, /--backbone onnx needs the model file: --weights model\.onnx/);
  await refused(join(dir, 'nope.onnx'), /--weights .*nope\.onnx: no such file/);

  const data = syntheticPhotos(3, 24, 40, 1, true);
  const runDir = tempDir('graft-run-');
  const preset = { ...tinyPreset(), inputSize: 64 };
  const backbone = await loadBackbone(gpu, 'onnx', resnetFile, 64);
  assert.ok(!('missing' in backbone));
  const { report } = await runStudy(gpu, { dataDir: data, runDir, preset, stages: [2, 3], seed: 3, resume: false, backbone, kth: false, trainFraction: 0.6, valFraction: 0.2 });
  for (const s of report.stages) {
    if ('skipped' in s) {
      assert.ok(s.stage === 1, `stage ${s.stage} skipped: ${s.skipped}`);
      continue;
    }
    // Chance is 1/3: the classes differ in colour and position, which random convolutions still see.
    assert.ok(s.accuracy >= 0.6, `stage ${s.stage}: test accuracy ${s.accuracy}`);
  }
  const md = readFileSync(join(runDir, 'report.md'), 'utf8');
  assert.match(md, /resnet\.onnx \(ONNX, sha256 [0-9a-f]{12}\), trunk to _layer4_layer4_0_relu_1_Relu/);
  backbone.release();

  writeFileSync(join(runDir, 'run.json'), JSON.stringify({ data, backbone: 'onnx', weights: resnetFile, preset: 'cpu', inputSize: 64, seed: '3', out: runDir }));
  const photo = join(data, 'class1', 'original', 'img0.png');
  const cam = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/cam.ts', '--run', runDir, '--image', photo, '--out', join(runDir, 'overlay.png')], { encoding: 'utf8' });
  assert.is(cam.status, 0, cam.stderr);
  assert.match(cam.stdout, /img0\.png: class\d \d+\.\d%/);
});

test('train:kth with a truncated ONNX backbone fails in one line and makes no run folder', () => {
  const file = join(dir, 'truncated.onnx');
  writeFileSync(file, readFileSync(resnetFile).subarray(0, 4000));
  const data = syntheticPhotos(2, 4, 40, 2, true);
  const out = join(tempDir('graft-run-'), 'never-made');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/train-kth.ts', '--data', data, '--backbone', 'onnx', '--weights', file, '--stages', '2', '--out', out], { encoding: 'utf8' });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /error: .*truncated\.onnx: not a readable ONNX model, truncated or corrupt/);
  assert.not.ok(existsSync(out), 'no run folder is left behind');
});

test.run();
