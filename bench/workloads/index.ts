// The bench's workloads, full size (what issue 7 asks) and --quick (the same programs at toy sizes, for a
// smoke run in seconds and for the test). Every FLOP count comes from flops.ts, never typed in by hand.

import { describeFlops, stackForward, convGrad, total, trainStep, type FlopCount } from './flops.ts';
import type { ConvGradWorkload, ConvLayer, ForwardWorkload, Layer, TrainWorkload, Workload } from './types.ts';

export type { Workload } from './types.ts';

export const GROUPS = ['vgg19', 'finetune', 'conv', 'top'] as const;

export const conv3 = (cin: number, cout: number, relu = true): ConvLayer => ({ kind: 'conv', cin, cout, k: 3, stride: 1, pad: [1, 1, 1, 1], relu });
export const pool2: Layer = { kind: 'maxpool', k: 2, stride: 2 };

/** VGG19's convolutional base (16 convs with ReLU, 5 max pools), channel counts scaled by `width`. */
export function vgg19ConvBase(width = 1): Layer[] {
  const layers: Layer[] = [];
  let cin = 3;
  for (const [convs, channels] of [[2, 64], [2, 128], [4, 256], [4, 512], [4, 512]]) {
    const c = Math.max(1, Math.round(channels * width));
    for (let i = 0; i < convs; i++) {
      layers.push(conv3(cin, c));
      cin = c;
    }
    layers.push(pool2);
  }
  return layers;
}

/** VGG19's block 5: 4 convs c -> c with ReLU and a max pool. */
function block5(c: number): Layer[] {
  return [conv3(c, c), conv3(c, c), conv3(c, c), conv3(c, c), pool2];
}

export function forwardWorkload(id: string, title: string, batch: number, input: [number, number, number], layers: Layer[], smallForCpu: boolean): ForwardWorkload {
  const f = stackForward(batch, input, layers);
  return { kind: 'forward', id, group: id.split('-')[0], title, batch, input, layers, flops: total(f), flopsNote: describeFlops(f, `${id} (batch ${batch})`), smallForCpu };
}

function singleConv(name: string, size: number, conv: ConvLayer, batch: number, smallForCpu: boolean): Workload[] {
  const input: [number, number, number] = [size, size, conv.cin];
  const shape = `${size}x${size}x${conv.cin}->${conv.cout}`;
  const fwd = forwardWorkload(`conv-${name}-fwd-b${batch}`, `conv ${shape} forward (+bias+ReLU), batch ${batch}`, batch, input, [conv], smallForCpu);
  fwd.group = 'conv';
  const g: FlopCount = convGrad(batch, size, size, conv);
  const bwd: ConvGradWorkload = {
    kind: 'convGrad', id: `conv-${name}-bwd-b${batch}`, group: 'conv', title: `conv ${shape} backward (dx + dw), batch ${batch}`,
    batch, input, conv: { ...conv, relu: false }, flops: total(g), flopsNote: describeFlops(g, `conv ${shape} backward, batch ${batch}`),
    // tfjs-cpu's Conv2DBackpropFilter runs at a few MFLOPS: minutes even for one 14x14x512 layer
    smallForCpu: smallForCpu && size * size * conv.cin * conv.cout < 1e6,
  };
  return [fwd, bwd];
}

export function trainWorkload(
  id: string, group: string, title: string, batch: number, steps: number, input: [number, number, number],
  layers: Layer[], classes: number, smallForCpu: boolean,
): TrainWorkload {
  const { step, forward: fwd } = trainStep(batch, input, layers, classes);
  return {
    kind: 'train', id, group, title, batch, steps, input, layers, classes, lr: 1e-3,
    flops: steps * total(step), forwardFlops: steps * total(fwd),
    flopsNote: `${describeFlops({ matrix: steps * step.matrix, other: steps * step.other }, `${id}, ${steps} step(s) of batch ${batch}`)}; ` +
      describeFlops({ matrix: steps * fwd.matrix, other: steps * fwd.other }, 'forward alone'),
    smallForCpu,
  };
}

/** The workloads of a full run. */
export function fullWorkloads(): Workload[] {
  const list: Workload[] = [];
  for (const batch of [1, 8]) {
    list.push(forwardWorkload(`vgg19-b${batch}`, `VGG19 conv base forward, 224x224, batch ${batch}`, batch, [224, 224, 3], vgg19ConvBase(), false));
  }
  list.push(trainWorkload('finetune-b8', 'finetune', 'VGG19 block-5 fine-tuning step (fwd+bwd+SGD), 14x14x512 in, batch 8', 8, 1, [14, 14, 512], block5(512), 19, false));
  for (const batch of [1, 8]) {
    list.push(...singleConv('224x3', 224, conv3(3, 64), batch, batch === 1));
    list.push(...singleConv('56x256', 56, conv3(256, 256), batch, batch === 1));
    list.push(...singleConv('14x512', 14, conv3(512, 512), batch, batch === 1));
  }
  list.push(trainWorkload('top-epoch-b20', 'top', 'top model epoch: 1460 cached 14x14x512 maps, GAP+dense(19)+CE+SGD, batch 20', 20, 73, [14, 14, 512], [], 19, true));
  return list;
}

/** Toy versions of the same programs: seconds for every engine, tfjs-cpu included. */
export function quickWorkloads(): Workload[] {
  return [
    forwardWorkload('vgg19-b1', 'VGG19-shaped conv base (width 1/8), 32x32, batch 1', 1, [32, 32, 3], vgg19ConvBase(1 / 8), true),
    trainWorkload('finetune-b2', 'finetune', 'block-5-shaped step (4 convs 32->32), 8x8x32 in, batch 2', 2, 1, [8, 8, 32], block5(32), 19, true),
    ...singleConv('32x3', 32, conv3(3, 16), 1, true),
    ...singleConv('16x32', 16, conv3(32, 32), 1, true),
    ...singleConv('8x64', 8, conv3(64, 64), 1, true),
    trainWorkload('top-epoch-b20', 'top', 'top model epoch: 40 cached 4x4x64 maps, batch 20', 20, 2, [4, 4, 64], [], 19, true),
  ];
}
