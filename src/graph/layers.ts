// Layers: Conv2d, MaxPool2d, AvgPool2d, GlobalAvgPool, GlobalMaxPool, Dense, ReLU, Softmax, Dropout, Flatten,
// and the containers Sequential and Residual. Each checks its input shape first, so a mismatch names the layer (by its path
// in the model) and the shapes, then calls the differentiable op from ./ops.
//
// Layouts: activations NHWC, conv weights HWIO (kh, kw, cin, cout), dense weights (in, out).

import type { Gpu } from '../gpu/device.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { Rng } from '../util/rng.ts';
import type { Context } from './context.ts';
import { fans, initValues, type InitKind } from './init.ts';
import { Module } from './module.ts';
import { conv2d } from './ops/conv.ts';
import { dense } from './ops/dense.ts';
import { avgPool2d, globalAvgPool, globalMaxPool, maxPool2d } from './ops/pool.ts';
import { dropout, relu, softmax } from './ops/activation.ts';
import { add } from './ops/add.ts';
import { flatten } from './ops/shape.ts';
import type { Parameter, Tensor } from './tensor.ts';

export type Pair = number | readonly [number, number];
/** A number (all sides), 'same' (TensorFlow's rule, computed per input size), 'valid', or [top, left, bottom, right]. */
export type Padding = number | 'same' | 'valid' | readonly [number, number, number, number];

// Layers built without an explicit Rng draw from this one: deterministic for a given construction order.
const defaultRng = new Rng(0x5eed);

function pair(v: Pair): [number, number] {
  return typeof v === 'number' ? [v, v] : [v[0], v[1]];
}

/** Resolves padding to [top, left, bottom, right] for an input of spatial size (h, w). */
export function resolvePadding(p: Padding, h: number, w: number, kernel: [number, number], stride: [number, number]): [number, number, number, number] {
  if (p === 'valid') return [0, 0, 0, 0];
  if (typeof p === 'number') return [p, p, p, p];
  if (p === 'same') {
    // TensorFlow: output = ceil(in / stride), the extra row/column of padding goes at the bottom/right.
    const side = (size: number, k: number, s: number) => {
      const total = Math.max((Math.ceil(size / s) - 1) * s + k - size, 0);
      return [Math.floor(total / 2), total - Math.floor(total / 2)];
    };
    const [t, b] = side(h, kernel[0], stride[0]);
    const [l, r] = side(w, kernel[1], stride[1]);
    return [t, l, b, r];
  }
  return [p[0], p[1], p[2], p[3]];
}

function expectNhwc(layer: string, x: Tensor, channels?: number): void {
  if (x.shape.length !== 4 || (channels !== undefined && x.shape[3] !== channels)) {
    throw new ShapeError(`${layer}: expects x (N, H, W, ${channels ?? 'C'}), got x${fmtShape(x.shape)}`);
  }
}

export interface Conv2dLayerOptions {
  stride?: Pair;
  padding?: Padding;
  /** Fuse a ReLU into the convolution (default false). */
  relu?: boolean;
  /** Add a bias (default true). */
  bias?: boolean;
  /** Weight initialisation (default He normal, fan-in). Biases start at zero. */
  init?: InitKind;
  rng?: Rng;
}

export class Conv2d extends Module {
  readonly weight: Parameter; // (KH, KW, Cin, Cout)
  readonly bias: Parameter | null; // (Cout)
  readonly kernel: [number, number];
  readonly stride: [number, number];
  readonly padding: Padding;
  readonly relu: boolean;

  constructor(
    gpu: Gpu,
    readonly inChannels: number,
    readonly outChannels: number,
    kernel: Pair,
    o: Conv2dLayerOptions = {},
  ) {
    super();
    this.kernel = pair(kernel);
    this.stride = pair(o.stride ?? 1);
    this.padding = o.padding ?? 0;
    this.relu = o.relu ?? false;
    const shape = [this.kernel[0], this.kernel[1], inChannels, outChannels];
    const { fanIn, fanOut } = fans(shape);
    const n = shape.reduce((a, b) => a * b, 1);
    this.weight = this.addParameter(gpu, 'weight', shape, initValues(o.rng ?? defaultRng, n, o.init ?? 'he-normal', fanIn, fanOut));
    this.bias = o.bias === false ? null : this.addParameter(gpu, 'bias', [outChannels], new Float32Array(outChannels));
  }

