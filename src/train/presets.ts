// Training presets. `paper` is the study's protocol (224x224, batch 20, its epoch counts, augmentation on the
// fly). `cpu` completes all three stages on a 2-core machine with the software driver: smaller input (160), a
// narrower stage-1 CNN, fewer epochs, and stage 3 trained on cached augmented copies of the frozen part's
// output instead of running the frozen blocks every step. The README states how long each took and on what.

import type { OptimizerSpec } from './fit.ts';

export interface StagePreset {
  epochs: number;
  patience: number;
  optimizer: OptimizerSpec;
  dropout: number;
}

export interface Preset {
  name: 'paper' | 'cpu';
  /** What was changed from the named preset on the command line ("stage 3: lr 0.0001"), if anything. */
  changes?: string;
  inputSize: number;
  batchSize: number;
  stage1: StagePreset & { widths: [number, number, number, number, number] };
  /** Top model on bottleneck features; `copies` augmented passes over the training set (the study: 1). */
  stage2: StagePreset & { copies: number };
  /** Fine-tuning; `copies` > 0 trains on that many cached augmented copies of the frozen output, 0 augments live. */
  stage3: StagePreset & { copies: number };
}

export const PRESETS: Record<Preset['name'], Preset> = {
  paper: {
    name: 'paper',
    inputSize: 224,
    batchSize: 20,
    stage1: { widths: [64, 128, 256, 512, 512], epochs: 30, patience: 6, dropout: 0.3, optimizer: { kind: 'adam', lr: 1e-3 } },
    stage2: { copies: 1, epochs: 250, patience: 15, dropout: 0.3, optimizer: { kind: 'adam', lr: 1e-3 } },
    stage3: { copies: 0, epochs: 30, patience: 6, dropout: 0.3, optimizer: { kind: 'sgd', lr: 1e-4, momentum: 0.9 } },
  },
  cpu: {
    name: 'cpu',
    // 160 rather than 128: on the KTH validation split, ResNet50's top model reached a validation loss of 0.134 at
    // 160 against 0.342 at 128 (README, results); each step costs about 1.6x more.
    inputSize: 160,
    batchSize: 20,
    stage1: { widths: [16, 32, 64, 128, 256], epochs: 12, patience: 4, dropout: 0.3, optimizer: { kind: 'adam', lr: 1e-3 } },
    stage2: { copies: 2, epochs: 120, patience: 12, dropout: 0.3, optimizer: { kind: 'adam', lr: 1e-3 } },
    stage3: { copies: 2, epochs: 6, patience: 3, dropout: 0.3, optimizer: { kind: 'sgd', lr: 1e-3, momentum: 0.9 } },
  },
};

/** The default preset: `cpu` on a software adapter (and it says so), `paper` on a real GPU. */
export function defaultPreset(isSoftware: boolean): Preset['name'] {
  return isSoftware ? 'cpu' : 'paper';
}

/** Stage-3 settings a user may change from the preset (`npm run train:kth -- --stage3-lr 1e-4 ...`). */
export interface Stage3Changes {
  lr?: number;
  epochs?: number;
  patience?: number;
}

/** The preset with stage 3's learning rate, epochs or patience replaced, and a note saying so. */
export function withStage3Changes(preset: Preset, changes: Stage3Changes): Preset {
  const parts: string[] = [];
  const stage3 = { ...preset.stage3, optimizer: { ...preset.stage3.optimizer } };
  if (changes.lr !== undefined) {
    if (!(changes.lr > 0 && Number.isFinite(changes.lr))) throw new Error(`stage-3 learning rate ${changes.lr}: must be a positive number`);
    stage3.optimizer.lr = changes.lr;
    parts.push(`lr ${changes.lr}`);
  }
  for (const key of ['epochs', 'patience'] as const) {
    const value = changes[key];
    if (value === undefined) continue;
    if (!(Number.isInteger(value) && value >= 1)) throw new Error(`stage-3 ${key} ${value}: must be a whole number of at least 1`);
    stage3[key] = value;
    parts.push(`${key} ${value}`);
  }
  if (!parts.length) return preset;
  return { ...preset, stage3, changes: withChange(preset, `stage 3: ${parts.join(', ')}`) };
}

/** The preset at another input size (a multiple of 32: the backbones halve the image five times). */
export function withInputSize(preset: Preset, size: number | undefined): Preset {
  if (size === undefined || size === preset.inputSize) return preset;
  if (!(Number.isInteger(size) && size >= 32 && size % 32 === 0)) {
    throw new Error(`input size ${size}: must be a multiple of 32, at least 32 (the backbones halve the image five times)`);
  }
  return { ...preset, inputSize: size, changes: withChange(preset, `input ${size}x${size}`) };
}

/** The preset's `changes` note with one more change. */
function withChange(preset: Preset, change: string): string {
  return preset.changes ? `${preset.changes}; ${change}` : change;
}
