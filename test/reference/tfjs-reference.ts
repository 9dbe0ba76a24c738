// TensorFlow.js as the reference for the Keras importer: loads a layers-format model.json (and its shards) with
// @tensorflow/tfjs-layers on the pure-JS CPU backend in Node, runs predict, and saves tfjs-built models to disk
// in the same format so tests can generate small models to import.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import type { ModelJson } from '../../src/keras/format.ts';

export { tf, tfl };

let ready: Promise<boolean> | undefined;

/** Selects the CPU backend once (tfjs otherwise warns and picks whatever registered first). */
export function tfjsCpu(): Promise<boolean> {
  ready ??= tf.setBackend('cpu');
  return ready;
}

/**
 * Loads `modelJsonPath` with tfjs-layers through an in-memory IOHandler (Node has no file:// loader without
 * tfjs-node). `inputShape` replaces the input layer's (H, W, C), e.g. to run a 224x224 model on a small image.
 */
export async function loadTfjsModel(modelJsonPath: string, inputShape?: number[]): Promise<tfl.LayersModel> {
  await tfjsCpu();
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as ModelJson;
  const dir = dirname(modelJsonPath);
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const shards = json.weightsManifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))));
  const weightData = new Uint8Array(shards.reduce((n, s) => n + s.byteLength, 0));
  let at = 0;
  for (const s of shards) {
    weightData.set(s, at);
    at += s.byteLength;
  }
  const topology = json.modelTopology as Record<string, any>;
  if (inputShape) {
    const config = topology.model_config ?? topology;
    const input = config.config.layers.find((l: { class_name: string }) => l.class_name === 'InputLayer');
    input.config.batch_input_shape = [null, ...inputShape];
  }
  const handler = tf.io.fromMemory({ modelTopology: topology, weightSpecs: specs as tf.io.WeightsManifestEntry[], weightData: weightData.buffer });
  return tfl.loadLayersModel(handler);
}

/** predict() on a batch (N, ...inputShape) given as a flat array; returns the flat output. */
export async function tfjsPredict(model: tfl.LayersModel, input: ArrayLike<number>, shape: number[]): Promise<Float32Array> {
  await tfjsCpu();
  const x = tf.tensor(Float32Array.from(input), shape);
  const y = model.predict(x) as tf.Tensor;
  const out = (await y.data()) as Float32Array;
  x.dispose();
  y.dispose();
  return out;
}

/**
 * Saves a tfjs-layers model as `dir/model.json` plus shards of at most `shardBytes` bytes (small shards make
 * weights straddle shard boundaries, as in real converted models). Returns the model.json path.
 */
export async function saveTfjsModel(model: tfl.LayersModel, dir: string, shardBytes = 4 << 20): Promise<string> {
  mkdirSync(dir, { recursive: true });
  let artifacts: tf.io.ModelArtifacts | undefined;
  await model.save({
    save: async (a: tf.io.ModelArtifacts) => {
      artifacts = a;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    },
  });
  const data = new Uint8Array(tf.io.CompositeArrayBuffer.join(artifacts!.weightData!)); // one buffer, or a list of them
  const paths: string[] = [];
  const count = Math.max(1, Math.ceil(data.byteLength / shardBytes));
  for (let i = 0; i < count; i++) {
    const path = `group1-shard${i + 1}of${count}.bin`;
    writeFileSync(join(dir, path), data.subarray(i * shardBytes, (i + 1) * shardBytes));
    paths.push(path);
  }
  const json = {
    format: 'layers-model',
    generatedBy: artifacts!.generatedBy,
    convertedBy: artifacts!.convertedBy,
    modelTopology: artifacts!.modelTopology,
    weightsManifest: [{ paths, weights: artifacts!.weightSpecs }],
  };
  const file = join(dir, 'model.json');
  writeFileSync(file, JSON.stringify(json));
  return file;
}
