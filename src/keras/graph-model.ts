// An imported model (a GraftModelDesc, see desc.ts: Keras's, or an ONNX CNN's from src/onnx/import-desc.ts) as a
// graft Module running on the GPU: the description's nodes are executed in their topological order, NHWC, each
// weighted node a child module named after it, so the parameters are `res5a_branch2a.weight`, `fc1000.bias`, ...
// (prefixed by the path where the model is mounted).
//
// A model may cover only part of the description, so that a training pipeline can compute the frozen part once
// and train the rest on cached features:
//   - `until: 'activation_39'` runs from the image to that node (ResNet50's conv4_x output) and holds only the
//     weights those nodes use;
//   - `from: 'activation_39'` takes that node's output as its input and runs the nodes after it;
//   - `headless` drops the classifier: 'gap' ends at the global average pool (N, C), 'features' at the last
//     4-D activations (N, H, W, C) (ResNet50: activation_48, 7x7x2048 at 224x224).
// A cut must be a single tensor: `from` must lie on every path from the model input to `until` (ResNet's block
// outputs do; a node inside a residual block does not, since the shortcut passes it by).
//
// Freezing: `trainOnly(['res5', 'bn5'])` makes trainable exactly the weighted nodes one of whose Keras layers
// starts with one of the prefixes. BatchNorm is folded into the convolution before it, so what is trained is the
// folded conv's weight and bias; the BatchNorm stays in inference mode (frozen moving statistics), as in
// fine-tuning Keras's ResNet50 with its BN layers not trainable. Note that a gradient step on the folded weight
// w' = w * s (s = gamma / sqrt(var + eps) per output channel) is not the same step as on the raw kernel w: the
// function class is the same, the effective learning rate differs per channel by s^2.
//
// In inference mode (ctx.noGrad) each intermediate is freed once its last reader has run; with gradients on,
// the context keeps them until dispose(), as backward needs them.

import type { Gpu } from '../gpu/device.ts';
import { GraftError, ShapeError, fmtShape } from '../gpu/errors.ts';
import type { Context } from '../graph/context.ts';
import { Module } from '../graph/module.ts';
import { add } from '../graph/ops/add.ts';
import { clip, hardSigmoid, hardSwish, relu, sigmoid, softmax } from '../graph/ops/activation.ts';
import { mul } from '../graph/ops/mul.ts';
import { avgPool2d, globalAvgPool, maxPool2d } from '../graph/ops/pool.ts';
import { flatten } from '../graph/ops/shape.ts';
import type { Tensor } from '../graph/tensor.ts';
import { UnsupportedKerasError } from './errors.ts';
import type { GraftModelDesc, GraftNode } from './desc.ts';
import { KerasAffine, KerasConv2d, KerasDense } from './gpu-layers.ts';
import { concatChannels } from '../graph/ops/concat.ts';
import { loadKerasModel } from './load.ts';
import type { LowerOptions } from './lower.ts';

export interface KerasGraphModelOptions {
  /** The model's input is this node's output (cached features); default the description's input. */
  from?: string;
  /** The last node run (inclusive); its output is the model's output. Default: the description's output. */
  until?: string;
  /** Drop the classifier: true or 'gap' ends at the global average pool, 'features' at the last (H, W, C) node. */
  headless?: boolean | 'gap' | 'features';
}

/** A range of the description to run: its nodes in order, and where each tensor is read for the last time. */
interface Plan {
  from: string;
  until: string;
  nodes: GraftNode[];
  /** Tensor name -> index in `nodes` of its last reader. */
  lastUse: Map<string, number>;
}

export class KerasGraphModel extends Module {
  /** The tensor the model takes as input: the description's input name, or the node named by `from`. */
  readonly from: string;
  /** The node whose output the model returns. */
  readonly until: string;
  private readonly byName = new Map<string, GraftNode>();
  private readonly layers = new Map<string, KerasConv2d | KerasDense | KerasAffine>();
  private readonly full: Plan;
  private readonly plans = new Map<string, Plan>();

