// Lowering a parsed Keras graph and its weights to graft's model description: shapes are inferred so every
// 'same' padding becomes explicit (asymmetric) pads, BatchNorm folds into the convolution before it, a ReLU that
// is a conv's or dense layer's only consumer fuses into it, and a ZeroPadding2D folds into the conv (or max pool
// over non-negative values) that is its only consumer. Folding is only done where it is exact in inference mode.

import { KerasFormatError, UnsupportedKerasError } from './errors.ts';
import type { GraftModelDesc, GraftNode, Pads } from './desc.ts';
import type { BatchNormLayer, Conv2DLayer, KerasGraph, KerasLayer, Pair, Padding } from './topology.ts';
import type { KerasWeight } from './weights.ts';

export interface LowerOptions {
  /** Input shape (H, W, C) to build for, when the model accepts several (null dims) or another size is wanted. */
  inputShape?: number[];
}

/** TensorFlow's 'same' padding along one axis: [before, after], the odd cell going after. */
export function samePads(size: number, kernel: number, stride: number): [number, number] {
  const total = Math.max((Math.ceil(size / stride) - 1) * stride + kernel - size, 0);
  const before = Math.floor(total / 2);
  return [before, total - before];
}

function windowPads(shape: number[], kernel: Pair, strides: Pair, padding: Padding, extra: Pads): Pads {
  if (padding === 'valid') return extra;
  // 'same' is computed on the already padded size, as the Keras layer sees it.
  const [t, b] = samePads(shape[0] + extra[0] + extra[2], kernel[0], strides[0]);
  const [l, r] = samePads(shape[1] + extra[1] + extra[3], kernel[1], strides[1]);
  return [extra[0] + t, extra[1] + l, extra[2] + b, extra[3] + r];
}

function windowOut(name: string, shape: number[], kernel: Pair, strides: Pair, pads: Pads): [number, number] {
  const oh = Math.floor((shape[0] + pads[0] + pads[2] - kernel[0]) / strides[0]) + 1;
  const ow = Math.floor((shape[1] + pads[1] + pads[3] - kernel[1]) / strides[1]) + 1;
  if (oh < 1 || ow < 1) {
    throw new KerasFormatError(`layer '${name}': window ${kernel} does not fit input ${JSON.stringify(shape)} padded ${pads}`);
  }
  return [oh, ow];
}

const NO_PADS: Pads = [0, 0, 0, 0];
const sameShape = (a: number[], b: number[]) => a.length === b.length && a.every((v, i) => v === b[i]);

