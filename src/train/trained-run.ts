// Reopens a finished run folder: its settings (run.json), its class names and the trained network for
// inference, as the CAM command needs it. The stage-3 model (fine-tuned block + top) is
// preferred; a run without stage 3 falls back to stage 2's top model on the untouched pretrained base.

import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpu } from '../gpu/device.ts';
import { GraftError } from '../gpu/errors.ts';
import type { Sequential } from '../graph/index.ts';
import type { Backbone } from './backbones/backbone.ts';
import { loadBackbone } from './backbones/index.ts';
import { loadWeights } from './checkpoint.ts';
import type { CamNetwork } from './cam-run.ts';
import { topModel } from './models/top-model.ts';
import { PRESETS, type Preset } from './presets.ts';
import { FineTuned } from './study.ts';

export interface RunSettings {
  data: string;
  backbone: string;
  weights?: string;
  preset: Preset['name'];
  seed: string;
  out: string;
  /** Input side, when it differs from the preset's. */
  inputSize?: number;
}

export interface TrainedRun {
  settings: RunSettings;
  preset: Preset;
  classes: string[];
  backbone: Backbone;
  /** Which stage's weights were loaded. */
  stage: 2 | 3;
  net: CamNetwork;
  release(): void;
}

export function readRunSettings(runDir: string): RunSettings {
  const file = join(runDir, 'run.json');
  if (!existsSync(file)) throw new GraftError(`${runDir}: no run.json (not a graft run folder)`);
  return JSON.parse(readFileSync(file, 'utf8')) as RunSettings;
}

export async function loadTrainedRun(gpu: Gpu, runDir: string): Promise<TrainedRun> {
  const settings = readRunSettings(runDir);
  const preset = { ...PRESETS[settings.preset] };
  if (settings.inputSize) preset.inputSize = settings.inputSize;
  const resultsFile = join(runDir, 'results.json');
  if (!existsSync(resultsFile)) throw new GraftError(`${runDir}: no results.json (the run has not finished a stage)`);
  const classes = (JSON.parse(readFileSync(resultsFile, 'utf8')) as { classes: string[] }).classes;
  const stage3 = join(runDir, 'stage3', 'model.safetensors');
  const stage2 = join(runDir, 'stage2', 'model.safetensors');
  if (!existsSync(stage3) && !existsSync(stage2)) {
    throw new GraftError(`${runDir}: neither stage 3 nor stage 2 was trained; CAM needs a model on a pretrained base (GAP + dense head)`);
  }
  const backbone = await loadBackbone(gpu, settings.backbone, settings.weights, preset.inputSize);
  if ('missing' in backbone) throw new GraftError(`${runDir}: ${backbone.missing}`);
  const top = topModel(gpu, { channels: backbone.featureChannels, numClasses: classes.length, dropout: 0, seed: 0 });
  let stage: 2 | 3;
  if (existsSync(stage3)) {
    new FineTuned(backbone.tail, top).loadStateDict(loadWeights(stage3).weights);
    stage = 3;
  } else {
    top.loadStateDict(loadWeights(stage2).weights);
    stage = 2;
  }
  return {
    settings,
    preset,
    classes,
    backbone,
    stage,
    net: { convolutional: [backbone.frozen, backbone.tail], top: top as Sequential, preprocess: backbone.preprocess },
    release() {
      backbone.release();
      top.release();
    },
  };
}
