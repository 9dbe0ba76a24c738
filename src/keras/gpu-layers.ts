// The weighted nodes of an imported Keras model as graft modules: a convolution (with its BatchNorm already
// folded in and its ReLU fused; grouped or depthwise for ONNX imports), a dense layer, and a BatchNorm with no
// convolution before it (a per-channel affine map), each holding the pretrained weights as Parameters named
// `weight` and `bias`, so a model built from a description has names like `res5a_branch2a.weight`.
//
// Why not graph/layers.ts's Conv2d and Dense: those draw random initial weights from a shared generator, which
// would cost seconds for ResNet50's 25M weights and shift every later layer's seeded initialisation.

import type { Gpu } from '../gpu/device.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import type { Context } from '../graph/context.ts';
import { Module } from '../graph/module.ts';
import { conv2d } from '../graph/ops/conv.ts';
import { dense } from '../graph/ops/dense.ts';
import { relu } from '../graph/ops/activation.ts';
import type { Parameter, Tensor } from '../graph/tensor.ts';
import type { AffineNode, Conv2dNode, DenseNode } from './desc.ts';
import { affine } from '../graph/ops/affine.ts';

/**
 * A Conv2D from the description: y = [relu](conv(x, weight) + bias) with the description's explicit pads.
 * When a BatchNormalization was folded into it, `weight` and `bias` are the folded values (kernel * gamma /
 * sqrt(var + eps), and the shifted bias): fine-tuning trains those, which keeps the BatchNorm in inference mode
 * with its statistics frozen, as Keras does for a BN layer that is not trainable.
 */
export class KerasConv2d extends Module {
  readonly weight: Parameter; // (KH, KW, Cin / groups, Cout)
  readonly bias: Parameter; // (Cout)

  constructor(
    gpu: Gpu,
    readonly node: Conv2dNode,
  ) {
    super();
    const { kernel, inChannels, outChannels, groups = 1 } = node.attrs;
    this.weight = this.addParameter(gpu, 'weight', [kernel[0], kernel[1], inChannels / groups, outChannels], node.weights.w);
    this.bias = this.addParameter(gpu, 'bias', [outChannels], node.weights.b);
  }

  forward(x: Tensor, ctx: Context): Tensor {
    const { attrs } = this.node;
    if (x.shape.length !== 4 || x.shape[3] !== attrs.inChannels) {
      throw new ShapeError(`${this.label('Conv2D')}: expects x (N, H, W, ${attrs.inChannels}), got x${fmtShape(x.shape)}`);
    }
    return conv2d(ctx, x, this.weight, this.bias, { stride: attrs.strides, pad: attrs.pads, relu: attrs.relu, groups: attrs.groups });
  }
}

/** A Dense from the description: y = [relu](x weight + bias), x (N, in); softmax, when it had one, is its own node. */
export class KerasDense extends Module {
  readonly weight: Parameter; // (in, out)
  readonly bias: Parameter; // (out)

  constructor(
    gpu: Gpu,
    readonly node: DenseNode,
  ) {
    super();
    const { inFeatures, units } = node.attrs;
    this.weight = this.addParameter(gpu, 'weight', [inFeatures, units], node.weights.w);
    this.bias = this.addParameter(gpu, 'bias', [units], node.weights.b);
  }

  forward(x: Tensor, ctx: Context): Tensor {
    const { inFeatures, relu: fused } = this.node.attrs;
    if (x.shape.length !== 2 || x.shape[1] !== inFeatures) {
      throw new ShapeError(`${this.label('Dense')}: expects x (N, ${inFeatures}), got x${fmtShape(x.shape)}`);
    }
    const y = dense(ctx, x, this.weight, this.bias);
    if (!fused) return y;
    const out = relu(ctx, y);
    if (!ctx.gradEnabled && ctx.owns(y)) ctx.release(y);
    return out;
  }
}

/** A BatchNormalization with no convolution before it: y = x * scale + shift per channel, its statistics folded. */
export class KerasAffine extends Module {
  readonly scale: Parameter; // (C)
  readonly shift: Parameter; // (C)

  constructor(
    gpu: Gpu,
    readonly node: AffineNode,
  ) {
    super();
    const c = node.weights.scale.length;
    this.scale = this.addParameter(gpu, 'scale', [c], node.weights.scale);
    this.shift = this.addParameter(gpu, 'shift', [c], node.weights.shift);
  }

  forward(x: Tensor, ctx: Context): Tensor {
    return affine(ctx, x, this.scale, this.shift);
  }
}
