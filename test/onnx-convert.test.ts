// The VGG19 converter and the safetensors weights file. Generated zoo-style models (vgg19-7, vgg19-bn-7 and caffe2
// names; narrow width for speed) convert to graft's names and layouts; a plain NHWC forward pass over the converted
// weights reproduces onnxruntime's output on the original file (which checks HWIO transposition, BN folding and
// fc1's C,H,W -> H,W,C row permutation together). Wrong, truncated and non-VGG files are errors that write nothing.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { vgg19Model, type Vgg19ModelOptions } from './helpers/onnx-models.ts';
import { assertClose } from './helpers/close.ts';
import { convertVgg19, convertVgg19File, fc1FromChw, VGG19_BLOCKS } from '../src/onnx/vgg19-convert.ts';
import { parseSafetensors, readSafetensors, writeSafetensors } from '../src/onnx/safetensors.ts';
import { parseOnnx } from '../src/onnx/reader.ts';
import { onnx } from '../src/onnx/proto.ts';
import { OnnxFormatError, WeightsError } from '../src/onnx/errors.ts';
import { makeTensor, toFloat32, typedValues, type OnnxTensor } from '../src/onnx/tensor.ts';
import { Rng } from '../src/util/rng.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-onnx-convert-'));
const SIZE = 64; // block5 pools to 2x2, so fc1's permutation is exercised
const small = (o: Vgg19ModelOptions = {}) => vgg19Model({ width: 1 / 16, size: SIZE, classes: 10, ...o });

// --- a plain NHWC forward pass over graft's converted VGG19 weights (float64)

function forwardNhwc(w: Map<string, OnnxTensor>, image: Float64Array, size: number, softmax: boolean): Float64Array {
  let x = image; // (H, W, C)
  let side = size;
  let c = 3;
  VGG19_BLOCKS.forEach((n, b) => {
    for (let k = 1; k <= n; k++) {
      const kernel = toFloat32(w.get(`block${b + 1}.conv${k}.weight`)!); // (3, 3, cin, cout)
      const bias = toFloat32(w.get(`block${b + 1}.conv${k}.bias`)!);
      const o = bias.length;
      const y = new Float64Array(side * side * o);
      for (let h = 0; h < side; h++) {
        for (let ww = 0; ww < side; ww++) {
          for (let co = 0; co < o; co++) {
            let s = bias[co];
            for (let kh = 0; kh < 3; kh++) {
              for (let kw = 0; kw < 3; kw++) {
                const ih = h + kh - 1;
                const iw = ww + kw - 1;
                if (ih < 0 || iw < 0 || ih >= side || iw >= side) continue;
                for (let ci = 0; ci < c; ci++) s += x[(ih * side + iw) * c + ci] * kernel[((kh * 3 + kw) * c + ci) * o + co];
              }
            }
            y[(h * side + ww) * o + co] = Math.max(0, s);
          }
        }
      }
      x = y;
      c = o;
    }
    const half = side / 2;
    const p = new Float64Array(half * half * c);
    for (let h = 0; h < half; h++) {
      for (let ww = 0; ww < half; ww++) {
        for (let ci = 0; ci < c; ci++) {
          const at = (dh: number, dw: number) => x[((2 * h + dh) * side + 2 * ww + dw) * c + ci];
          p[(h * half + ww) * c + ci] = Math.max(at(0, 0), at(0, 1), at(1, 0), at(1, 1));
        }
      }
    }
    x = p;
    side = half;
  });
  ['fc1', 'fc2', 'predictions'].forEach((name, j) => {
    const m = toFloat32(w.get(`${name}.weight`)!); // (in, out)
    const bias = toFloat32(w.get(`${name}.bias`)!);
    const out = bias.length;
    const y = new Float64Array(out);
    for (let o = 0; o < out; o++) {
      let s = bias[o];
      for (let i = 0; i < x.length; i++) s += x[i] * m[i * out + o];
      y[o] = j < 2 ? Math.max(0, s) : s;
    }
    x = y;
  });
  if (softmax) {
    const max = Math.max(...x);
    const e = x.map((v) => Math.exp(v - max));
    const sum = e.reduce((a, b) => a + b, 0);
    x = e.map((v) => v / sum);
  }
  return x;
}

async function onnxruntimeOutput(bytes: Uint8Array, input: string, output: string, nchw: Float32Array): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run({ [input]: new ort.Tensor('float32', nchw, [1, 3, SIZE, SIZE]) });
  return out[output].data as Float32Array;
}

