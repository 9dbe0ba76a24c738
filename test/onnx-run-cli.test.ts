// `npm run onnx -- run` and `-- export` end to end in a child process: TensorProto (.pb) and .npy inputs in,
// one .pb per graph output (float32 values, int64 MaxPool indices, a bool Dropout mask) compared with
// onnxruntime-node; wrong shapes, unsupported operators and missing inputs exit non-zero with one clear line.
// An exported model carries its class names and preprocessing, and `run --image` puts photos through it, printing
// what onnxruntime computes from the same prepared input.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OnnxBuilder } from '../src/onnx/builder.ts';
import { readTensorFile, writeTensorFile } from '../src/onnx/tensor-files.ts';
import { toFloat32, typedValues } from '../src/onnx/tensor.ts';
import { writeSafetensors } from '../src/onnx/safetensors.ts';
import { readOnnxFile } from '../src/onnx/reader.ts';
import { assertClose } from './helpers/close.ts';
import { ortRun, randomInput } from './helpers/onnx-compare.ts';
import { Rng } from '../src/util/rng.ts';
import { imageInputSpec, photosAsInput } from '../src/onnx/image-input.ts';
import { decodeImageFile } from '../src/train/data/decode.ts';
import { topK } from '../src/keras/topk.ts';
import { testGpu } from './helpers/gpu.ts';
import { jpegBytes, pngBytes } from './helpers/data-images.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-onnx-run-cli-'));

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/onnx.ts', ...args], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** Conv -> MaxPool (with Indices) -> Dropout (with mask) -> Add of a second input; three outputs. */
function model(): OnnxBuilder {
  const rng = new Rng(3);
  return new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', ['N', 3, 9, 8])
    .input('bias', 'float32', [1, 4, 1, 1])
    .initializer('w', 'float32', [4, 3, 3, 3], rng.uniformArray(108, -0.5, 0.5))
    .node('Conv', ['x', 'w'], ['c'], { pads: [1, 1, 1, 1] })
    .node('MaxPool', ['c'], ['p', 'idx'], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 })
    .node('Dropout', ['p'], ['d', 'mask'])
    .node('Add', ['d', 'bias'], ['out/y'])
    .output('out/y', 'float32', null)
    .output('idx', 'int64', null)
    .output('mask', 'bool', null);
}

test('run: .pb and .npy inputs, float/int64/bool outputs as .pb equal onnxruntime', async () => {
  const path = join(dir, 'm.onnx');
  const b = model();
  b.save(path);
  const rng = new Rng(8);
  const x = randomInput(rng, 'x', [2, 3, 9, 8]);
  const bias = randomInput(rng, 'bias', [1, 4, 1, 1]);
  writeTensorFile(join(dir, 'x.pb'), x);
  writeTensorFile(join(dir, 'bias.npy'), bias);
  const out = join(dir, 'out');
  const r = cli('run', path, '--input', `x=${join(dir, 'x.pb')}`, '--input', `bias=${join(dir, 'bias.npy')}`, '--out', out);
  assert.is(r.code, 0, r.err);
  assert.equal(readdirSync(out).sort(), ['idx.pb', 'mask.pb', 'out_y.pb']);
  assert.match(r.out, /idx {2}int64 \[2,4,4,4\]/); // ceil mode: 4 columns where floor gives 3
  const want = await ortRun(b.encode().model, { x, bias });
  const y = readTensorFile(join(out, 'out_y.pb'));
  assert.equal(y.dims, [2, 4, 4, 4]);
  assertClose(toFloat32(y), want['out/y'].data as Float32Array, { atol: 1e-5, rtol: 1e-3 }, 'out/y');
  const idx = readTensorFile(join(out, 'idx.pb'));
  assert.is(idx.dtype, 'int64');
  assert.equal(Array.from(typedValues(idx) as BigInt64Array, Number), Array.from(want.idx.data as BigInt64Array, Number));
  const mask = readTensorFile(join(out, 'mask.pb'));
  assert.is(mask.dtype, 'bool');
  assert.equal(Array.from(typedValues(mask) as Uint8Array), Array.from(want.mask.data as Uint8Array, Number));
});

