// Kill and resume: a run stopped after epoch k and resumed from its checkpoint ends with the same weights as
// an unbroken run, and checkpoints are only ever replaced whole.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { testGpu } from './helpers/gpu.ts';
import { tempDir } from './helpers/data-images.ts';
import { syntheticPhotos } from './helpers/synthetic-study.ts';
import { assertClose } from './helpers/close.ts';
import { prepareData } from '../src/train/data/prepare.ts';
import { benchmarkCnn } from '../src/train/models/benchmark-cnn.ts';
import { fit } from '../src/train/fit.ts';
import { imageSource } from '../src/train/sources.ts';
import { KERAS_2017_AUGMENT, PREPROCESS_UNIT } from '../src/train/augment.ts';
import type { Gpu } from '../src/gpu/device.ts';

async function train(gpu: Gpu, dataDir: string, runDir: string, stopAfterEpochs?: number, resume = false) {
  const data = await prepareData(gpu, { dataDir, runDir, size: 24, seed: 9 });
  const model = benchmarkCnn(gpu, { widths: [4, 4, 8, 8, 8], numClasses: 2, dropout: 0.25, seed: 4 });
  const result = await fit(gpu, {
    title: 'resume test',
    dir: join(runDir, 'stage1'),
    model,
    train: imageSource(gpu, data.cache, data.indices.train, PREPROCESS_UNIT, KERAS_2017_AUGMENT),
    val: imageSource(gpu, data.cache, data.indices.val, PREPROCESS_UNIT, null),
    epochs: 3,
    batchSize: 6,
    microBatch: 4,
    optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9, nesterov: true },
    patience: 10,
    seed: 11,
    resume,
    stopAfterEpochs,
  });
  const weights = await model.stateDict();
  model.release();
  return { result, weights };
}

test('a run killed after epoch 1 and resumed equals an unbroken run', async () => {
  const gpu = await testGpu();
  const dataDir = syntheticPhotos(2, 12, 28);
  const unbroken = await train(gpu, dataDir, tempDir('graft-unbroken-'));
  const runDir = tempDir('graft-killed-');
  const first = await train(gpu, dataDir, runDir, 1);
  assert.is(first.result.finished, false);
  assert.is(first.result.epochs, 1);
  const resumed = await train(gpu, dataDir, runDir, undefined, true);
  assert.is(resumed.result.finished, true);
  assert.is(resumed.result.epochs, 3);
  assert.equal(Object.keys(resumed.weights), Object.keys(unbroken.weights));
  for (const name of Object.keys(unbroken.weights)) {
    assertClose(resumed.weights[name].data, unbroken.weights[name].data, { atol: 1e-6, rtol: 0 }, name);
  }
  assert.equal(
    resumed.result.history.map((h) => h.valLoss),
    unbroken.result.history.map((h) => h.valLoss),
  );
  // Only finished files in the stage folder: no temporary checkpoint left behind.
  assert.equal(readdirSync(join(runDir, 'stage1')).sort(), ['best.safetensors', 'checkpoint.safetensors']);
});

test.run();