  forward(x: Tensor, ctx: Context): Tensor {
    expectNhwc(this.label('Conv2d'), x, this.inChannels);
    const pad = resolvePadding(this.padding, x.shape[1], x.shape[2], this.kernel, this.stride);
    return conv2d(ctx, x, this.weight, this.bias, { stride: this.stride, pad, relu: this.relu });
  }
}

export interface Pool2dLayerOptions {
  /** Default: the kernel size. */
  stride?: Pair;
  padding?: Padding;
  ceilMode?: boolean;
}

export class MaxPool2d extends Module {
  readonly kernel: [number, number];
  readonly stride: [number, number];

  constructor(
    kernel: Pair,
    private readonly o: Pool2dLayerOptions = {},
  ) {
    super();
    this.kernel = pair(kernel);
    this.stride = pair(o.stride ?? kernel);
  }

  forward(x: Tensor, ctx: Context): Tensor {
    expectNhwc(this.label('MaxPool2d'), x);
    const pad = resolvePadding(this.o.padding ?? 0, x.shape[1], x.shape[2], this.kernel, this.stride);
    return maxPool2d(ctx, x, { kernel: this.kernel, stride: this.stride, pad, ceilMode: this.o.ceilMode });
  }
}

export class AvgPool2d extends Module {
  readonly kernel: [number, number];
  readonly stride: [number, number];

  constructor(
    kernel: Pair,
    private readonly o: Pool2dLayerOptions & { countIncludePad?: boolean } = {},
  ) {
    super();
    this.kernel = pair(kernel);
    this.stride = pair(o.stride ?? kernel);
  }

  forward(x: Tensor, ctx: Context): Tensor {
    expectNhwc(this.label('AvgPool2d'), x);
    const pad = resolvePadding(this.o.padding ?? 0, x.shape[1], x.shape[2], this.kernel, this.stride);
    return avgPool2d(ctx, x, {
      kernel: this.kernel,
      stride: this.stride,
      pad,
      ceilMode: this.o.ceilMode,
      countIncludePad: this.o.countIncludePad,
    });
  }
}

/** (N, H, W, C) -> (N, C), the mean over H and W. */
export class GlobalAvgPool extends Module {
  forward(x: Tensor, ctx: Context): Tensor {
    expectNhwc(this.label('GlobalAvgPool'), x);
    return globalAvgPool(ctx, x);
  }
}

/** (N, H, W, C) -> (N, C), the maximum over H and W. */
export class GlobalMaxPool extends Module {
  forward(x: Tensor, ctx: Context): Tensor {
    expectNhwc(this.label('GlobalMaxPool'), x);
    return globalMaxPool(ctx, x);
  }
}

export interface DenseLayerOptions {
  bias?: boolean;
  /** Weight initialisation (default Glorot uniform). Biases start at zero. */
  init?: InitKind;
  rng?: Rng;
}

/** y = x w + b, x (N, in), w (in, out). */
export class Dense extends Module {
  readonly weight: Parameter; // (in, out)
  readonly bias: Parameter | null; // (out)

  constructor(
    gpu: Gpu,
    readonly inFeatures: number,
    readonly outFeatures: number,
    o: DenseLayerOptions = {},
  ) {
    super();
    const rng = o.rng ?? defaultRng;
    this.weight = this.addParameter(gpu, 'weight', [inFeatures, outFeatures], initValues(rng, inFeatures * outFeatures, o.init ?? 'glorot-uniform', inFeatures, outFeatures));
    this.bias = o.bias === false ? null : this.addParameter(gpu, 'bias', [outFeatures], new Float32Array(outFeatures));
  }

  forward(x: Tensor, ctx: Context): Tensor {
    if (x.shape.length !== 2 || x.shape[1] !== this.inFeatures) {
      throw new ShapeError(`${this.label('Dense')}: expects x (N, ${this.inFeatures}), got x${fmtShape(x.shape)}`);
    }
    return dense(ctx, x, this.weight, this.bias);
  }
}