  constructor(
    gpu: Gpu,
    readonly desc: GraftModelDesc,
    options: KerasGraphModelOptions = {},
  ) {
    super();
    for (const node of desc.nodes) this.byName.set(node.name, node);
    if (options.headless && options.until) {
      throw new GraftError(`model '${desc.name}': give either headless or until, not both`);
    }
    this.from = options.from ?? desc.input.name;
    this.until = options.until ?? (options.headless ? this.headlessEnd(options.headless === 'features' ? 'features' : 'gap') : desc.output);
    this.full = this.makePlan(this.from, this.until);
    for (const node of this.full.nodes) {
      if (node.op === 'pad') {
        throw new UnsupportedKerasError(
          `model '${desc.name}': node '${node.name}' (source layers ${node.keras.join(', ')}) is a ZeroPadding2D not folded into a ` +
            "following Conv2D or MaxPooling2D (over non-negative values); graft has no GPU kernel for a stand-alone 'pad' node",
        );
      }
    }
    // Weights are uploaded only once the whole range is known to run (a refused model leaves nothing on the GPU).
    for (const node of this.full.nodes) {
      if (node.op === 'conv2d') this.layers.set(node.name, this.addChild(node.name, new KerasConv2d(gpu, node)));
      if (node.op === 'dense') this.layers.set(node.name, this.addChild(node.name, new KerasDense(gpu, node)));
      if (node.op === 'affine') this.layers.set(node.name, this.addChild(node.name, new KerasAffine(gpu, node)));
    }
  }

  /** Per-image shape (no batch axis) of the input this model takes. */
  get inputShape(): number[] {
    return this.shapeOf(this.from);
  }

  /** Per-image shape (no batch axis) of the output this model returns. */
  get outputShape(): number[] {
    return this.shapeOf(this.until);
  }

  /** Per-image output shape of a node (or of the description's input). */
  shapeOf(name: string): number[] {
    if (name === this.desc.input.name) return [...this.desc.input.shape];
    const node = this.byName.get(name);
    if (!node) throw new GraftError(`model '${this.desc.name}': no node '${name}'`);
    return [...node.outShape];
  }

  /** The description's nodes this model runs, in order. */
  get nodes(): readonly GraftNode[] {
    return this.full.nodes;
  }

  /**
   * Makes trainable exactly the weighted nodes one of whose Keras layers starts with one of `prefixes` (ResNet50's
   * conv5_x: ['res5', 'bn5']) and freezes every other one. Returns the names of the trainable nodes.
   */
  trainOnly(prefixes: readonly string[]): string[] {
    const trainable: string[] = [];
    for (const [name, layer] of this.layers) {
      const on = layer.node.keras.some((k) => prefixes.some((p) => k.startsWith(p)));
      if (on) {
        layer.unfreeze();
        trainable.push(name);
      } else layer.freeze();
    }
    return trainable;
  }

  /** The whole range this model was built for: x is (N, ...inputShape), the result (N, ...outputShape). */
  forward(x: Tensor, ctx: Context): Tensor {
    return this.execute(this.full, x, ctx);
  }

  /** A part of this model's range, e.g. from the image to a cached cut, or from the cut to the output. */
  forwardRange(x: Tensor, ctx: Context, range: { from?: string; until?: string }): Tensor {
    const from = range.from ?? this.from;
    const until = range.until ?? this.until;
    const key = `${from}\u0000${until}`;
    let plan = this.plans.get(key);
    if (!plan) {
      plan = this.makePlan(from, until);
      const outside = plan.nodes.find((n) => !this.full.nodes.includes(n));
      if (outside) {
        throw new GraftError(`model '${this.desc.name}': node '${outside.name}' is outside this model's range '${this.from}' -> '${this.until}'`);
      }
      this.plans.set(key, plan);
    }
    return this.execute(plan, x, ctx);
  }

  private execute(plan: Plan, x: Tensor, ctx: Context): Tensor {
    const want = this.shapeOf(plan.from);
    if (x.shape.length !== want.length + 1 || want.some((d, i) => d !== x.shape[i + 1])) {
      throw new ShapeError(
        `model '${this.desc.name}': input '${plan.from}' must be (N, ${want.join(', ')}), got x${fmtShape(x.shape)}` +
          (plan.from === this.desc.input.name ? ' (to run at another size, lower the model with LowerOptions.inputShape)' : ''),
      );
    }
    const values = new Map<string, Tensor>([[plan.from, x]]);
    plan.nodes.forEach((node, i) => {
      values.set(node.name, this.run(node, node.inputs.map((name) => values.get(name)!), ctx));
      if (ctx.gradEnabled) return;
      for (const name of node.inputs) {
        const t = values.get(name);
        if (plan.lastUse.get(name) !== i || !t) continue;
        values.delete(name);
        if (t !== x && ctx.owns(t)) ctx.release(t);
      }
    });
    return values.get(plan.until) ?? x;
  }

