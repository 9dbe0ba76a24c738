// The ONNX reader: models written by the builder (and by hand through onnx-proto, for the typed-field and
// external-data forms) read back with their names, shapes, values and attributes; every dtype; truncated and
// corrupt files fail with one error naming the file; .pb and .npy tensor files round-trip.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { OnnxBuilder } from '../src/onnx/builder.ts';
import { parseOnnx, readOnnxFile } from '../src/onnx/reader.ts';
import { onnx } from '../src/onnx/proto.ts';
import { OnnxFormatError } from '../src/onnx/errors.ts';
import { attrFloat, attrInt, attrInts, attrString, attrTensor } from '../src/onnx/model.ts';
import { f16ToF32, f32ToF16, makeTensor, toFloat32, toIntegers, typedValues, type DType } from '../src/onnx/tensor.ts';
import { decodeNpy, decodeTensorProto, encodeNpy, encodeTensorProto, readTensorFile, writeTensorFile } from '../src/onnx/tensor-files.ts';
import { vgg19Model } from './helpers/onnx-models.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-onnx-reader-'));

function smallModel(): OnnxBuilder {
  return new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', ['N', 4])
    .initializer('w', 'float32', [4, 3], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12])
    .initializer('b', 'float32', [3], [0.5, -0.5, 0.25])
    .node('Gemm', ['x', 'w', 'b'], ['y'], { alpha: 1, beta: 1, transB: 0 }, 'the_gemm')
    .output('y', 'float32', ['N', 3]);
}