test('run: a wrong input shape, an unsupported operator, a missing input and --help', () => {
  const path = join(dir, 'm2.onnx');
  model().save(path);
  writeTensorFile(join(dir, 'x7.pb'), randomInput(new Rng(1), 'x', [1, 3, 7, 8]));
  writeTensorFile(join(dir, 'b.pb'), randomInput(new Rng(1), 'bias', [1, 4, 1, 1]));
  let r = cli('run', path, '--input', `x=${join(dir, 'x7.pb')}`, '--input', `bias=${join(dir, 'b.pb')}`, '--out', join(dir, 'o2'));
  assert.is(r.code, 1);
  assert.match(r.err, /^error: input 'x': given shape \[1,3,7,8\], the model declares \[N,3,9,8\]\n$/);
  assert.not.ok(existsSync(join(dir, 'o2')), 'nothing written');

  writeTensorFile(join(dir, 'x9.pb'), randomInput(new Rng(1), 'x', [1, 3, 9, 8]));
  r = cli('run', path, '--input', join(dir, 'x9.pb'), '--out', join(dir, 'o3')); // bare FILE: its TensorProto names 'x'
  assert.is(r.code, 1);
  assert.match(r.err, /graph input 'bias' \[1,4,1,1\] was not given/);
  writeTensorFile(join(dir, 'anon.npy'), randomInput(new Rng(1), '', [1, 3, 9, 8]));
  r = cli('run', path, '--input', join(dir, 'anon.npy'), '--out', join(dir, 'o3'));
  assert.is(r.code, 1);
  assert.match(r.err, /the model has 2 inputs \(x, bias\) and the file names none of them; write NAME=FILE/);

  const lrn = join(dir, 'lrn.onnx');
  new OnnxBuilder({ opset: 13 }).input('x', 'float32', [1, 3, 4, 4]).node('Hardmax', ['x'], ['y'], {}, 'hardmax0').output('y', 'float32', null).save(lrn);
  r = cli('run', lrn, '--input', `x=${join(dir, 'x7.pb')}`, '--out', join(dir, 'o4'));
  assert.is(r.code, 1);
  assert.match(r.err, /node 'hardmax0' \(Hardmax\): operator not supported; supported: Conv, Relu/);

  r = cli('run', '--help');
  assert.is(r.code, 0);
  assert.match(r.out, /--input <name=file>/);
  assert.match(r.out, /--out <dir>/);
});

test('export: a stage-1 run folder becomes an ONNX file the run verb executes, on .pb inputs and on photos', async () => {
  const run = join(dir, 'run');
  mkdirSync(join(run, 'stage1'), { recursive: true });
  const rng = new Rng(4);
  const entries = [];
  let cin = 3;
  for (let b = 1; b <= 5; b++) {
    entries.push({ name: `model/block${b}.conv1.weight`, dtype: 'float32' as const, shape: [3, 3, cin, 4], data: rng.uniformArray(36 * cin, -0.3, 0.3) });
    entries.push({ name: `model/block${b}.conv1.bias`, dtype: 'float32' as const, shape: [4], data: rng.uniformArray(4, -0.1, 0.1) });
    cin = 4;
  }
  entries.push({ name: 'model/predictions.weight', dtype: 'float32' as const, shape: [4, 3], data: rng.uniformArray(12) });
  entries.push({ name: 'model/predictions.bias', dtype: 'float32' as const, shape: [3], data: rng.uniformArray(3) });
  writeSafetensors(join(run, 'stage1', 'model.safetensors'), entries, { format: 'graft-weights/1', stage: '1' });
  writeFileSync(join(run, 'results.json'), JSON.stringify({ inputSize: 32, classes: ['cat', 'dog', 'owl'] }));
  const onnxFile = join(dir, 'exported.onnx');
  let r = cli('export', run, '--out', onnxFile);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /input {2}images \[N,3,32,32\] \(RGB pixels in \[0, 255\], times 0\.00392/);
  assert.match(r.out, /classes {2}cat, dog, owl/);
  assert.match(r.out, /-> .*exported\.onnx \(\d+\.\d MB in \d+\.\d s\)/);
  assert.is(readOnnxFile(onnxFile).metadata.get('classes'), '["cat","dog","owl"]');
  assert.is(readOnnxFile(onnxFile).graph.nodes.filter((n) => n.opType === 'MaxPool').length, 4);
  writeTensorFile(join(dir, 'img.pb'), randomInput(new Rng(2), 'images', [1, 3, 32, 32], 0, 1));
  r = cli('run', onnxFile, '--input', join(dir, 'img.pb'), '--out', join(dir, 'o5'));
  assert.is(r.code, 0, r.err);
  const p = toFloat32(readTensorFile(join(dir, 'o5', 'probabilities.pb')));
  assert.is(p.length, 3);
  assert.ok(Math.abs(p[0] + p[1] + p[2] - 1) < 1e-5);

  r = cli('export', join(dir, 'nowhere'), '--out', onnxFile);
  assert.is(r.code, 1);
  assert.match(r.err, /^error: no checkpoint at /);

  // Photos through the exported model: each one's top classes by name, as onnxruntime scores the same input.
  const photos = [join(dir, 'a.jpg'), join(dir, 'b.png')];
  writeFileSync(photos[0], jpegBytes(40, 30, 1));
  writeFileSync(photos[1], pngBytes(25, 35, 2));
  r = cli('run', onnxFile, '--image', photos[0], '--image', photos[1], '--top', '2');
  assert.is(r.code, 0, r.err);
  const exported = readOnnxFile(onnxFile);
  const spec = imageInputSpec(exported);
  const x = await photosAsInput(await testGpu(), spec, photos.map((f) => decodeImageFile(f)));
  const want = (await ortRun(readFileSync(onnxFile), { images: x })).probabilities.data as Float32Array;
  const expected = photos.flatMap((f, n) => {
    const row = want.subarray(3 * n, 3 * n + 3);
    return [f, ...topK(row, 2).map((c) => `  ${row[c].toFixed(4)}  ${['cat', 'dog', 'owl'][c]}`)];
  });
  assert.equal(r.out.trim().split('\n'), expected);

  r = cli('run', onnxFile, '--image', photos[0], '--out', join(dir, 'o6'));
  assert.is(r.code, 1);
  assert.match(r.err, /^error: --image prints the top classes of photos: give it without --input and --out/);
  r = cli('run', onnxFile, '--image', join(dir, 'x.pb'));
  assert.is(r.code, 1);
  assert.match(r.err, /x\.pb/);
  const plain = join(dir, 'plain.onnx');
  model().save(plain);
  r = cli('run', plain, '--image', photos[0]);
  assert.is(r.code, 1);
  assert.match(r.err, /plain\.onnx: no 'preprocessing' metadata says how its input is made from a photo; photos need a model exported by graft/);
});

