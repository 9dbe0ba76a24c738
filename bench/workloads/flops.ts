// Exact FLOP counts of the bench workloads, from the layer shapes. The rule, applied to every direction:
//   - a multiply-add is 2 FLOPs: convolutions and dense layers count 2 x MACs (the figure papers and
//     platform.md quote: VGG19's 16 convolutions at 224x224 are 39.02 GFLOP per image);
//   - any other add, multiply, compare, exp or log is 1 FLOP: bias adds, ReLU (a compare), max pooling
//     (k*k - 1 compares per output), global average pooling (H*W adds-and-scale per output), softmax
//     cross-entropy (4 per logit forward: max, subtract, exp, sum; 2 per logit backward), SGD (2 per weight);
//   - selects, copies and scatters are 0: ReLU backward, max-pool backward.
// A conv's backward computes dw (2 x MACs), db (one add per dy element) and dx (2 x MACs) only where something
// below needs it: the first layer of a trained stack gets no dx, since its input is not trainable.
// Engines are credited with the workload's count, not with whatever extra work their kernels do.

import type { ConvLayer, Layer } from './types.ts';

/** FLOPs split into the matrix part (convs, dense) and the rest, so a report can show both. */
export interface FlopCount {
  matrix: number;
  other: number;
}

export const total = (f: FlopCount): number => f.matrix + f.other;

function add(a: FlopCount, b: FlopCount): FlopCount {
  return { matrix: a.matrix + b.matrix, other: a.other + b.other };
}

export function convOutput(h: number, w: number, c: ConvLayer): [number, number] {
  const oh = Math.floor((h + c.pad[0] + c.pad[2] - c.k) / c.stride) + 1;
  const ow = Math.floor((w + c.pad[1] + c.pad[3] - c.k) / c.stride) + 1;
  return [oh, ow];
}

export function poolOutput(h: number, w: number, k: number, stride: number): [number, number] {
  return [Math.floor((h - k) / stride) + 1, Math.floor((w - k) / stride) + 1];
}

/** Multiply-adds of one conv for one image of size h x w. */
export function convMacs(h: number, w: number, c: ConvLayer): number {
  const [oh, ow] = convOutput(h, w, c);
  return oh * ow * c.cout * c.k * c.k * c.cin;
}

/** The (H, W, C) after each layer of a stack, starting from `input`. */
export function stackShapes(input: [number, number, number], layers: readonly Layer[]): Array<[number, number, number]> {
  const out: Array<[number, number, number]> = [];
  let [h, w, c] = input;
  for (const l of layers) {
    if (l.kind === 'conv') {
      [h, w] = convOutput(h, w, l);
      c = l.cout;
    } else {
      [h, w] = poolOutput(h, w, l.k, l.stride);
    }
    out.push([h, w, c]);
  }
  return out;
}

/** Forward FLOPs of a conv stack for `n` images. */
export function stackForward(n: number, input: [number, number, number], layers: readonly Layer[]): FlopCount {
  let f: FlopCount = { matrix: 0, other: 0 };
  let [h, w] = input;
  for (const l of layers) {
    if (l.kind === 'conv') {
      const [oh, ow] = convOutput(h, w, l);
      const outputs = n * oh * ow * l.cout;
      f = add(f, { matrix: 2 * n * convMacs(h, w, l), other: outputs * (1 + (l.relu ? 1 : 0)) });
      [h, w] = [oh, ow];
    } else {
      const c = channelsBefore(layers, l, input[2]);
      const [oh, ow] = poolOutput(h, w, l.k, l.stride);
      f = add(f, { matrix: 0, other: n * oh * ow * c * (l.k * l.k - 1) });
      [h, w] = [oh, ow];
    }
  }
  return f;
}

/** Backward FLOPs of a conv stack whose input needs no gradient (dw, db everywhere; dx above the first conv). */
export function stackBackward(n: number, input: [number, number, number], layers: readonly Layer[]): FlopCount {
  let f: FlopCount = { matrix: 0, other: 0 };
  let [h, w] = input;
  let seenConv = false;
  for (const l of layers) {
    if (l.kind === 'conv') {
      const [oh, ow] = convOutput(h, w, l);
      const macs = n * convMacs(h, w, l);
      f = add(f, { matrix: 2 * macs * (seenConv ? 2 : 1), other: n * oh * ow * l.cout });
      seenConv = true;
      [h, w] = [oh, ow];
    } else {
      [h, w] = poolOutput(h, w, l.k, l.stride);
    }
  }
  return f;
}

function channelsBefore(layers: readonly Layer[], target: Layer, inputChannels: number): number {
  let c = inputChannels;
  for (const l of layers) {
    if (l === target) return c;
    if (l.kind === 'conv') c = l.cout;
  }
  return c;
}

/** One convolution's backward for `n` images: dx and dw (2 x MACs each). The bias gradient is not computed. */
export function convGrad(n: number, h: number, w: number, c: ConvLayer): FlopCount {
  return { matrix: 4 * n * convMacs(h, w, c), other: 0 };
}

/** GAP + dense(c -> classes) + softmax cross-entropy forward for `n` images of (h, w, c). */
export function headForward(n: number, h: number, w: number, c: number, classes: number): FlopCount {
  return { matrix: 2 * n * c * classes, other: n * h * w * c + n * classes + 4 * n * classes };
}

/** The head's backward (dense dw, db; GAP dx only when a trainable layer lies below) and the loss gradient. */
export function headBackward(n: number, h: number, w: number, c: number, classes: number, needDx: boolean): FlopCount {
  const dense = { matrix: 2 * n * c * classes * (needDx ? 2 : 1), other: n * classes };
  return add(dense, { matrix: 0, other: 2 * n * classes + (needDx ? n * h * w * c : 0) });
}

/** Plain SGD (p -= lr * g) over every weight of the stack and the dense layer. */
export function sgd(layers: readonly Layer[], c: number, classes: number): FlopCount {
  let params = c * classes + classes;
  for (const l of layers) if (l.kind === 'conv') params += l.k * l.k * l.cin * l.cout + l.cout;
  return { matrix: 0, other: 2 * params };
}

/** One training step of stack + head on `n` images: forward, backward, update. */
export function trainStep(n: number, input: [number, number, number], layers: readonly Layer[], classes: number): { step: FlopCount; forward: FlopCount } {
  const shapes = stackShapes(input, layers);
  const [h, w, c] = shapes.length ? shapes[shapes.length - 1] : input;
  const hasConv = layers.some((l) => l.kind === 'conv');
  const forward = add(stackForward(n, input, layers), headForward(n, h, w, c, classes));
  const backward = add(hasConv ? stackBackward(n, input, layers) : { matrix: 0, other: 0 }, headBackward(n, h, w, c, classes, hasConv));
  return { step: add(add(forward, backward), sgd(layers, c, classes)), forward };
}

/** "39.02 GFLOP (39.02 in convs/dense)" for the notes. */
export function describeFlops(f: FlopCount, what: string): string {
  const g = (x: number) => (x >= 1e9 ? `${(x / 1e9).toFixed(3)} GFLOP` : `${(x / 1e6).toFixed(3)} MFLOP`);
  return `${what}: ${g(total(f))} (${g(f.matrix)} in convs/dense, ${g(f.other)} elementwise)`;
}