const variants: [string, Vgg19ModelOptions, string][] = [
  ['vgg19-7', {}, 'vgg19-7'],
  ['vgg19-bn-7', { batchNorm: true }, 'vgg19-bn-7'],
  ['caffe2', { variant: 'caffe2' }, 'vgg19-caffe2'],
];

for (const [label, opts, variant] of variants) {
  test(`${label}: converted weights reproduce onnxruntime's output through an NHWC forward pass`, async () => {
    const g = small({ ...opts, seed: 7 });
    const src = join(dir, `${label}.onnx`);
    const out = join(dir, `${label}.safetensors`);
    g.builder.save(src);
    const report = convertVgg19File(src, out, { strict: false });
    assert.is(report.variant, variant);
    assert.is(report.tensors, 38);
    const st = readSafetensors(out);
    assert.is(st.metadata.source_sha256, createHash('sha256').update(readFileSync(src)).digest('hex'));
    assert.is(st.metadata.source_variant, variant);
    assert.is(st.metadata.source_file, `${label}.onnx`);
    const pre = JSON.parse(st.metadata.preprocessing);
    assert.is(pre.colour_order, label === 'caffe2' ? 'BGR' : 'RGB');
    assert.equal([...st.tensors.keys()].slice(0, 4), ['block1.conv1.weight', 'block1.conv1.bias', 'block1.conv2.weight', 'block1.conv2.bias']);
    assert.equal(st.tensors.get('block5.conv4.weight')!.dims, [3, 3, 32, 32]);
    assert.equal(st.tensors.get('fc1.weight')!.dims, [2 * 2 * 32, 256]);
    assert.equal(st.tensors.get('predictions.weight')!.dims, [256, 10]);

    const rng = new Rng(11);
    const nchw = rng.uniformArray(3 * SIZE * SIZE, 0, 1);
    const nhwc = new Float64Array(nchw.length);
    for (let ch = 0; ch < 3; ch++) for (let p = 0; p < SIZE * SIZE; p++) nhwc[p * 3 + ch] = nchw[ch * SIZE * SIZE + p];
    const want = await onnxruntimeOutput(readFileSync(src), g.input, g.output, nchw);
    const got = forwardNhwc(st.tensors, nhwc, SIZE, label === 'caffe2');
    assertClose(got, want, { rtol: 1e-3, atol: 1e-5 }, `${label} logits`);
  });
}

test('vgg19-7: conv weights are the OIHW values transposed to HWIO, biases and dense layers carried over', () => {
  const g = small({ seed: 3 });
  const conv = convertVgg19(parseOnnx(g.builder.encode().model, { file: 'v.onnx' }), { strict: false });
  const byName = new Map(conv.entries.map((e) => [e.name, e]));
  const data = (name: string) => {
    const d = byName.get(name)!.data;
    return (typeof d === 'function' ? d() : d) as Float32Array;
  };
  const src = g.weights.get('vgg0_conv2_weight')!; // block2.conv1: (8, 4, 3, 3)
  const hwio = data('block2.conv1.weight');
  for (const [o, i, kh, kw] of [[0, 0, 0, 0], [7, 3, 2, 1], [5, 1, 1, 2]]) {
    assert.is(hwio[((kh * 3 + kw) * 4 + i) * 8 + o], src[((o * 4 + i) * 3 + kh) * 3 + kw]);
  }
  assert.equal(Array.from(data('block3.conv4.bias')), Array.from(g.weights.get('vgg0_conv7_bias')!));
  const fc2 = data('fc2.weight');
  const zooFc2 = g.weights.get('vgg0_dense1_weight')!; // (out, in)
  assert.is(fc2[5 * 256 + 9], zooFc2[9 * 256 + 5]);
});

test('fc1 permutation: NHWC-flattened features times the converted weight equal the zoo product on C,H,W features', () => {
  const rng = new Rng(5);
  const [C, S, out] = [6, 3, 5];
  const zoo = rng.uniformArray(out * C * S * S); // (out, C*S*S)
  const pooled = rng.uniformArray(C * S * S); // (C, S, S), as ONNX's Flatten sees it
  const ours = fc1FromChw(zoo, out, C, S); // (S*S*C, out)
  for (let o = 0; o < out; o++) {
    let want = 0;
    for (let i = 0; i < C * S * S; i++) want += zoo[o * C * S * S + i] * pooled[i];
    let got = 0;
    for (let h = 0; h < S; h++) {
      for (let w = 0; w < S; w++) {
        for (let c = 0; c < C; c++) got += pooled[(c * S + h) * S + w] * ours[((h * S + w) * C + c) * out + o];
      }
    }
    assert.ok(Math.abs(got - want) < 1e-5, `output ${o}: ${got} vs ${want}`);
  }
});