/** Lowers a parsed graph with its weights; throws UnsupportedKerasError / KerasFormatError naming the layer. */
export function lowerKeras(graph: KerasGraph, weights: Map<string, KerasWeight>, opts: LowerOptions = {}): GraftModelDesc {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new UnsupportedKerasError(
      `model '${graph.name}' has ${graph.inputs.length} inputs and ${graph.outputs.length} outputs: only one of each is supported`,
    );
  }
  const layers = new Map(graph.layers.map((l) => [l.name, l]));
  const consumers = new Map<string, KerasLayer[]>(graph.layers.map((l) => [l.name, []]));
  for (const l of graph.layers) for (const i of l.inputs) consumers.get(i)!.push(l);
  /** The one layer reading `name`'s output, if exactly one does and it is not also a model output. */
  const soleConsumer = (name: string): KerasLayer | undefined => {
    const c = consumers.get(name)!;
    return c.length === 1 && !graph.outputs.includes(name) ? c[0] : undefined;
  };

  const nodes: GraftNode[] = [];
  const tensorOf = new Map<string, string>(); // Keras layer -> graft tensor holding its output
  const shapeOf = new Map<string, number[]>(); // graft tensor -> shape without batch
  const nonNegative = new Set<string>(); // graft tensors known to be >= 0 (ReLU outputs)
  const handled = new Set<string>(); // Keras layers folded into an earlier node
  const pendingPads = new Map<string, { pads: Pads; keras: string }>(); // consumer layer -> folded ZeroPadding2D

  const weight = (layer: string, w: string, shape: number[]): Float32Array => {
    const found = weights.get(`${layer}/${w}`);
    if (!found) throw new KerasFormatError(`layer '${layer}': weight '${layer}/${w}' is not in the weights manifest`);
    if (!sameShape(found.shape, shape)) {
      throw new KerasFormatError(`weight '${found.name}' has shape ${JSON.stringify(found.shape)}, expected ${JSON.stringify(shape)}`);
    }
    return found.data;
  };
  const emit = (node: GraftNode, keras: string[], nonNeg = false) => {
    nodes.push(node);
    shapeOf.set(node.name, node.outShape);
    for (const k of keras) tensorOf.set(k, node.name);
    if (nonNeg) nonNegative.add(node.name);
  };
  const inputOf = (layer: KerasLayer, index = 0): { tensor: string; shape: number[] } => {
    const tensor = tensorOf.get(layer.inputs[index])!;
    return { tensor, shape: shapeOf.get(tensor)! };
  };
  const needRank = (layer: KerasLayer, shape: number[], rank: number, what: string) => {
    if (shape.length !== rank) {
      throw new UnsupportedKerasError(`layer '${layer.name}' (${layer.kind}) on a ${shape.length}-D input ${JSON.stringify(shape)}: ${what}`);
    }
  };
  /** Per-channel (scale, shift) of an inference-mode BatchNorm, in float64 before rounding to f32. */
  const bnAffine = (bn: BatchNormLayer, shape: number[]): { scale: Float64Array; shift: Float64Array } => {
    const rank = shape.length + 1; // Keras counts the batch axis
    if (bn.axis !== -1 && bn.axis !== rank - 1) {
      throw new UnsupportedKerasError(`layer '${bn.name}' (BatchNormalization), setting axis = ${bn.axis} is not supported (only the channel axis, -1 or ${rank - 1})`);
    }
    const c = shape[shape.length - 1];
    const gamma = bn.scale ? weight(bn.name, 'gamma', [c]) : undefined;
    const beta = bn.center ? weight(bn.name, 'beta', [c]) : undefined;
    const mean = weight(bn.name, 'moving_mean', [c]);
    const variance = weight(bn.name, 'moving_variance', [c]);
    const scale = new Float64Array(c);
    const shift = new Float64Array(c);
    for (let i = 0; i < c; i++) {
      scale[i] = (gamma ? gamma[i] : 1) / Math.sqrt(variance[i] + bn.epsilon);
      shift[i] = (beta ? beta[i] : 0) - mean[i] * scale[i];
    }
    return { scale, shift };
  };
  /** A following Activation('relu') / ReLU that is `name`'s only consumer, to fuse. */
  const fusableRelu = (name: string): KerasLayer | undefined => {
    const next = soleConsumer(name);
    return next?.kind === 'Activation' && next.activation === 'relu' ? next : undefined;
  };

  const lowerConv = (conv: Conv2DLayer) => {
    const { tensor, shape } = inputOf(conv);
    needRank(conv, shape, 3, 'Conv2D needs (H, W, C)');
    const pending = pendingPads.get(conv.name);
    pendingPads.delete(conv.name);
    const pads = windowPads(shape, conv.kernelSize, conv.strides, conv.padding, pending?.pads ?? NO_PADS);
    const [oh, ow] = windowOut(conv.name, shape, conv.kernelSize, conv.strides, pads);
    const [kh, kw] = conv.kernelSize;
    const cin = shape[2];
    const cout = conv.filters;
    const kernel = weight(conv.name, 'kernel', [kh, kw, cin, cout]);
    const bias = conv.useBias ? weight(conv.name, 'bias', [cout]) : new Float32Array(cout);
    const keras = [...(pending ? [pending.keras] : []), conv.name];
    let w = kernel;
    let b = bias;
    let last = conv.name;
    const bn = conv.activation === 'linear' ? soleConsumer(conv.name) : undefined;
    if (bn?.kind === 'BatchNormalization') {
      // y = (conv(x) + b - mean) * gamma / sqrt(var + eps) + beta, so scale each output channel's weights.
      const { scale, shift } = bnAffine(bn, [oh, ow, cout]);
      w = new Float32Array(kernel.length);
      for (let i = 0; i < kernel.length; i++) w[i] = kernel[i] * scale[i % cout];
      b = new Float32Array(cout);
      for (let o = 0; o < cout; o++) b[o] = bias[o] * scale[o] + shift[o];
      handled.add(bn.name);
      keras.push(bn.name);
      last = bn.name;
    }
    let relu = conv.activation === 'relu';
    const r = relu ? undefined : fusableRelu(last);
    if (r) {
      relu = true;
      handled.add(r.name);
      keras.push(r.name);
    }
    emit(
      {
        name: conv.name,
        op: 'conv2d',
        inputs: [tensor],
        keras,
        outShape: [oh, ow, cout],
        attrs: { kernel: [kh, kw], strides: conv.strides, pads, inChannels: cin, outChannels: cout, relu },
        weights: { w, b },
      },
      keras,
      relu,
    );
  };

  const lower = (layer: KerasLayer) => {
    switch (layer.kind) {
      case 'InputLayer':
        throw new UnsupportedKerasError(`input layer '${layer.name}' is not the model's input: only one input is supported`);
      case 'ZeroPadding2D': {
        const { tensor, shape } = inputOf(layer);
        needRank(layer, shape, 3, 'ZeroPadding2D needs (H, W, C)');
        const [top, bottom, left, right] = layer.padding;
        const pads: Pads = [top, left, bottom, right];
        const next = soleConsumer(layer.name);
        // Zeros padded before a max pool only equal ignored cells when every real value is >= 0 and no window
        // lies wholly in the padding.
        const intoPool =
          next?.kind === 'MaxPooling2D' &&
          nonNegative.has(tensor) &&
          Math.max(top, bottom) < next.poolSize[0] &&
          Math.max(left, right) < next.poolSize[1];
        if (next && (next.kind === 'Conv2D' || intoPool)) {
          pendingPads.set(next.name, { pads, keras: layer.name });
          tensorOf.set(layer.name, tensor);
          return;
        }
        const outShape = [shape[0] + top + bottom, shape[1] + left + right, shape[2]];
        emit({ name: layer.name, op: 'pad', inputs: [tensor], keras: [layer.name], outShape, attrs: { pads } }, [layer.name], nonNegative.has(tensor));
        return;
      }
      case 'Conv2D':
        return lowerConv(layer);
      case 'BatchNormalization': {
        const { tensor, shape } = inputOf(layer);
        const { scale, shift } = bnAffine(layer, shape);
        emit(
          {
            name: layer.name,
            op: 'affine',
            inputs: [tensor],
            keras: [layer.name],
            outShape: shape,
            weights: { scale: Float32Array.from(scale), shift: Float32Array.from(shift) },
          },
          [layer.name],
        );
        return;
      }
      case 'Activation': {
        const { tensor, shape } = inputOf(layer);
        if (layer.activation === 'linear') {
          tensorOf.set(layer.name, tensor);
          return;
        }
        const op = layer.activation;
        emit({ name: layer.name, op, inputs: [tensor], keras: [layer.name], outShape: shape }, [layer.name], op === 'relu');
        return;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        const { tensor, shape } = inputOf(layer);
        needRank(layer, shape, 3, 'pooling needs (H, W, C)');
        const pending = pendingPads.get(layer.name);
        pendingPads.delete(layer.name);
        const pads = windowPads(shape, layer.poolSize, layer.strides, layer.padding, pending?.pads ?? NO_PADS);
        const [oh, ow] = windowOut(layer.name, shape, layer.poolSize, layer.strides, pads);
        const keras = [...(pending ? [pending.keras] : []), layer.name];
        const op = layer.kind === 'MaxPooling2D' ? 'maxpool' : 'avgpool';
        const attrs = { size: layer.poolSize, strides: layer.strides, pads };
        emit({ name: layer.name, op, inputs: [tensor], keras, outShape: [oh, ow, shape[2]], attrs }, keras, nonNegative.has(tensor));
        return;
      }
      case 'Add': {
        const ins = layer.inputs.map((_, i) => inputOf(layer, i));
        for (const i of ins) {
          if (!sameShape(i.shape, ins[0].shape)) {
            throw new UnsupportedKerasError(
              `layer '${layer.name}' (Add) on shapes ${ins.map((x) => JSON.stringify(x.shape)).join(' and ')}: only equal shapes are supported`,
            );
          }
        }
        const nonNeg = ins.every((i) => nonNegative.has(i.tensor));
        emit({ name: layer.name, op: 'add', inputs: ins.map((i) => i.tensor), keras: [layer.name], outShape: ins[0].shape }, [layer.name], nonNeg);
        return;
      }
      case 'GlobalAveragePooling2D': {
        const { tensor, shape } = inputOf(layer);
        needRank(layer, shape, 3, 'GlobalAveragePooling2D needs (H, W, C)');
        emit({ name: layer.name, op: 'gap', inputs: [tensor], keras: [layer.name], outShape: [shape[2]] }, [layer.name], nonNegative.has(tensor));
        return;
      }
      case 'Flatten': {
        const { tensor, shape } = inputOf(layer);
        if (shape.length === 1) {
          tensorOf.set(layer.name, tensor);
          return;
        }
        const outShape = [shape.reduce((a, b) => a * b, 1)];
        emit({ name: layer.name, op: 'flatten', inputs: [tensor], keras: [layer.name], outShape }, [layer.name], nonNegative.has(tensor));
        return;
      }
      case 'Dense': {
        const { tensor, shape } = inputOf(layer);
        needRank(layer, shape, 1, 'Dense is supported on (features) inputs only');
        const w = weight(layer.name, 'kernel', [shape[0], layer.units]);
        const b = layer.useBias ? weight(layer.name, 'bias', [layer.units]) : new Float32Array(layer.units);
        const keras = [layer.name];
        let relu = layer.activation === 'relu';
        const r = layer.activation === 'linear' ? fusableRelu(layer.name) : undefined;
        if (r) {
          relu = true;
          handled.add(r.name);
          keras.push(r.name);
        }
        const attrs = { inFeatures: shape[0], units: layer.units, relu };
        emit({ name: layer.name, op: 'dense', inputs: [tensor], keras, outShape: [layer.units], attrs, weights: { w, b } }, keras, relu);
        if (layer.activation === 'softmax') {
          const name = `${layer.name}/softmax`;
          emit({ name, op: 'softmax', inputs: [layer.name], keras: [layer.name], outShape: [layer.units] }, [layer.name]);
        }
        return;
      }
    }
  };

  const input = layers.get(graph.inputs[0]);
  if (input?.kind !== 'InputLayer') throw new KerasFormatError(`model input '${graph.inputs[0]}' is not an InputLayer`);
  const inputShape = opts.inputShape ?? input.shape;
  if (!inputShape.every((d) => Number.isInteger(d) && (d as number) > 0) || (inputShape.length !== 3 && inputShape.length !== 1)) {
    throw new UnsupportedKerasError(
      `model input '${input.name}' has shape ${JSON.stringify(inputShape)}: give a fixed (H, W, C) or (features) shape (LowerOptions.inputShape)`,
    );
  }
  // Another spatial size is allowed (a GAP-based net runs at any size; a Flatten+Dense one fails on the weight
  // shape); another rank or channel count is not.
  const last = inputShape.length - 1;
  if (input.shape.length !== inputShape.length || (input.shape[last] !== null && input.shape[last] !== inputShape[last])) {
    throw new KerasFormatError(`input shape ${JSON.stringify(inputShape)} does not fit model input ${JSON.stringify(input.shape)}`);
  }
  tensorOf.set(input.name, input.name);
  shapeOf.set(input.name, inputShape as number[]);

  for (const layer of graph.layers) {
    if (layer === input || handled.has(layer.name)) continue;
    lower(layer);
  }
  const output = tensorOf.get(graph.outputs[0]);
  if (!output) throw new KerasFormatError(`model output '${graph.outputs[0]}' is not reached from the input`);
  return { name: graph.name, input: { name: input.name, shape: inputShape as number[] }, nodes, output };
}
