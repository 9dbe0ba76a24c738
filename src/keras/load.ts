// Loading a Keras model saved in the TensorFlow.js layers format from disk, in one call: model.json, its
// weight shards, the parsed topology and the lowered graft description.

import { dirname } from 'node:path';
import { lowerKeras, type LowerOptions } from './lower.ts';
import { modelConfigOf, readModelJson, type ModelJson } from './format.ts';
import { parseTopology, type KerasGraph } from './topology.ts';
import { readWeights, type KerasWeight } from './weights.ts';
import type { GraftModelDesc } from './desc.ts';

export interface KerasModel {
  json: ModelJson;
  graph: KerasGraph;
  /** Every stored weight by manifest name (`layer/weight`), BatchNorm statistics included. */
  weights: Map<string, KerasWeight>;
  desc: GraftModelDesc;
}

/** Number of values stored in the weights (what Keras's `count_params` reports, BatchNorm statistics included). */
export function countKerasParams(weights: Map<string, KerasWeight>): number {
  let n = 0;
  for (const w of weights.values()) n += w.data.length;
  return n;
}

/** Reads `modelJsonPath` and the shards beside it, parses, validates and lowers the model. */
export function loadKerasModel(modelJsonPath: string, opts: LowerOptions = {}): KerasModel {
  const json = readModelJson(modelJsonPath);
  const graph = parseTopology(modelConfigOf(json));
  const weights = readWeights(json.weightsManifest, dirname(modelJsonPath));
  return { json, graph, weights, desc: lowerKeras(graph, weights, opts) };
}