export class ReLU extends Module {
  forward(x: Tensor, ctx: Context): Tensor {
    return relu(ctx, x);
  }
}

/** Softmax over the last axis of (N, C) (for inference heads; training uses softmaxCrossEntropy on logits). */
export class Softmax extends Module {
  forward(x: Tensor, ctx: Context): Tensor {
    if (x.shape.length !== 2) throw new ShapeError(`${this.label('Softmax')}: expects x (N, C), got x${fmtShape(x.shape)}`);
    return softmax(ctx, x);
  }
}

/** Inverted dropout, active only in training mode; each call draws a fresh mask seed from its own Rng. */
export class Dropout extends Module {
  private readonly rng: Rng;

  constructor(
    readonly rate: number,
    o: { seed?: number } = {},
  ) {
    super();
    if (!(rate >= 0 && rate < 1)) throw new RangeError(`Dropout: rate must be in [0, 1), got ${rate}`);
    this.rng = new Rng(o.seed ?? 1);
  }

  forward(x: Tensor, ctx: Context): Tensor {
    if (!this.training) return x;
    return dropout(ctx, x, this.rate, this.rng.int(0x100000000), true);
  }

  /** The mask generator's state, for checkpoints. */
  get seed(): number {
    return this.rng.seed;
  }

  set seed(v: number) {
    this.rng.seed = v;
  }
}

/** (N, ...) -> (N, product of the rest), H-W-C order (Keras's Flatten on NHWC). A free view. */
export class Flatten extends Module {
  forward(x: Tensor, ctx: Context): Tensor {
    return flatten(ctx, x);
  }
}

/**
 * Layers applied in order. Children are named by the keys given ("block5", "conv1"), or by position.
 * In inference mode (ctx.noGrad) each intermediate is freed as soon as the next layer has read it.
 */
export class Sequential extends Module {
  readonly layers: Module[];

  constructor(layers: Module[] | Array<[string, Module]> | Record<string, Module>) {
    super();
    const entries: Array<[string, Module]> = Array.isArray(layers)
      ? layers.map((l, i) => (Array.isArray(l) ? l : [String(i), l]) as [string, Module])
      : Object.entries(layers);
    this.layers = entries.map(([name, layer]) => this.addChild(name, layer));
  }

  forward(x: Tensor, ctx: Context): Tensor {
    let cur = x;
    for (const layer of this.layers) {
      const next = layer.forward(cur, ctx);
      if (!ctx.gradEnabled && cur !== x && next !== cur && ctx.owns(cur)) ctx.release(cur);
      cur = next;
    }
    return cur;
  }
}

/**
 * A residual block: [relu](main(x) + shortcut(x)), the shortcut being the identity when null (ResNet's
 * bottleneck with batch norm folded into the convs). Children are named 'main' and 'shortcut'.
 */
export class Residual extends Module {
  readonly main: Module;
  readonly shortcut: Module | null;
  readonly relu: boolean;

  constructor(main: Module, shortcut: Module | null = null, o: { relu?: boolean } = {}) {
    super();
    this.main = this.addChild('main', main);
    this.shortcut = shortcut ? this.addChild('shortcut', shortcut) : null;
    this.relu = o.relu ?? true;
  }

  forward(x: Tensor, ctx: Context): Tensor {
    const a = this.main.forward(x, ctx);
    const b = this.shortcut ? this.shortcut.forward(x, ctx) : x;
    if (a.shape.length !== b.shape.length || a.shape.some((d, i) => d !== b.shape[i])) {
      throw new ShapeError(`${this.label('Residual')}: main branch gives ${fmtShape(a.shape)}, shortcut gives ${fmtShape(b.shape)}`);
    }
    const sum = add(ctx, a, b);
    const out = this.relu ? relu(ctx, sum) : sum;
    if (!ctx.gradEnabled) {
      for (const t of this.relu ? [a, b, sum] : [a, b]) if (t !== x && ctx.owns(t)) ctx.release(t);
    }
    return out;
  }
}
