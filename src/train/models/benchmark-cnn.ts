// Stage 1's model: the study's benchmark CNN trained from scratch. "Similar architecture to VGG19 except that
// every block has only one CNN layer, and Global Average Pooling is used instead of fully connected layers":
//
//   block1: conv3x3(w0, same, ReLU) -> maxpool 2x2/2
//   block2: conv3x3(w1, same, ReLU) -> maxpool 2x2/2
//   block3: conv3x3(w2, same, ReLU) -> maxpool 2x2/2
//   block4: conv3x3(w3, same, ReLU) -> maxpool 2x2/2
//   block5: conv3x3(w4, same, ReLU)
//   gap -> dropout -> dense(classes)            (softmax is fused into the loss; logits come out)
//
// Widths follow VGG19's blocks (64, 128, 256, 512, 512) in the paper preset; the CPU preset halves them.

import type { Gpu } from '../../gpu/device.ts';
import { Conv2d, Dense, Dropout, GlobalAvgPool, MaxPool2d, Sequential } from '../../graph/index.ts';
import { Rng } from '../../util/rng.ts';

export interface BenchmarkCnnOptions {
  widths: readonly [number, number, number, number, number];
  numClasses: number;
  dropout: number;
  seed: number;
}

/** (N, S, S, 3) images -> (N, classes) logits. */
export function benchmarkCnn(gpu: Gpu, o: BenchmarkCnnOptions): Sequential {
  const rng = new Rng(o.seed);
  const layers: Array<[string, Sequential | GlobalAvgPool | Dropout | Dense]> = [];
  let inC = 3;
  o.widths.forEach((width, b) => {
    const block: Array<[string, Conv2d | MaxPool2d]> = [['conv1', new Conv2d(gpu, inC, width, 3, { padding: 'same', relu: true, rng })]];
    if (b < 4) block.push(['pool', new MaxPool2d(2)]);
    layers.push([`block${b + 1}`, new Sequential(block)]);
    inC = width;
  });
  layers.push(['gap', new GlobalAvgPool()]);
  layers.push(['dropout', new Dropout(o.dropout, { seed: o.seed + 1 })]);
  layers.push(['predictions', new Dense(gpu, inC, o.numClasses, { rng })]);
  return new Sequential(layers);
}
