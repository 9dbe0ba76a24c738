// Photos as the input of an image classifier (src/onnx/image-input.ts): an exported model's metadata, or the
// options given for another model, decide the colour order, scale, mean, std and size, and the values land in NCHW
// order; metadata that is missing or malformed, a model with several inputs, and a size the model cannot take are
// refused with a message that says what photos need.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OnnxBuilder } from '../src/onnx/builder.ts';
import { parseOnnx } from '../src/onnx/reader.ts';
import { imageInputSpec, photosAsInput } from '../src/onnx/image-input.ts';
import { toFloat32 } from '../src/onnx/tensor.ts';
import { GraftError } from '../src/gpu/errors.ts';
import type { RgbImage } from '../src/train/data/decode.ts';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';

/** A one-node model (Relu) with the given metadata and inputs. */
function model(metadata: Record<string, string>, inputs = ['images']) {
  const b = new OnnxBuilder({ opset: 13, metadata });
  for (const name of inputs) b.input(name, 'float32', ['N', 3, 8, 8]);
  b.node('Relu', [inputs[0]], ['y']).output('y', 'float32', null);
  return parseOnnx(b.encode().model, { file: 'm.onnx' });
}

/** A w x h photo of one colour. */
const solid = (w: number, h: number, rgb: [number, number, number]): RgbImage => ({
  width: w, height: h, data: Uint8Array.from({ length: w * h * 3 }, (_, i) => rgb[i % 3]),
});

test('RGB scaled to [0, 1] and caffe BGR minus the mean, resized to the model\'s size, NCHW', async () => {
  const gpu = await testGpu();
  const photos = [solid(30, 20, [200, 100, 50]), solid(9, 13, [10, 20, 30])];
  const unit = imageInputSpec(model({ preprocessing: JSON.stringify({ colour_order: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW', size: 8 }) }));
  const x = await photosAsInput(gpu, unit, photos);
  assert.equal(x.dims, [2, 3, 8, 8]);
  const want = (rgb: number[]) => rgb.flatMap((v) => Array<number>(64).fill(v));
  assertClose(toFloat32(x), [...want([200 / 255, 100 / 255, 50 / 255]), ...want([10 / 255, 20 / 255, 30 / 255])], { atol: 1e-6, rtol: 0 }, 'RGB / 255');
  const caffe = imageInputSpec(model({ preprocessing: JSON.stringify({ colour_order: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 2, 4], layout: 'NCHW', size: 8 }) }));
  const y = await photosAsInput(gpu, caffe, photos.slice(0, 1));
  assertClose(toFloat32(y), want([50 - 103.939, (100 - 116.779) / 2, (200 - 123.68) / 4]), { atol: 1e-4, rtol: 0 }, 'BGR minus the mean, over std');
});

test('class names come from the metadata; unusable metadata is refused, saying what photos need', () => {
  const pre = JSON.stringify({ colour_order: 'RGB', scale: 1, mean: [0, 0, 0], std: [1, 1, 1], layout: 'NCHW', size: 8 });
  assert.equal(imageInputSpec(model({ preprocessing: pre, classes: '["cat","dog"]' })).classes, ['cat', 'dog']);
  assert.is(imageInputSpec(model({ preprocessing: pre })).classes, null);
  const refused = (m: ReturnType<typeof model>, why: RegExp) =>
    assert.throws(() => imageInputSpec(m), (e: Error) => e instanceof GraftError && why.test(e.message) && /photos need a model exported by graft/.test(e.message));
  refused(model({}), /m\.onnx: no 'preprocessing' metadata/);
  refused(model({ preprocessing: '{oops' }), /is not JSON/);
  refused(model({ preprocessing: JSON.stringify({ colour_order: 'RGB', scale: 1, mean: [0, 0], std: [1, 1, 1], layout: 'NCHW', size: 8 }) }), /is not graft's/);
  refused(model({ preprocessing: pre }, ['images', 'other']), /it has 2 inputs/);
});

test('given preprocessing: defaults, the declared size, and what a model without one needs', () => {
  const fixed = model({});
  const spec = imageInputSpec(fixed, { mean: [1, 2, 3] });
  assert.equal(spec.preprocess, { colour: 'RGB', scale: 1 / 255, mean: [1, 2, 3], std: [1, 1, 1] });
  assert.is(spec.size, 8);
  assert.is(spec.classes, null);
  const b = new OnnxBuilder({ opset: 13 }).input('img', 'float32', ['N', 3, 'H', 'W']);
  b.node('Relu', ['img'], ['y']).output('y', 'float32', null);
  const open = parseOnnx(b.encode().model, { file: 'open.onnx' });
  assert.throws(() => imageInputSpec(open, { colour: 'BGR' }), (e: Error) => e instanceof GraftError && /open\.onnx: its input 'img' declares no square size; give --size/.test(e.message));
  assert.is(imageInputSpec(open, { size: 32 }).size, 32);
  assert.throws(() => imageInputSpec(fixed, { size: 16 }), (e: Error) => /--size 16, but its input 'images' is 8x8/.test(e.message));
});

test.run();
