// The network of a stage 2/3 model trained on an ONNX backbone (`--backbone onnx`, src/train/backbones/onnx.ts),
// for export: the ONNX file the run used (checked by its SHA-256 where the checkpoint recorded it), lowered and cut
// exactly as training cut it, its tail given the checkpoint's weights in stage 3 (src/onnx/export-backbone.ts).

import { basename } from 'node:path';
import type { StateDict } from '../graph/index.ts';
import { GraftError } from '../gpu/errors.ts';
import { onnxBackboneParts } from '../train/backbones/onnx.ts';
import type { ExportModel } from './export-model.ts';
import { descBackboneModel } from './export-backbone.ts';

export interface OnnxBackboneExportOptions {
  stage: 2 | 3;
  /** The backbone id the checkpoint recorded (its `weights` metadata), if any. */
  weightsId?: string;
  size: number;
  /** The ONNX file the run trained on. */
  backboneFile: string;
}

export function onnxBackboneModel(file: string, weights: StateDict, opts: OnnxBackboneExportOptions): ExportModel {
  const parts = onnxBackboneParts(opts.backboneFile, opts.size);
  if (opts.weightsId && opts.weightsId !== parts.weightsId) {
    throw new GraftError(`${file} was trained on the ONNX backbone ${opts.weightsId.slice(0, 12)}..., but ${opts.backboneFile} is ${parts.weightsId.slice(0, 12)}...: pass the same file with --backbone-weights`);
  }
  const name = basename(opts.backboneFile);
  const description = `${name} (ONNX, sha256 ${parts.weightsId.slice(0, 12)}) ${opts.stage === 3 ? 'with its fine-tuned last stage' : 'frozen'} + top model (stage ${opts.stage}) from ${file}`;
  return descBackboneModel(file, weights, opts.stage, { label: name, ...parts }, 'graft_onnx_backbone', description);
}