test('builder model reads back: opset, inputs, outputs, nodes, attributes, initializer values', () => {
  const m = parseOnnx(smallModel().encode().model, { file: 'small.onnx' });
  assert.is(m.opset, 13);
  assert.is(m.irVersion, 7);
  assert.equal(m.graph.inputs, [{ name: 'x', dtype: 'float32', typeName: 'FLOAT', shape: ['N', 4] }]);
  assert.equal(m.graph.initializerInputs, []);
  assert.equal(m.graph.outputs.map((o) => [o.name, o.shape]), [['y', ['N', 3]]]);
  const [n] = m.graph.nodes;
  assert.is(n.name, 'the_gemm');
  assert.is(n.opType, 'Gemm');
  assert.equal(n.inputs, ['x', 'w', 'b']);
  assert.is(attrFloat(n, 'alpha'), 1);
  assert.is(attrInt(n, 'transB'), 0);
  assert.equal(n.attributes.get('alpha')!.type, 'float');
  assert.equal(Array.from(toFloat32(m.graph.initializers.get('w')!)), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
  assert.equal(m.graph.initializers.get('b')!.dims, [3]);
});

test('raw_data stays a view into the file buffer (no copy of large models)', () => {
  const bytes = Buffer.from(vgg19Model({ width: 1 / 16, size: 32, classes: 10 }).builder.encode().model);
  const m = parseOnnx(bytes, { file: 'vgg.onnx' });
  const w = m.graph.initializers.get('vgg0_dense0_weight')!;
  assert.ok(w.bytes.buffer === bytes.buffer, 'initializer bytes share the file buffer');
  // IR 3 (opset 7) lists every initializer among the inputs, as the zoo's vgg19-7 does.
  assert.is(m.graph.inputs.length, 1);
  assert.is(m.graph.initializerInputs.length, m.graph.initializers.size);
});

test('every dtype round-trips through raw_data, and through the typed fields', () => {
  const cases: [DType, number[]][] = [
    ['float32', [1.5, -2.25, 3e-8, 0]],
    ['float16', [1, -2.5, 0.0009765625, 65504]],
    ['float64', [Math.PI, -1e300, 0, 1]],
    ['int64', [0, -1, 2 ** 40, -(2 ** 52)]],
    ['int32', [0, -1, 2 ** 31 - 1, -(2 ** 31)]],
    ['bool', [1, 0, 0, 1]],
    ['uint8', [0, 255, 7, 128]],
    ['int8', [-128, 127, 0, -1]],
  ];
  for (const [dtype, values] of cases) {
    const t = makeTensor('t', dtype, [2, 2], values);
    const raw = parseOnnx(modelWithInitializer(onnx.TensorProto.create({ name: 't', dims: [2, 2], dataType: code(dtype), rawData: t.bytes })), { file: 'raw.onnx' });
    const fields = parseOnnx(modelWithInitializer(typedFieldProto(dtype, values)), { file: 'typed.onnx' });
    for (const m of [raw, fields]) {
      const back = m.graph.initializers.get('t')!;
      assert.is(back.dtype, dtype);
      assert.equal(back.dims, [2, 2]);
      const expect = dtype === 'bool' ? values.map((v) => (v ? 1 : 0)) : values;
      if (dtype === 'int64' || dtype === 'int32' || dtype === 'bool' || dtype.includes('int')) assert.equal(toIntegers(back), expect, dtype);
      else assert.equal(Array.from(toFloat32(back)), expect.map((v) => Math.fround(v)), dtype);
    }
  }
});

test('float16 conversion: exact values, rounding to nearest even, subnormals, overflow', () => {
  assert.is(f16ToF32(0x3c00), 1);
  assert.is(f16ToF32(0xc000), -2);
  assert.is(f16ToF32(0x0001), 2 ** -24);
  assert.is(f16ToF32(0x7bff), 65504);
  assert.is(f16ToF32(0x7c00), Infinity);
  assert.ok(Number.isNaN(f16ToF32(0x7e00)));
  assert.is(f32ToF16(1 + 2 ** -11), 0x3c00); // halfway rounds to even
  assert.is(f32ToF16(1 + 3 * 2 ** -11), 0x3c02);
  assert.is(f32ToF16(1e6), 0x7c00);
  assert.is(f32ToF16(2 ** -24), 0x0001);
  for (let h = 0; h < 0x7c00; h += 97) assert.is(f32ToF16(f16ToF32(h)), h, `bits ${h}`);
});

test('attributes of every type read back', () => {
  const b = new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', [1])
    .node('Custom', ['x'], ['y'], {
      f: { float: 0.5 }, i: 7, s: 'SAME_UPPER', fs: { floats: [1.5, 2] }, is: [1, -2, 3], ss: ['a', 'b'],
      t: makeTensor('k', 'int64', [2], [4, 5]),
    })
    .output('y', 'float32', [1]);
  const n = parseOnnx(b.encode().model, { file: 'attrs.onnx' }).graph.nodes[0];
  assert.is(attrFloat(n, 'f'), 0.5);
  assert.is(attrInt(n, 'i'), 7);
  assert.is(attrString(n, 's'), 'SAME_UPPER');
  assert.equal(n.attributes.get('fs'), { type: 'floats', value: [1.5, 2] });
  assert.equal(attrInts(n, 'is'), [1, -2, 3]);
  assert.equal(n.attributes.get('ss'), { type: 'strings', value: ['a', 'b'] });
  assert.equal(toIntegers(attrTensor(n, 't')!), [4, 5]);
  assert.throws(() => attrInt(n, 'f'), /attribute f is float, expected int/);
});

test('external data next to the model is read, checked and bounded', async () => {
  const g = vgg19Model({ width: 1 / 16, size: 32, classes: 10 });
  const path = join(dir, 'ext.onnx');
  g.builder.save(path, { externalData: { location: 'ext.onnx.data', threshold: 256 } });
  const m = readOnnxFile(path);
  const w = m.graph.initializers.get('vgg0_dense1_weight')!;
  assert.equal(Array.from(toFloat32(w)), Array.from(g.weights.get('vgg0_dense1_weight')!));
  assert.equal(Array.from(toFloat32(m.graph.initializers.get('vgg0_conv0_bias')!)), Array.from(g.weights.get('vgg0_conv0_bias')!));
  // onnxruntime reads the same layout.
  const s = await ort.InferenceSession.create(path);
  assert.equal(s.outputNames, ['vgg0_dense2_fwd']);
  // A model read from memory cannot resolve external files.
  assert.throws(() => parseOnnx(readFileSync(path), { file: 'mem.onnx' }), (e: Error) => e instanceof OnnxFormatError && /mem\.onnx.*external file 'ext\.onnx\.data'/.test(e.message));
  // Truncated data file.
  const data = readFileSync(join(dir, 'ext.onnx.data'));
  writeFileSync(join(dir, 'ext.onnx.data'), data.subarray(0, data.length - 100));
  assert.throws(() => readOnnxFile(path), (e: Error) => e instanceof OnnxFormatError && /ext\.onnx.*external file 'ext\.onnx\.data' has \d+ bytes/.test(e.message));
  rmSync(join(dir, 'ext.onnx.data'));
  assert.throws(() => readOnnxFile(path), (e: Error) => e instanceof OnnxFormatError && /stored in 'ext\.onnx\.data', which was not found/.test(e.message));
});

test('truncated, corrupt and non-model files give one error naming the file', () => {
  const bytes = vgg19Model({ width: 1 / 16, size: 32, classes: 10 }).builder.encode().model;
  for (const cut of [1, 10, 100, 1000, Math.floor(bytes.length / 2), bytes.length - 300, bytes.length - 7]) {
    assert.throws(() => parseOnnx(bytes.subarray(0, cut), { file: 'cut.onnx' }), (e: Error) => e instanceof OnnxFormatError && /^cut\.onnx: /.test(e.message), `cut at ${cut}`);
  }
  const flipped = Uint8Array.from(bytes);
  for (let i = 0; i < 64; i++) flipped[i * 7] ^= 0xa5;
  assert.throws(() => parseOnnx(flipped, { file: 'flipped.onnx' }), (e: Error) => e instanceof OnnxFormatError && /^flipped\.onnx: /.test(e.message));
  assert.throws(() => parseOnnx(Buffer.from('{"not": "onnx"}'), { file: 'x.json' }), (e: Error) => e instanceof OnnxFormatError && /^x\.json: not/.test(e.message));
  assert.throws(() => parseOnnx(new Uint8Array(), { file: 'empty.onnx' }), /empty\.onnx: not an ONNX model, or truncated: it holds no graph/);
  assert.throws(() => readOnnxFile(join(dir, 'nope.onnx')), /nope\.onnx: cannot read the file/);
});

test('an initializer with its data missing or short is an error naming it', () => {
  const empty = modelWithInitializer(onnx.TensorProto.create({ name: 't', dims: [3, 2], dataType: 1 }));
  assert.throws(() => parseOnnx(empty, { file: 'm.onnx' }), /m\.onnx: tensor 't' \[3,2\] float32 has no data/);
  const short = modelWithInitializer(onnx.TensorProto.create({ name: 't', dims: [3, 2], dataType: 1, rawData: new Uint8Array(20) }));
  assert.throws(() => parseOnnx(short, { file: 'm.onnx' }), /tensor 't' \[3,2\] float32 needs 24 bytes of data but holds 20/);
  const str = modelWithInitializer(onnx.TensorProto.create({ name: 't', dims: [1], dataType: 8, stringData: [Buffer.from('a')] }));
  assert.throws(() => parseOnnx(str, { file: 'm.onnx' }), /tensor 't' has data type STRING, which graft does not read/);
});

test('.pb TensorProto and .npy files round-trip every dtype, and reject bad files', () => {
  const cases: [DType, number[]][] = [['float32', [1.5, -2, 3, 4, 5, 6]], ['int64', [1, 2, 3, -4, 5, 6]], ['int32', [1, -2, 3, 4, 5, 6]], ['bool', [1, 0, 1, 1, 0, 0]], ['float16', [1, 2, 3, 0.5, -1, 0]]];
  for (const [dtype, values] of cases) {
    const t = makeTensor('v', dtype, [2, 3], values);
    const pb = decodeTensorProto(encodeTensorProto(t), 'v.pb');
    const npy = decodeNpy(encodeNpy(t), 'v.npy', 'v');
    for (const back of [pb, npy]) {
      assert.is(back.dtype, dtype);
      assert.equal(back.dims, [2, 3]);
      assert.equal(Array.from(typedValues(back) as ArrayLike<unknown>), Array.from(typedValues(t) as ArrayLike<unknown>));
    }
    writeTensorFile(join(dir, 'v.pb'), t);
    writeTensorFile(join(dir, 'v.npy'), t);
    assert.equal(readTensorFile(join(dir, 'v.pb')).dims, [2, 3]);
    assert.is(readTensorFile(join(dir, 'v.npy'), 'x').name, 'x');
  }
  // A .npy as numpy writes it (header text byte for byte), scalar and 1-D shapes.
  const header = "{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }";
  const padded = header + ' '.repeat(128 - 10 - header.length - 1) + '\n';
  const npy = Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, padded.length, 0]), Buffer.from(padded, 'latin1'), Buffer.from(new Float32Array([1, 2, 3]).buffer)]);
  assert.equal(Array.from(toFloat32(decodeNpy(npy, 'a.npy'))), [1, 2, 3]);
  assert.throws(() => decodeNpy(npy.subarray(0, npy.length - 1), 'a.npy'), /a\.npy: not a readable \.npy file \(11 data bytes .* needs 12/);
  const fortran = Buffer.from(npy); fortran.write('True ', fortran.indexOf('False'), 'latin1');
  assert.throws(() => decodeNpy(fortran, 'f.npy'), /Fortran-order/);
  const big = Buffer.from(npy); big.write('>f4', big.indexOf('<f4'), 'latin1');
  assert.throws(() => decodeNpy(big, 'b.npy'), /dtype '>f4' is not read/);
  const pb = encodeTensorProto(makeTensor('v', 'float32', [100], new Float32Array(100)));
  assert.throws(() => decodeTensorProto(pb.subarray(0, pb.length - 10), 'cut.pb'), /cut\.pb: /);
});

