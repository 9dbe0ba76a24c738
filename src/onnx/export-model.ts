// What the export command encodes, whatever the backbone: the network as a model description ending in the study's
// head, and the preprocessing its input expects (src/onnx/export.ts builds it from a checkpoint,
// src/onnx/export-graph.ts encodes it).

import type { GraftModelDesc, GraftNode } from '../keras/desc.ts';
import type { StateDict } from '../graph/index.ts';
import type { Preprocess } from '../kernels/image.ts';
import { GraftError, fmtShape } from '../gpu/errors.ts';

/** Metadata keys of an exported model: how its input is made (Preprocessing plus layout and size), the source, and
 *  the class names of its output, in order (a JSON array), when the run recorded them. */
export const META_PREPROCESSING = 'preprocessing';
export const META_SOURCE = 'source';
export const META_CLASSES = 'classes';

/** Preprocessing as the weights file records it (src/onnx/vgg19-convert.ts), or the stage-1 default. */
export interface Preprocessing {
  colour_order: string;
  scale: number;
  mean: number[];
  std: number[];
}

export type Values = { shape: number[]; data: Float32Array };

/** The training pipeline's preprocessing (src/kernels/image.ts) in the metadata's terms. */
export function preprocessingOf(p: Preprocess): Preprocessing {
  return { colour_order: p.colour, scale: p.scale, mean: [...p.mean], std: [...p.std] };
}

/** Checkpoint parameter `name` of `file` as a copy, checked against `shape` when given. */
export function parameter(file: string, weights: StateDict, name: string, shape?: readonly number[]): Values {
  const t = weights[name];
  if (!t) throw new GraftError(`${file}: missing parameter ${name}`);
  if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
    throw new GraftError(`${file}: ${name} is ${fmtShape(t.shape)}, where its layer takes ${fmtShape(shape)}`);
  }
  return { shape: [...t.shape], data: Float32Array.from(t.data) };
}

/** A dense layer (in, out) after global average pooling: the top of every model the study trains. */
export interface Head {
  weight: Values;
  bias: Values | null;
}

/** What export encodes: the network as a description whose output is the softmax, and how its input is made. */
export interface ExportModel {
  desc: GraftModelDesc;
  preprocessing: Preprocessing;
  description: string;
}

/** The study's top model after the node `x` of C channels: GAP, dense `predictions`, softmax (the description's output). */
export function topHead(x: string, channels: number, head: Head): GraftNode[] {
  const [din, classes] = head.weight.shape;
  if (din !== channels) throw new GraftError(`export: the dense layer expects ${din} features, the convs give ${channels}`);
  return [
    { op: 'gap', name: 'gap', inputs: [x], keras: [], outShape: [channels] },
    {
      op: 'dense', name: 'predictions', inputs: ['gap'], keras: [], outShape: [classes],
      attrs: { inFeatures: din, units: classes, relu: false },
      weights: { w: head.weight.data, b: head.bias?.data ?? new Float32Array(classes) },
    },
    { op: 'softmax', name: 'softmax', inputs: ['predictions'], keras: [], outShape: [classes] },
  ];
}
