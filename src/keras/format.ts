// The JSON shapes of a TensorFlow.js layers-format model.json (what `tensorflowjs_converter` writes for a
// Keras model, and what tfjs-layers' `model.save` writes), and reading one from disk. Only the fields graft
// reads are typed; everything else passes through as unknown.

import { readFileSync } from 'node:fs';
import { KerasFormatError } from './errors.ts';

/** One reference to a layer output inside `inbound_nodes`: [layerName, nodeIndex, tensorIndex, kwargs]. */
export type InboundRef = [string, number, number, Record<string, unknown>?];

export interface LayerJson {
  name?: string;
  class_name: string;
  config: Record<string, unknown>;
  /** Keras 2 format: one entry per call of the layer, each a list of the tensors it was called on. */
  inbound_nodes?: InboundRef[][];
}

/** A functional model (`Model` or `Functional`) or a `Sequential` one. */
export interface ModelConfigJson {
  class_name: string;
  config: {
    name?: string;
    layers: LayerJson[];
    input_layers?: [string, number, number][];
    output_layers?: [string, number, number][];
  } | LayerJson[];
  keras_version?: string;
  backend?: string;
}

/** One weight in the manifest; `quantization` is present when the converter quantized it. */
export interface WeightSpecJson {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export interface WeightGroupJson {
  paths: string[];
  weights: WeightSpecJson[];
}

export interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  /** Either `{keras_version, backend, model_config}` (converter) or the model config itself (tfjs-layers). */
  modelTopology: ModelConfigJson | { keras_version?: string; backend?: string; model_config: ModelConfigJson };
  weightsManifest: WeightGroupJson[];
}

/** The model config inside a model.json, whichever of the two layouts it uses. */
export function modelConfigOf(json: ModelJson): ModelConfigJson {
  const topo = json.modelTopology as Record<string, unknown> | undefined;
  if (!topo || typeof topo !== 'object') throw new KerasFormatError('model.json has no modelTopology');
  const config = ('model_config' in topo ? topo.model_config : topo) as ModelConfigJson;
  if (!config || typeof config.class_name !== 'string' || !config.config) {
    throw new KerasFormatError('model.json: modelTopology holds no model config (class_name, config)');
  }
  return config;
}

/** Reads and minimally checks a model.json file. */
export function readModelJson(path: string): ModelJson {
  let json: ModelJson;
  try {
    json = JSON.parse(readFileSync(path, 'utf8')) as ModelJson;
  } catch (e) {
    throw new KerasFormatError(`${path}: cannot read model.json (${(e as Error).message})`);
  }
  if (json.format !== undefined && json.format !== 'layers-model') {
    throw new KerasFormatError(
      `${path}: format '${json.format}' is not a Keras layers model (graph models from tf.saved_model are not supported)`,
    );
  }
  if (!Array.isArray(json.weightsManifest)) throw new KerasFormatError(`${path}: no weightsManifest`);
  modelConfigOf(json);
  return json;
}
