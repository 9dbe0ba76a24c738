// The Keras importer's validation and weight loading, on hand-written model configs and shards: every refused
// layer or setting is named in the error, weights are cut across shard boundaries and dequantized, and 'same'
// padding follows TensorFlow's asymmetric rule.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseTopology } from '../src/keras/topology.ts';
import { lowerKeras, samePads } from '../src/keras/lower.ts';
import { decodeWeights, type KerasWeight } from '../src/keras/weights.ts';
import { KerasFormatError, UnsupportedKerasError } from '../src/keras/errors.ts';
import type { LayerJson, ModelConfigJson } from '../src/keras/format.ts';

/** A functional model config chaining `layers` after an input of `shape` (H, W, C). */
function chain(shape: number[], ...layers: [string, Record<string, unknown>][]): ModelConfigJson {
  const json: LayerJson[] = [{ name: 'in', class_name: 'InputLayer', config: { name: 'in', batch_input_shape: [null, ...shape] }, inbound_nodes: [] }];
  for (const [cls, config] of layers) {
    json.push({ name: config.name as string, class_name: cls, config, inbound_nodes: [[[json[json.length - 1].name!, 0, 0, {}]]] });
  }
  return { class_name: 'Model', config: { name: 'm', layers: json, input_layers: [['in', 0, 0]], output_layers: [[json[json.length - 1].name!, 0, 0]] } };
}

const conv = (extra: Record<string, unknown> = {}) => ['Conv2D', { name: 'c', filters: 2, kernel_size: [3, 3], strides: [1, 1], padding: 'same', dilation_rate: [1, 1], activation: 'linear', use_bias: true, ...extra }] as [string, Record<string, unknown>];

/** Weights of the right shapes (zeros) for every layer of a config, keyed like the manifest. */
function zeroWeights(entries: [string, number[]][]): Map<string, KerasWeight> {
  return new Map(entries.map(([name, shape]) => [name, { name, shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)) }]));
}

function throwsNaming(fn: () => unknown, type: typeof KerasFormatError, pattern: RegExp) {
  try {
    fn();
  } catch (e) {
    assert.instance(e, type, `error type of: ${(e as Error).message}`);
    assert.match((e as Error).message, pattern);
    return;
  }
  assert.unreachable(`expected an error matching ${pattern}`);
}

test('unsupported layer classes and settings are refused, naming layer and setting', () => {
  throwsNaming(() => parseTopology(chain([8, 8, 3], conv({ dilation_rate: [2, 2] }))), UnsupportedKerasError, /layer 'c' \(Conv2D\), setting dilation_rate = \[2,2\]/);
  throwsNaming(() => parseTopology(chain([8, 8, 3], conv({ activation: 'tanh' }))), UnsupportedKerasError, /layer 'c' \(Conv2D\), setting activation = "tanh".*linear, relu/);
  throwsNaming(() => parseTopology(chain([8, 8, 3], conv({ padding: 'causal' }))), UnsupportedKerasError, /setting padding = "causal"/);
  throwsNaming(() => parseTopology(chain([8, 8, 3], conv({ data_format: 'channels_first' }))), UnsupportedKerasError, /layer 'c' \(Conv2D\), setting data_format/);
  throwsNaming(() => parseTopology(chain([8, 3], ['LSTM', { name: 'lstm_1', units: 4 }])), UnsupportedKerasError, /layer 'lstm_1' \(LSTM\): layer class LSTM is not supported.*Conv2D/);
  throwsNaming(() => parseTopology(chain([8], ['Activation', { name: 'act', activation: 'tanh' }])), UnsupportedKerasError, /layer 'act' \(Activation\), setting activation = "tanh"/);
  throwsNaming(() => parseTopology(chain([8], ['ReLU', { name: 'r6', max_value: 6 }])), UnsupportedKerasError, /layer 'r6' \(ReLU\), setting max_value = 6/);
  throwsNaming(() => parseTopology(chain([8], ['Dense', { name: 'd', units: 2, activation: 'sigmoid' }])), UnsupportedKerasError, /layer 'd' \(Dense\), setting activation = "sigmoid"/);
  throwsNaming(() => parseTopology(chain([8, 8, 3], ['BatchNormalization', { name: 'bn', axis: [1, 2] }])), UnsupportedKerasError, /layer 'bn' \(BatchNormalization\), setting axis/);
  throwsNaming(() => parseTopology({ class_name: 'Bidirectional', config: { layers: [] } }), UnsupportedKerasError, /model class Bidirectional/);
});

test('settings that only shapes reveal are refused when lowering, naming the layer', () => {
  const bn = chain([8, 8, 3], ['BatchNormalization', { name: 'bn', axis: 1 }]);
  const bnWeights = zeroWeights(['gamma', 'beta', 'moving_mean', 'moving_variance'].map((w) => [`bn/${w}`, [3]]));
  throwsNaming(() => lowerKeras(parseTopology(bn), bnWeights), UnsupportedKerasError, /layer 'bn' \(BatchNormalization\), setting axis = 1.*channel axis/);
  const dense3d = chain([4, 4, 3], ['Dense', { name: 'd', units: 2 }]);
  throwsNaming(() => lowerKeras(parseTopology(dense3d), zeroWeights([['d/kernel', [3, 2]], ['d/bias', [2]]])), UnsupportedKerasError, /layer 'd' \(Dense\) on a 3-D input/);
  throwsNaming(() => lowerKeras(parseTopology(chain([null as unknown as number, null as unknown as number, 3], conv())), new Map()), UnsupportedKerasError, /input 'in' has shape \[null,null,3\]/);
});