test('run --image on a classifier graft did not export: the preprocessing and labels given as options', async () => {
  const rng = new Rng(12);
  const path = join(dir, 'plain-classifier.onnx');
  new OnnxBuilder({ opset: 13 })
    .input('pixels', 'float32', ['N', 3, 8, 8])
    .initializer('w', 'float32', [4, 3, 3, 3], rng.uniformArray(108, -0.5, 0.5))
    .initializer('fc', 'float32', [4, 3], rng.uniformArray(12, -2, 2))
    .node('Conv', ['pixels', 'w'], ['c'], { pads: [1, 1, 1, 1] })
    .node('GlobalAveragePool', ['c'], ['g'])
    .node('Flatten', ['g'], ['f'])
    .node('MatMul', ['f', 'fc'], ['logits'])
    .node('Softmax', ['logits'], ['p'], { axis: 1 })
    .output('p', 'float32', null)
    .save(path);
  const photo = join(dir, 'c.jpg');
  writeFileSync(photo, jpegBytes(30, 20, 3));
  writeFileSync(join(dir, 'labels.txt'), 'apple\nbanana\r\ncherry\n\n');
  const r = cli('run', path, '--image', photo, '--colour', 'bgr', '--scale', '1/127.5', '--mean', '1,1,1', '--std', '0.5,0.5,2', '--labels', join(dir, 'labels.txt'), '--top', '3');
  assert.is(r.code, 0, r.err);
  const model = readOnnxFile(path);
  const spec = imageInputSpec(model, { colour: 'BGR', scale: 1 / 127.5, mean: [1, 1, 1], std: [0.5, 0.5, 2], classes: ['apple', 'banana', 'cherry'] });
  assert.is(spec.size, 8, 'the size the input declares');
  const x = await photosAsInput(await testGpu(), spec, [decodeImageFile(photo)]);
  const want = (await ortRun(readFileSync(path), { pixels: x })).p.data as Float32Array;
  const names = ['apple', 'banana', 'cherry'];
  assert.equal(r.out.trim().split('\n'), [photo, ...topK(want, 3).map((c) => `  ${want[c].toFixed(4)}  ${names[c] ?? `class ${c}`}`)]);

  const bad = (args: string[], message: RegExp) => {
    const e = cli('run', path, ...args);
    assert.is(e.code, 1, args.join(' '));
    assert.match(e.err, message, args.join(' '));
  };
  bad(['--image', photo, '--mean', '1,2'], /--mean.*expected three numbers a,b,c, got '1,2'/);
  bad(['--image', photo, '--size', '10'], /--size 10, but its input 'pixels' is 8x8/);
  bad(['--image', photo, '--labels', join(dir, 'missing.txt')], /--labels .*missing\.txt: cannot read it \(ENOENT\)/);
  bad(['--input', join(dir, 'x.pb'), '--out', join(dir, 'o7'), '--std', '1,1,1'], /--size, --colour, --scale, --mean, --std and --labels describe photos: give them with --image/);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