function assertNothingWritten(out: string) {
  assert.not.ok(existsSync(out), `${out} must not exist`);
  assert.equal(readdirSync(dir).filter((f) => f.includes('.tmp-')), [], 'no temporary files left');
}

test('strict mode refuses a model whose shapes are not VGG19 ImageNet, writing nothing', () => {
  const src = join(dir, 'narrow.onnx');
  const out = join(dir, 'narrow.safetensors');
  small().builder.save(src);
  assert.throws(() => convertVgg19File(src, out), (e: Error) => e instanceof WeightsError && /narrow\.onnx: not the VGG19 graft converts: tensor 'vgg0_conv0_weight' has shape \[4,3,3,3\], VGG19 needs \[64,3,3,3\]/.test(e.message));
  assertNothingWritten(out);
});

test('strict mode accepts the real VGG19 ImageNet shapes (checked on dims alone; data is converted lazily)', () => {
  // A 1/16-width model at 224x224, its tensor dims then scaled to full width: conversion checks shapes up front
  // and touches data only when writing, so this exercises the strict checks without 548 MB of weights.
  const m = parseOnnx(vgg19Model({ width: 1 / 16, size: 224, classes: 10 }).builder.encode().model, { file: 'full.onnx' });
  const full = (t: OnnxTensor): number[] => {
    if (t.name === 'vgg0_dense0_weight') return [4096, 25088];
    if (t.name === 'vgg0_dense2_weight') return [1000, 4096];
    if (t.name === 'vgg0_dense2_bias') return [1000];
    return t.dims.map((d) => (d === 3 || d === 1 ? d : d * 16));
  };
  for (const t of m.graph.initializers.values()) t.dims = full(t);
  const conv = convertVgg19(m);
  assert.is(conv.variant, 'vgg19-7');
  assert.is(conv.poolSide, 7);
  assert.is(conv.classes, 1000);
  const shapes = Object.fromEntries(conv.entries.map((e) => [e.name, e.shape]));
  assert.equal(shapes['block1.conv1.weight'], [3, 3, 3, 64]);
  assert.equal(shapes['block3.conv1.weight'], [3, 3, 128, 256]);
  assert.equal(shapes['block5.conv4.weight'], [3, 3, 512, 512]);
  assert.equal(shapes['fc1.weight'], [25088, 4096]);
  assert.equal(shapes['predictions.weight'], [4096, 1000]);
  const parameters = conv.entries.reduce((a, e) => a + e.shape.reduce((p, d) => p * d, 1), 0);
  assert.is(parameters, 143667240); // VGG19's published parameter count
});

test('wrong files, missing tensors and truncated files are errors, and nothing is written', () => {
  const out = join(dir, 'bad.safetensors');
  // Not VGG19 at all.
  const other = join(dir, 'other.onnx');
  writeFileSync(other, onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 7, opsetImport: [{ version: 13 }],
    graph: { node: [{ opType: 'Relu', input: ['x'], output: ['y'] }], input: [{ name: 'x', type: { tensorType: { elemType: 1 } } }], output: [{ name: 'y', type: { tensorType: { elemType: 1 } } }] },
  })).finish());
  assert.throws(() => convertVgg19File(other, out, { strict: false }), /other\.onnx: not the VGG19 graft converts: neither 'vgg0_conv0_weight' .* nor 'conv1_1_w_0' \(caffe2\) is among its tensors/);
  assertNothingWritten(out);

  // A tensor missing (still declared as a graph input, as IR 3 files do, so the graph itself reads).
  const src = join(dir, 'missing.onnx');
  const m = onnx.ModelProto.decode(small().builder.encode().model);
  m.graph!.initializer = (m.graph!.initializer ?? []).filter((t) => t.name !== 'vgg0_conv9_weight');
  writeFileSync(src, onnx.ModelProto.encode(m).finish());
  assert.throws(() => convertVgg19File(src, out, { strict: false }), /missing\.onnx: not the VGG19 graft converts: tensor 'vgg0_conv9_weight' \(block4 conv2 weight\) is missing/);
  assertNothingWritten(out);

  // Wrong layer shape: a classifier that does not read fc2's 256 units.
  const odd = onnx.ModelProto.decode(small().builder.encode().model);
  const t = (odd.graph!.initializer ?? []).find((x) => x.name === 'vgg0_dense2_weight')!;
  t.dims = [20, 128];
  const shape = join(dir, 'shape.onnx');
  writeFileSync(shape, onnx.ModelProto.encode(odd).finish());
  assert.throws(() => convertVgg19File(shape, out, { strict: false }), /shape\.onnx: not the VGG19 graft converts: tensor 'vgg0_dense2_weight' has shape \[20,128\], VGG19 needs \[20,256\]/);
  assertNothingWritten(out);

  // Truncated at several points.
  const full = small().builder.encode().model;
  for (const cut of [50, Math.floor(full.length / 3), full.length - 200]) {
    const cutFile = join(dir, 'cut.onnx');
    writeFileSync(cutFile, full.subarray(0, cut));
    assert.throws(() => convertVgg19File(cutFile, out, { strict: false }), (e: Error) => e instanceof OnnxFormatError && /cut\.onnx: /.test(e.message), `cut at ${cut}`);
    assertNothingWritten(out);
  }
  assert.throws(() => convertVgg19File(join(dir, 'absent.onnx'), out), /absent\.onnx: cannot read the file/);
  assertNothingWritten(out);
});

