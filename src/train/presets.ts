// Training presets. `paper` is the study's protocol (224x224, batch 20, its epoch counts, augmentation on the
// fly). `cpu` completes all three stages on a 2-core machine with the software driver: smaller input, a
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
    inputSize: 128,
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
