// Stage 2's model, and the head of stage 3: the study's top model, global average pooling then a dense softmax
// layer (softmax fused into the loss, so it outputs logits). Because it starts with GAP, the dense weights of a
// class weigh the feature maps directly: that is what makes class activation maps (src/train/cam.ts) exact.
//
//   features (N, h, w, C) -> gap (N, C) -> dropout -> dense (N, classes)

import type { Gpu } from '../../gpu/device.ts';
import { Dense, Dropout, GlobalAvgPool, Sequential } from '../../graph/index.ts';
import { Rng } from '../../util/rng.ts';

export interface TopModelOptions {
  channels: number;
  numClasses: number;
  dropout: number;
  seed: number;
}

export function topModel(gpu: Gpu, o: TopModelOptions): Sequential {
  return new Sequential([
    ['gap', new GlobalAvgPool()],
    ['dropout', new Dropout(o.dropout, { seed: o.seed + 1 })],
    ['predictions', new Dense(gpu, o.channels, o.numClasses, { rng: new Rng(o.seed) })],
  ]);
}

/** The (C, classes) dense weights of a top model, for class activation maps. */
export function classWeightsOf(top: Sequential): Dense {
  return top.get('predictions') as Dense;
}