test('a failure while writing leaves an existing weights file untouched', () => {
  const out = join(dir, 'keep.safetensors');
  writeSafetensors(out, [{ name: 'a', dtype: 'float32', shape: [2], data: new Float32Array([1, 2]) }], { note: 'old' });
  const before = readFileSync(out);
  assert.throws(() => writeSafetensors(out, [
    { name: 'a', dtype: 'float32', shape: [2], data: new Float32Array([3, 4]) },
    { name: 'b', dtype: 'float32', shape: [2], data: () => { throw new Error('conversion failed'); } },
  ]), /conversion failed/);
  assert.equal(readFileSync(out), before);
  assert.equal(readdirSync(dir).filter((f) => f.includes('.tmp-')), []);
});

test('safetensors: round trip of dtypes and metadata, 8-byte alignment, and corrupt files rejected', () => {
  const tensors: OnnxTensor[] = [
    makeTensor('w', 'float32', [2, 3], [1, 2, 3, 4, 5, 6]),
    makeTensor('i', 'int64', [3], [1, -2, 3]),
    makeTensor('m', 'bool', [3], [1, 0, 1]),
    makeTensor('h', 'float16', [2], [0.5, -2]),
    makeTensor('n', 'int32', [1], [7]),
  ];
  const path = join(dir, 't.safetensors');
  writeSafetensors(path, tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.dims, data: t.bytes })), { k: 'v', preprocessing: '{"a":1}' });
  const bytes = readFileSync(path);
  const headerLen = Number(bytes.readBigUInt64LE(0));
  assert.is((8 + headerLen) % 8, 0);
  const back = parseSafetensors(bytes, 't.safetensors');
  assert.equal(back.metadata, { k: 'v', preprocessing: '{"a":1}' });
  assert.equal([...back.tensors.keys()], ['w', 'i', 'm', 'h', 'n']);
  for (const t of tensors) {
    const b = back.tensors.get(t.name)!;
    assert.is(b.dtype, t.dtype);
    assert.equal(b.dims, t.dims);
    assert.equal(Array.from(typedValues(b) as ArrayLike<unknown>), Array.from(typedValues(t) as ArrayLike<unknown>));
  }
  // The header as the format's other readers expect it.
  const header = JSON.parse(bytes.subarray(8, 8 + headerLen).toString());
  assert.equal(header.w, { dtype: 'F32', shape: [2, 3], data_offsets: [0, 24] });
  assert.equal(header.i.dtype, 'I64');
  assert.equal(header.m.dtype, 'BOOL');

  assert.throws(() => parseSafetensors(bytes.subarray(0, bytes.length - 1), 'cut.safetensors'), /cut\.safetensors: not a readable safetensors file \(tensor 'n' ends at byte \d+ of a \d+-byte data section: truncated\)/);
  assert.throws(() => parseSafetensors(bytes.subarray(0, 20), 'cut.safetensors'), /header length \d+ exceeds the file/);
  assert.throws(() => parseSafetensors(bytes.subarray(0, 5), 'tiny.safetensors'), /shorter than the header length field/);
  const garbled = Buffer.from(bytes);
  garbled[9] = 0x7b; // '{{' at the start of the header: not JSON any more
  assert.throws(() => parseSafetensors(garbled, 'g.safetensors'), /g\.safetensors: not a readable safetensors file \(header is not JSON/);
  const extra = Buffer.concat([bytes, Buffer.alloc(4)]);
  assert.throws(() => parseSafetensors(extra, 'x.safetensors'), /4 bytes after the last tensor/);
  assert.throws(() => writeSafetensors(join(dir, 'bad.safetensors'), [{ name: 'a', dtype: 'float32', shape: [3], data: new Float32Array(2) }]), /tensor 'a' has 8 bytes, float32\[3\] needs 12/);
  assertNothingWritten(join(dir, 'bad.safetensors'));
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