test('missing or misshapen weights and malformed graphs are format errors naming the weight or layer', () => {
  const model = parseTopology(chain([8, 8, 3], conv()));
  throwsNaming(() => lowerKeras(model, zeroWeights([['c/kernel', [3, 3, 3, 2]]])), KerasFormatError, /weight 'c\/bias' is not in the weights manifest/);
  throwsNaming(() => lowerKeras(model, zeroWeights([['c/kernel', [3, 3, 2, 2]], ['c/bias', [2]]])), KerasFormatError, /weight 'c\/kernel' has shape \[3,3,2,2\], expected \[3,3,3,2\]/);
  const dangling = chain([8, 8, 3], conv());
  (dangling.config as { layers: LayerJson[] }).layers[1].inbound_nodes = [[['nowhere', 0, 0, {}]]];
  throwsNaming(() => parseTopology(dangling), KerasFormatError, /layer 'c' takes input from unknown layer 'nowhere'/);
  const shared = chain([8, 8, 3], conv());
  (shared.config as { layers: LayerJson[] }).layers[1].inbound_nodes!.push([['in', 0, 0, {}]]);
  throwsNaming(() => parseTopology(shared), UnsupportedKerasError, /layer 'c' \(Conv2D\) is called 2 times/);
});

test('a functional graph is sorted topologically whatever the file order', () => {
  const cfg = chain([4, 4, 2], ['Activation', { name: 'a', activation: 'relu' }], ['Activation', { name: 'b', activation: 'linear' }]);
  const layers = (cfg.config as { layers: LayerJson[] }).layers;
  layers.push({ name: 'sum', class_name: 'Add', config: { name: 'sum' }, inbound_nodes: [[['a', 0, 0, {}], ['b', 0, 0, {}]]] });
  layers.reverse();
  (cfg.config as { output_layers: [string, number, number][] }).output_layers = [['sum', 0, 0]];
  const graph = parseTopology(cfg);
  assert.equal(graph.layers.map((l) => l.name), ['in', 'a', 'b', 'sum']);
  const desc = lowerKeras(graph, new Map());
  assert.equal(desc.nodes.map((n) => [n.op, n.inputs]), [['relu', ['in']], ['add', ['a', 'a']]], 'linear activation is no node');
});

test("'same' padding is TensorFlow's: the odd cell goes after", () => {
  assert.equal(samePads(224, 7, 2), [2, 3]);
  assert.equal(samePads(6, 3, 2), [0, 1]);
  assert.equal(samePads(5, 3, 2), [1, 1]);
  assert.equal(samePads(7, 1, 2), [0, 0]);
  assert.equal(samePads(9, 3, 1), [1, 1]);
  assert.equal(samePads(10, 4, 1), [1, 2]);
  assert.equal(samePads(3, 5, 3), [1, 1]);
});

test('weights are cut across shard boundaries and dequantized', () => {
  const f32 = new Float32Array([1.5, -2, 3.25, 4, 5, -6.5, 7]);
  const bytes = new Uint8Array(f32.buffer);
  const u8 = new Uint8Array([0, 10, 255]); // uint8 quantized, scale 0.5, min -1
  const f16 = new Uint8Array(new Uint16Array([0x3c00, 0xc000, 0x3555]).buffer); // 1, -2, ~0.3333
  const all = new Uint8Array([...bytes.subarray(0, 12), ...u8, ...bytes.subarray(12), ...f16]);
  // Shards of 5 bytes: every weight straddles one, and the float32 after the uint8s is unaligned.
  const shards = new Map<string, Uint8Array>();
  for (let i = 0; i * 5 < all.length; i++) shards.set(`s${i}`, all.subarray(i * 5, i * 5 + 5));
  const weights = decodeWeights(
    [
      {
        paths: [...shards.keys()],
        weights: [
          { name: 'a/kernel', shape: [3], dtype: 'float32' },
          { name: 'q/kernel', shape: [3], dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.5, min: -1 } },
          { name: 'b/kernel', shape: [2, 2], dtype: 'float32' },
          { name: 'h/kernel', shape: [3], dtype: 'float32', quantization: { dtype: 'float16' } },
        ],
      },
    ],
    (p) => shards.get(p)!,
  );
  assert.equal(Array.from(weights.get('a/kernel')!.data), [1.5, -2, 3.25]);
  assert.equal(Array.from(weights.get('q/kernel')!.data), [-1, 4, 126.5]);
  assert.equal(Array.from(weights.get('b/kernel')!.data), [4, 5, -6.5, 7]);
  assert.equal(weights.get('b/kernel')!.shape, [2, 2]);
  const h = weights.get('h/kernel')!.data;
  assert.equal([h[0], h[1]], [1, -2]);
  assert.ok(Math.abs(h[2] - 1 / 3) < 1e-3);
  const short = { paths: ['s0'], weights: [{ name: 'a/kernel', shape: [3], dtype: 'float32' }] };
  throwsNaming(() => decodeWeights([short], (p) => shards.get(p)!), KerasFormatError, /weight 'a\/kernel' \[3\] needs bytes 0\.\.12 but shards s0 hold only 5/);
  const long = { paths: ['s0', 's1', 's2'], weights: [{ name: 'a/kernel', shape: [3], dtype: 'float32' }] };
  throwsNaming(() => decodeWeights([long], (p) => shards.get(p)!), KerasFormatError, /hold 15 bytes but the manifest describes 12/);
});

test.run();
