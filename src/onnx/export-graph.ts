// Encodes a model description (src/keras/desc.ts: NHWC activations, HWIO conv weights, explicit pads, BatchNorm
// already folded) as a standard ONNX graph. ONNX's Conv and pools take NCHW, so the graph is NCHW throughout: conv
// weights are turned to OIHW, a Flatten of an image is preceded by a Transpose to NHWC (Keras flattens H, W, C),
// and every other node maps one to one (a conv or dense with a fused ReLU becomes two nodes). The export command
// writes trained models with it (src/onnx/export.ts); any description the Keras importer makes can be encoded.
//
// Mapping: conv2d -> Conv (group for grouped ones) (+ Relu); maxpool -> MaxPool (ONNX never picks a padded cell, as graft's pools);
// avgpool -> AveragePool with count_include_pad 0 (the divisor counts cells inside the input, as TensorFlow's);
// dense -> Gemm (weight (in, out), transB 0) (+ Relu); affine -> BatchNormalization with mean 0, variance 1 and
// epsilon 0 (y = x * scale + shift); pad -> Pad (zeros; negative pads crop); gap -> GlobalAveragePool + Flatten;
// add -> Add (Sum for more than two); relu -> Relu; clip -> Clip (min and max as initializers); sigmoid ->
// Sigmoid; hardsigmoid -> HardSigmoid; hardswish -> x * HardSigmoid(x) (HardSwish is opset 14); mul -> Mul (NCHW
// broadcasting as NHWC's); concat -> Concat over axis 1, the channels; softmax -> Softmax over axis 1, the channels
// or features.
// A standalone pad only occurs where the importer could not fold it (values that may be negative). onnxruntime
// 1.30's graph optimizations fold a zero Pad into a following MaxPool as if it were the pool's own padding, which
// is wrong for windows of negative values (test/onnx-export-graph.test.ts runs such a model with them off; graft's
// runner gets it right). The study's models (src/onnx/export.ts) have no standalone pad.

import type { GraftModelDesc, GraftNode } from '../keras/desc.ts';
import { GraftError } from '../gpu/errors.ts';
import { OnnxBuilder } from './builder.ts';
import { hwioToOihw } from './conv-layouts.ts';

export interface GraphExportOptions {
  opset: number;
  /** Names of the graph's input and output in the ONNX file (the description's own names are kept inside). */
  inputName: string;
  outputName: string;
  docString: string;
  metadata: Record<string, string>;
}

/** The ONNX model bytes of `desc`, batch dimension 'N'. */
export function encodeDesc(desc: GraftModelDesc, opts: GraphExportOptions): Uint8Array {
  const b = new OnnxBuilder({ opset: opts.opset, producerName: 'graft', graphName: desc.name, docString: opts.docString, metadata: opts.metadata });
  const names = new Map<string, string>([[desc.input.name, opts.inputName], [desc.output, opts.outputName]]);
  const onnxName = (t: string) => names.get(t) ?? t;
  // Rank (without N) of each tensor in the description: 3 for an image (H, W, C), 1 for features.
  const rank = new Map<string, number>([[desc.input.name, desc.input.shape.length]]);
  b.input(opts.inputName, 'float32', ['N', ...nchw(desc.input.shape)]);
  for (const node of desc.nodes) {
    const ins = node.inputs.map((t) => {
      if (!rank.has(t)) throw new GraftError(`export: node '${node.name}' reads '${t}', which no earlier node makes`);
      return onnxName(t);
    });
    encodeNode(b, node, ins, onnxName(node.name), rank.get(node.inputs[0])!);
    rank.set(node.name, node.outShape.length);
  }
  const out = desc.nodes.find((n) => n.name === desc.output);
  if (!out) throw new GraftError(`export: the output '${desc.output}' is not a node of the description`);
  b.output(opts.outputName, 'float32', ['N', ...nchw(out.outShape)]);
  return b.encode().model;
}

/** (H, W, C) -> (C, H, W); feature shapes unchanged. */
const nchw = (shape: readonly number[]) => (shape.length === 3 ? [shape[2], shape[0], shape[1]] : [...shape]);

