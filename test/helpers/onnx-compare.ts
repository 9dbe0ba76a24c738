// Runs one ONNX model through graft's runner and through onnxruntime-node on the same inputs and compares
// every graph output: floats within tolerance, integer and bool outputs exactly, shapes and types equal.

import * as assert from 'uvu/assert';
import * as ort from 'onnxruntime-node';
import type { Gpu } from '../../src/gpu/device.ts';
import type { OnnxBuilder } from '../../src/onnx/builder.ts';
import { parseOnnx } from '../../src/onnx/reader.ts';
import { runOnnx } from '../../src/onnx/runner.ts';
import { makeTensor, toFloat32, typedValues, type DType, type OnnxTensor } from '../../src/onnx/tensor.ts';
import type { Rng } from '../../src/util/rng.ts';
import { assertClose, type Tolerance } from './close.ts';

const ORT_TYPE: Partial<Record<DType, ort.Tensor.Type>> = { float32: 'float32', int64: 'int64', int32: 'int32', bool: 'bool', float16: 'float16' };

function toOrt(t: OnnxTensor): ort.Tensor {
  const type = ORT_TYPE[t.dtype];
  if (!type) throw new Error(`no onnxruntime type for ${t.dtype}`);
  const v = typedValues(t);
  return new ort.Tensor(type, (t.dtype === 'bool' ? Uint8Array.from(v as Uint8Array) : v) as never, t.dims);
}

/** onnxruntime-node's outputs for `bytes` on `inputs`. */
export async function ortRun(bytes: Uint8Array, inputs: Record<string, OnnxTensor>): Promise<Record<string, ort.Tensor>> {
  const session = await ort.InferenceSession.create(bytes);
  const feeds: Record<string, ort.Tensor> = {};
  for (const [name, t] of Object.entries(inputs)) feeds[name] = toOrt(t);
  return session.run(feeds);
}

export function randomInput(rng: Rng, name: string, dims: number[], lo = -1, hi = 1): OnnxTensor {
  return makeTensor(name, 'float32', dims, rng.uniformArray(dims.reduce((a, b) => a * b, 1), lo, hi));
}

/** Builds the model, runs both engines, compares every output; returns graft's outputs. */
export async function expectSameAsOrt(
  gpu: Gpu, model: OnnxBuilder | Uint8Array, inputs: Record<string, OnnxTensor>, tol: Tolerance = { atol: 1e-5, rtol: 1e-3 }, what = 'model',
): Promise<Map<string, OnnxTensor>> {
  const bytes = model instanceof Uint8Array ? model : model.encode().model;
  const want = await ortRun(bytes, inputs);
  const got = await runOnnx(gpu, parseOnnx(bytes, { file: what }), inputs);
  assert.equal([...got.keys()].sort(), Object.keys(want).sort(), `${what}: output names`);
  for (const [name, w] of Object.entries(want)) {
    const g = got.get(name)!;
    assert.equal(g.dims, [...w.dims], `${what}: ${name} shape`);
    assert.is(g.dtype === 'float32' ? 'float32' : g.dtype, w.type === 'float32' ? 'float32' : w.type === 'int64' ? 'int64' : w.type === 'bool' ? 'bool' : w.type, `${what}: ${name} type`);
    if (w.type === 'int64' || w.type === 'bool') {
      const gv = Array.from(typedValues(g) as ArrayLike<number | bigint>, Number);
      const wv = Array.from(w.data as ArrayLike<number | bigint>, Number);
      assert.equal(gv, wv, `${what}: ${name} values`);
    } else {
      assertClose(toFloat32(g), w.data as Float32Array, tol, `${what}: ${name}`);
    }
  }
  return got;
}