  private run(node: GraftNode, inputs: Tensor[], ctx: Context): Tensor {
    const [x] = inputs;
    switch (node.op) {
      case 'conv2d':
      case 'dense':
        return this.layers.get(node.name)!.forward(x, ctx);
      case 'maxpool':
        return maxPool2d(ctx, x, { kernel: node.attrs.size, stride: node.attrs.strides, pad: node.attrs.pads });
      case 'avgpool':
        // Keras averages over the cells inside the input only, as countIncludePad: false does.
        return avgPool2d(ctx, x, { kernel: node.attrs.size, stride: node.attrs.strides, pad: node.attrs.pads, countIncludePad: false });
      case 'gap':
        return globalAvgPool(ctx, x);
      case 'relu':
        return relu(ctx, x);
      case 'clip':
        return clip(ctx, x, node.attrs.min, node.attrs.max);
      case 'sigmoid':
        return sigmoid(ctx, x);
      case 'hardsigmoid':
        return hardSigmoid(ctx, x, node.attrs.alpha, node.attrs.beta);
      case 'hardswish':
        return hardSwish(ctx, x);
      case 'mul':
        return mul(ctx, inputs[0], inputs[1]);
      case 'softmax':
        return softmax(ctx, x);
      case 'flatten':
        return flatten(ctx, x);
      case 'add': {
        let sum = add(ctx, inputs[0], inputs[1]);
        for (const next of inputs.slice(2)) {
          const partial = sum;
          sum = add(ctx, partial, next);
          if (!ctx.gradEnabled) ctx.release(partial);
        }
        return sum;
      }
      case 'affine':
        return this.layers.get(node.name)!.forward(x, ctx);
      case 'concat':
        return concatChannels(ctx, inputs);
      case 'pad':
        throw new UnsupportedKerasError(`node '${node.name}': no GPU kernel for '${node.op}'`);
    }
  }

  /** The nodes needed for `until` from `from`, checking that `from` cuts every path from the model input. */
  private makePlan(from: string, until: string): Plan {
    const input = this.desc.input.name;
    for (const [what, name] of [['from', from], ['until', until]] as const) {
      if (name !== input && !this.byName.has(name)) {
        throw new GraftError(`model '${this.desc.name}': ${what} '${name}' is not a node (nodes: ${[...this.byName.keys()].join(', ')})`);
      }
    }
    if (from === until) throw new GraftError(`model '${this.desc.name}': from and until are both '${from}'`);
    const needed = new Set<string>();
    const readBy = new Map<string, string>(); // node -> the node that first asked for it, to name a bypassing path
    let reachedFrom = false;
    const stack: Array<[string, string]> = [[until, until]]; // (tensor, the node reading it)
    while (stack.length > 0) {
      const [name, reader] = stack.pop()!;
      if (name === from) {
        reachedFrom = true;
        continue;
      }
      if (name === input) {
        const path = [reader];
        while (path[path.length - 1] !== until) path.push(readBy.get(path[path.length - 1])!);
        throw new GraftError(
          `model '${this.desc.name}': cannot start at '${from}': the path ${[input, ...path].join(' -> ')} ` +
            `does not pass through it (a cut must be a single tensor, e.g. a residual block's output)`,
        );
      }
      if (needed.has(name)) continue;
      needed.add(name);
      readBy.set(name, reader);
      for (const i of this.byName.get(name)!.inputs) stack.push([i, name]);
    }
    if (!reachedFrom) throw new GraftError(`model '${this.desc.name}': '${until}' does not depend on '${from}'`);
    const nodes = this.desc.nodes.filter((n) => needed.has(n.name));
    const lastUse = new Map<string, number>();
    nodes.forEach((n, i) => n.inputs.forEach((name) => lastUse.set(name, i)));
    return { from, until, nodes, lastUse };
  }

  /** Where the classifier starts: the GAP before the trailing (features) nodes, or the last (H, W, C) node. */
  private headlessEnd(kind: 'gap' | 'features'): string {
    let node = this.byName.get(this.desc.output)!;
    const back = () => {
      const prev = this.byName.get(node.inputs[0]);
      if (!prev) throw new GraftError(`model '${this.desc.name}': headless '${kind}': no ${kind === 'gap' ? 'global average pooling' : '(H, W, C) node'} before the classifier`);
      node = prev;
    };
    if (kind === 'features') {
      while (node.outShape.length !== 3) back();
      return node.name;
    }
    while (node.op !== 'gap') {
      if (node.outShape.length !== 1) {
        throw new GraftError(`model '${this.desc.name}': headless 'gap': no global average pooling before the classifier (use headless 'features')`);
      }
      back();
    }
    return node.name;
  }
}

/** Loads a layers-format model.json and builds it on the GPU (LowerOptions.inputShape to run at another size). */
export function loadKerasGraphModel(gpu: Gpu, modelJsonPath: string, options: KerasGraphModelOptions & LowerOptions = {}): KerasGraphModel {
  const { desc } = loadKerasModel(modelJsonPath, { inputShape: options.inputShape });
  return new KerasGraphModel(gpu, desc, options);
}