// --- helpers

function code(dtype: DType): number {
  return { float32: 1, uint8: 2, int8: 3, uint16: 4, int16: 5, int32: 6, int64: 7, bool: 9, float16: 10, float64: 11, uint32: 12, uint64: 13, bfloat16: 16 }[dtype];
}

/** A TensorProto using the typed repeated fields the ONNX spec assigns to each dtype. */
function typedFieldProto(dtype: DType, values: number[]) {
  const base = { name: 't', dims: [2, 2], dataType: code(dtype) };
  switch (dtype) {
    case 'float32': return onnx.TensorProto.create({ ...base, floatData: values });
    case 'float64': return onnx.TensorProto.create({ ...base, doubleData: values });
    case 'int64': return onnx.TensorProto.create({ ...base, int64Data: values });
    case 'float16': return onnx.TensorProto.create({ ...base, int32Data: values.map(f32ToF16) });
    default: return onnx.TensorProto.create({ ...base, int32Data: values });
  }
}

/** A one-node model (Identity of the initializer) around a hand-made TensorProto. */
function modelWithInitializer(t: ReturnType<typeof onnx.TensorProto.create>): Uint8Array {
  return onnx.ModelProto.encode(onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'g',
      initializer: [t],
      node: [{ opType: 'Identity', input: ['t'], output: ['y'] }],
      output: [{ name: 'y', type: { tensorType: { elemType: t.dataType } } }],
    },
  })).finish();
}

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
