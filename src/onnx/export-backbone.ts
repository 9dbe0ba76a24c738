// The network of a stage 2/3 model trained on a backbone that is a model description (ResNet50 from Keras, an
// imported ONNX CNN), for export: the description up to the features the top model read, the tail's convolutions
// and dense layers (the nodes after the cut) given the checkpoint's fine-tuned `tail.<node>.weight` / `.bias` in
// stage 3 (and its per-channel affine maps their `.scale` / `.shift`), then the study's head (GAP, dense, softmax).
// No GPU is needed: the description is plain data.

import type { StateDict } from '../graph/index.ts';
import type { GraftModelDesc, GraftNode } from '../keras/desc.ts';
import type { Preprocess } from '../kernels/image.ts';
import { GraftError } from '../gpu/errors.ts';
import { parameter, preprocessingOf, topHead, type ExportModel } from './export-model.ts';

export interface DescBackbone {
  /** 'ResNet50' or the ONNX file's name: for messages. */
  label: string;
  desc: GraftModelDesc;
  /** The tensor the tail starts from, and the node whose output the top model reads. */
  cut: string;
  end: string;
  preprocess: Preprocess;
}

/**
 * The exported network of `file`'s checkpoint (`weights`) at `stage` on backbone `b`; `description` says what it is.
 * Every tail.* parameter must land on a tail node.
 */
export function descBackboneModel(file: string, weights: StateDict, stage: 2 | 3, b: DescBackbone, name: string, description: string): ExportModel {
  const index = (n: string) => (n === b.desc.input.name ? -1 : b.desc.nodes.findIndex((node) => node.name === n));
  const start = index(b.cut);
  const end = index(b.end);
  if (end < 0 || start >= end || (start < 0 && b.cut !== b.desc.input.name)) {
    throw new GraftError(`${b.label}: no nodes '${b.cut}' and '${b.end}' in that order`);
  }
  // Copies: the tail's weights are replaced in place below.
  const nodes: GraftNode[] = b.desc.nodes.slice(0, end + 1).map((n) => ({ ...n }));
  if (stage === 3) replaceTail(file, weights, nodes.slice(start + 1), b.label);
  const top = stage === 3 ? 'top.predictions' : 'predictions';
  const head = { weight: parameter(file, weights, `${top}.weight`), bias: weights[`${top}.bias`] ? parameter(file, weights, `${top}.bias`) : null };
  const channels = nodes[nodes.length - 1].outShape[2];
  return {
    desc: { name, input: b.desc.input, nodes: [...nodes, ...topHead(b.end, channels, head)], output: 'softmax' },
    preprocessing: preprocessingOf(b.preprocess),
    description,
  };
}

/** Gives the tail's weighted nodes (copies, replaced in place) the checkpoint's weights; every tail.* parameter must
 *  be used. */
function replaceTail(file: string, weights: StateDict, tail: GraftNode[], label: string): void {
  const used = new Set<string>();
  for (const node of tail) {
    if (node.op === 'affine') {
      // A BatchNorm with no conv before it (DenseNet): its scale and shift, trained as the convolutions are.
      const c = node.weights.scale.length;
      const [scale, shift] = ['scale', 'shift'].map((k) => parameter(file, weights, `tail.${node.name}.${k}`, [c]).data);
      node.weights = { scale, shift };
      used.add(`tail.${node.name}.scale`).add(`tail.${node.name}.shift`);
      continue;
    }
    if (node.op !== 'conv2d' && node.op !== 'dense') continue;
    // A grouped convolution's weight holds Cin / groups input channels per output.
    const shape = node.op === 'conv2d'
      ? [...node.attrs.kernel, node.attrs.inChannels / (node.attrs.groups ?? 1), node.attrs.outChannels]
      : [node.attrs.inFeatures, node.attrs.units];
    const w = parameter(file, weights, `tail.${node.name}.weight`, shape);
    const b = parameter(file, weights, `tail.${node.name}.bias`, [shape[shape.length - 1]]);
    node.weights = { ...node.weights, w: w.data, b: b.data };
    used.add(`tail.${node.name}.weight`).add(`tail.${node.name}.bias`);
  }
  const extra = Object.keys(weights).filter((n) => n.startsWith('tail.') && !used.has(n));
  if (extra.length > 0) throw new GraftError(`${file}: parameters ${extra.slice(0, 4).join(', ')}${extra.length > 4 ? ', ...' : ''} are not in ${label}'s tail`);
}
