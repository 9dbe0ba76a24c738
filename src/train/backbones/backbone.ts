// What a pretrained convolutional base must offer the three stages: a frozen part (never trained; its output
// can be cached), a tail (the last block: frozen in stage 2, fine-tuned in stage 3) ending in the last conv
// features that the top model's global average pooling reads, the preprocessing its weights expect, and an id
// of the weights for cache keys. Backbones differ only in how they are built (VGG family from a safetensors
// file, ResNet50 from Keras's TF.js layers files), so the stages take this interface.

import type { Module } from '../../graph/index.ts';
import type { Preprocess } from '../../kernels/image.ts';
import type { Targets } from '../report.ts';

export interface Backbone {
  /** 'vgg19', 'resnet50', or the file's family name. */
  readonly name: string;
  /** Where the weights came from, for the report ("VGG19 ImageNet, ONNX zoo vgg19-7, sha256 1a2b..."). */
  readonly description: string;
  /** Pixels -> network input as the weights were trained (recorded in the run, warned about on mismatch). */
  readonly preprocess: Preprocess;
  /** Identifies the weights (e.g. the source file's SHA-256): part of every feature cache key. */
  readonly weightsId: string;
  /** The part below the fine-tuned block: (N, S, S, 3) preprocessed images -> (N, h', w', C'). */
  readonly frozen: Module;
  /** The fine-tuned block: frozen output -> (N, h, w, C) last conv features (after ReLU). */
  readonly tail: Module;
  /** C of the tail's output. */
  readonly featureChannels: number;
  /** Which layers the tail holds, for the report ("block5.conv1-4", "conv5_x"). */
  readonly tailDescription: string;
  /** Test-set targets set for this backbone on KTH-ANIMALS, if any (the report shows them, met or not). */
  readonly kthTargets?: Targets;
  release(): void;
}