/** Adds the ONNX nodes of one description node reading `ins` and writing `out`; `inRank` is its first input's rank. */
function encodeNode(b: OnnxBuilder, node: GraftNode, ins: string[], out: string, inRank: number): void {
  const name = node.name;
  const needRank = (want: number, what: string) => {
    if (inRank !== want) throw new GraftError(`export: node '${name}' (${node.op}) needs ${what} input, got rank ${inRank} without the batch`);
  };
  switch (node.op) {
    case 'conv2d': {
      needRank(3, 'an image (H, W, C)');
      const { kernel: [kh, kw], strides, pads, inChannels, outChannels: cout, relu, groups = 1 } = node.attrs;
      const cin = inChannels / groups; // per group
      b.initializer(`${name}.weight`, 'float32', [cout, cin, kh, kw], hwioToOihw(node.weights.w, [kh, kw, cin, cout]));
      b.initializer(`${name}.bias`, 'float32', [cout], node.weights.b);
      const conv = relu ? `${name}/conv` : out;
      b.node('Conv', [ins[0], `${name}.weight`, `${name}.bias`], [conv], { kernel_shape: [kh, kw], strides: [...strides], pads: [...pads], ...(groups > 1 ? { group: groups } : {}) }, name);
      if (relu) b.node('Relu', [conv], [out], {}, `${name}/relu`);
      return;
    }
    case 'maxpool':
    case 'avgpool': {
      needRank(3, 'an image (H, W, C)');
      const { size, strides, pads } = node.attrs;
      const attrs = { kernel_shape: [...size], strides: [...strides], pads: [...pads] };
      if (node.op === 'maxpool') b.node('MaxPool', [ins[0]], [out], attrs, name);
      else b.node('AveragePool', [ins[0]], [out], { ...attrs, count_include_pad: 0 }, name);
      return;
    }
    case 'dense': {
      needRank(1, 'a feature vector');
      const { inFeatures, units, relu } = node.attrs;
      b.initializer(`${name}.weight`, 'float32', [inFeatures, units], node.weights.w);
      b.initializer(`${name}.bias`, 'float32', [units], node.weights.b);
      const gemm = relu ? `${name}/gemm` : out;
      b.node('Gemm', [ins[0], `${name}.weight`, `${name}.bias`], [gemm], { transB: 0 }, name);
      if (relu) b.node('Relu', [gemm], [out], {}, `${name}/relu`);
      return;
    }
    case 'affine': {
      const c = node.weights.scale.length;
      b.initializer(`${name}.scale`, 'float32', [c], node.weights.scale);
      b.initializer(`${name}.shift`, 'float32', [c], node.weights.shift);
      b.initializer(`${name}.mean`, 'float32', [c], new Float32Array(c));
      b.initializer(`${name}.var`, 'float32', [c], new Float32Array(c).fill(1));
      b.node('BatchNormalization', [ins[0], `${name}.scale`, `${name}.shift`, `${name}.mean`, `${name}.var`], [out], { epsilon: 0 }, name);
      return;
    }
    case 'pad': {
      needRank(3, 'an image (H, W, C)');
      const [top, left, bottom, right] = node.attrs.pads;
      b.initializer(`${name}.pads`, 'int64', [8], [0, 0, top, left, 0, 0, bottom, right]);
      b.node('Pad', [ins[0], `${name}.pads`], [out], {}, name);
      return;
    }
    case 'gap':
      needRank(3, 'an image (H, W, C)');
      b.node('GlobalAveragePool', [ins[0]], [`${name}/pool`], {}, name);
      b.node('Flatten', [`${name}/pool`], [out], { axis: 1 }, `${name}/flatten`);
      return;
    case 'flatten':
      if (inRank === 3) {
        // Keras flattens (H, W, C) in that order: back to NHWC first.
        b.node('Transpose', [ins[0]], [`${name}/nhwc`], { perm: [0, 2, 3, 1] }, `${name}/nhwc`);
        b.node('Flatten', [`${name}/nhwc`], [out], { axis: 1 }, name);
      } else {
        b.node('Flatten', [ins[0]], [out], { axis: 1 }, name);
      }
      return;
    case 'add':
      b.node(ins.length === 2 ? 'Add' : 'Sum', ins, [out], {}, name);
      return;
    case 'relu':
      b.node('Relu', [ins[0]], [out], {}, name);
      return;
    case 'sigmoid':
      b.node('Sigmoid', [ins[0]], [out], {}, name);
      return;
    case 'hardsigmoid':
      b.node('HardSigmoid', [ins[0]], [out], { alpha: node.attrs.alpha, beta: node.attrs.beta }, name);
      return;
    case 'hardswish':
      // HardSwish itself is opset 14: x * HardSigmoid(x) with alpha 1/6, beta 1/2 says the same at any opset.
      b.node('HardSigmoid', [ins[0]], [`${name}/gate`], { alpha: 1 / 6, beta: 0.5 }, `${name}/gate`);
      b.node('Mul', [ins[0], `${name}/gate`], [out], {}, name);
      return;
    case 'mul':
      b.node('Mul', ins, [out], {}, name);
      return;
    case 'concat':
      b.node('Concat', ins, [out], { axis: 1 }, name);
      return;
    case 'clip':
      b.initializer(`${name}.min`, 'float32', [], [node.attrs.min]);
      b.initializer(`${name}.max`, 'float32', [], [node.attrs.max]);
      b.node('Clip', [ins[0], `${name}.min`, `${name}.max`], [out], {}, name);
      return;
    case 'softmax':
      // Over the last axis of NHWC or (N, F): axis 1 in NCHW and in (N, F) alike.
      b.node('Softmax', [ins[0]], [out], { axis: 1 }, name);
      return;
  }
}
