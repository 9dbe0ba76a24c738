// An ONNX CNN as a graft model description (src/keras/desc.ts), so that it trains on the GPU graph as the Keras
// models do: NHWC activations, HWIO conv weights, BatchNormalization folded into the Conv before it (in float64),
// ReLUs fused into the Conv or Gemm that is their only input, pads explicit (a zero Pad folded into the Conv after
// it, ceil_mode turned into extra bottom/right padding). The operators are those of the ResNet, VGG, MobileNet
// (V2 and V3), EfficientNet and DenseNet families as torchvision and the ONNX model zoo export them: Conv (grouped
// and depthwise too), BatchNormalization (folded into the Conv before it, or a per-channel affine map where none
// is, as in DenseNet), Relu, Clip (ReLU6), Sigmoid, HardSigmoid, HardSwish, MaxPool, AveragePool,
// GlobalAveragePool (the classifier's, or a squeeze-and-excitation block's), Add of two activations, Mul of two
// (SiLU, or a map and its gate), Concat along the channels, Flatten or Reshape to (N, features), Gemm, MatMul (+ Add
// of a bias), Softmax, Pad, Dropout and Identity. Anything else is
// refused with the node named. `trunk` stops before the classifier (at the input of the pooling that leads into the
// first Flatten, Reshape, Gemm or MatMul), so a network whose classifier is sized for one input size still gives its
// convolutional part at any size. The inverse, for the same node types, is export-graph.ts.

import type { GraftModelDesc, GraftNode, Pads } from '../keras/desc.ts';
import { attrFloat, attrInt, attrInts, attrString, constantValues, type OnnxModel, type OnnxNode } from './model.ts';
import { toFloat32, toIntegers, type OnnxTensor } from './tensor.ts';
import { inferShapes, window2d, type TensorInfo } from './shapes.ts';
import { oihwToHwio } from './conv-layouts.ts';
import { assertSupported } from './ops-supported.ts';
import { UnsupportedOnnxError } from './errors.ts';

export interface ImportOptions {
  /** Height and width of the input images, replacing the graph's own; default: the sizes its input declares. */
  size?: number;
  /** Stop before the classifier: the description ends at the last convolutional activation. */
  trunk?: boolean;
}

const HEAD_OPS = new Set(['Flatten', 'Reshape', 'Gemm', 'MatMul']);
/** Nodes that lead into a classifier's head: its pooling (ReduceMean over the map, as converters from TensorFlow write
 *  it), a Squeeze of the pooled map, and what is the identity at inference. */
const LEAD_INS = new Set(['GlobalAveragePool', 'GlobalMaxPool', 'ReduceMean', 'Squeeze', 'Dropout', 'Identity']);
const SUPPORTED = 'Conv (any group), BatchNormalization, Concat of channels, Relu, Clip, Sigmoid, HardSigmoid, HardSwish, Mul of activations, MaxPool, AveragePool, GlobalAveragePool, Add, Flatten, Reshape to (N, features), Gemm, MatMul (+ Add), Softmax, zero Pad before a Conv, Dropout, Identity';

/** The description of `model` (or of its convolutional trunk) for images of the given size. */
export function onnxToDesc(model: OnnxModel, options: ImportOptions): GraftModelDesc {
  const m = options.trunk ? trunkOf(model) : model;
  const graphInputs = m.graph.inputs.filter((v) => !m.graph.initializers.has(v.name));
  if (graphInputs.length !== 1) throw new UnsupportedOnnxError(`${m.file}: a backbone takes one image input, this graph has ${graphInputs.length} (${graphInputs.map((v) => v.name).join(', ')})`);
  const input = graphInputs[0];
  const channels = input.shape?.[1];
  if (input.shape?.length !== 4 || typeof channels !== 'number') {
    throw new UnsupportedOnnxError(`${m.file}: input '${input.name}' must be (N, C, H, W) with a fixed C, got [${(input.shape ?? []).join(',')}]`);
  }
  const [h, w] = options.size ? [options.size, options.size] : input.shape.slice(2);
  if (typeof h !== 'number' || typeof w !== 'number') throw new UnsupportedOnnxError(`${m.file}: input '${input.name}' declares no fixed height and width; give the size`);
  assertSupported(m);
  const inferred = inferShapes(m, new Map([[input.name, { dtype: 'float32', shape: [1, channels, h, w] } as TensorInfo]]));
  assertSupported(m, inferred.problems);
  return new Lowering(m, inferred.values, input.name, [h, w, channels]).run();
}

/**
 * The model cut before its classifier: the first Flatten, Reshape, Gemm or MatMul, with the pooling, Squeeze, Dropout
 * or Identity nodes that lead into it, starts the head; the tensor entering that chain becomes the output. (A
 * GlobalAveragePool elsewhere, in a squeeze-and-excitation block, stays in the trunk.)
 */
function trunkOf(model: OnnxModel): OnnxModel {
  const nodes = model.graph.nodes;
  let first = nodes.findIndex((n) => HEAD_OPS.has(n.opType));
  if (first < 0) return model;
  const producer = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((t) => producer.set(t, i)));
  for (;;) {
    const p = producer.get(nodes[first].inputs[0]);
    if (p === undefined || !LEAD_INS.has(nodes[p].opType)) break;
    first = p;
  }
  const end = nodes[first].inputs[0];
  return { ...model, graph: { ...model.graph, nodes: nodes.slice(0, first), outputs: [{ name: end }] } } as OnnxModel;
}

/** One walk over the graph in order, emitting description nodes. */
class Lowering {
  private readonly nodes: GraftNode[] = [];
  private readonly constants: Map<string, OnnxTensor>;
  private readonly consumers = new Map<string, OnnxNode[]>();
  private readonly outputs: Set<string>;
  /** ONNX tensor -> description tensor (a node's name, or the input's). */
  private readonly tensorOf = new Map<string, string>();
  /** Per-image description shapes: (H, W, C) or (features). */
  private readonly shapes = new Map<string, number[]>();
  /** ONNX nodes already lowered as part of another (a folded BatchNorm, a fused Relu, a bias Add). */
  private readonly handled = new Set<OnnxNode>();
  /** Zero pads of a Pad node, waiting for the Conv that reads it. */
  private readonly pendingPads = new Map<string, Pads>();
  /** Flattened (H, W, C) maps: their features lie in H, W, C order where ONNX's lie in C, H, W order. */
  private readonly flattened = new Map<string, [number, number, number]>();
  private readonly names = new Set<string>();

  constructor(
    private readonly model: OnnxModel,
    private readonly info: Map<string, TensorInfo>,
    private readonly inputName: string,
    inputShape: number[],
  ) {
    this.constants = constantValues(model.graph);
    for (const node of model.graph.nodes) for (const t of node.inputs) if (t) this.consumers.set(t, [...(this.consumers.get(t) ?? []), node]);
    this.outputs = new Set(model.graph.outputs.map((o) => o.name));
    this.tensorOf.set(inputName, inputName);
    this.shapes.set(inputName, inputShape);
    this.names.add(inputName);
  }

  run(): GraftModelDesc {
    for (const node of this.model.graph.nodes) {
      if (this.handled.has(node) || node.opType === 'Constant') continue;
      this.lower(node);
    }
    const out = this.model.graph.outputs[0].name;
    const output = this.tensorOf.get(out);
    if (!output || output === this.inputName) throw new UnsupportedOnnxError(`${this.model.file}: output '${out}' is not computed from the input by supported nodes`);
    return { name: this.model.graph.name || 'onnx', input: { name: this.inputName, shape: this.shapes.get(this.inputName)! }, nodes: this.nodes, output };
  }

  private fail(node: OnnxNode, why: string): never {
    throw new UnsupportedOnnxError(`${this.model.file}: node '${node.name}' (${node.opType}): ${why}; a trainable graft model takes ${SUPPORTED}`);
  }

  /** The node that alone reads tensor `t` (none when t is a graph output or read twice). */
  private soleConsumer(t: string): OnnxNode | undefined {
    const c = this.consumers.get(t) ?? [];
    return c.length === 1 && !this.outputs.has(t) ? c[0] : undefined;
  }

  private constant(node: OnnxNode, i: number, what: string): { values: Float32Array; dims: number[] } {
    const t = this.constants.get(node.inputs[i]);
    if (!t) this.fail(node, `its ${what} ('${node.inputs[i]}') must be an initializer or a Constant`);
    return { values: toFloat32(t), dims: [...t.dims] };
  }

  /** The description tensor and shape that ONNX tensor `t` maps to. */
  private source(node: OnnxNode, t: string): { tensor: string; shape: number[] } {
    const tensor = this.tensorOf.get(t);
    if (tensor === undefined) this.fail(node, `its input '${t}' is not an activation computed by supported nodes`);
    return { tensor, shape: this.shapes.get(tensor)! };
  }

  private uniqueName(node: OnnxNode): string {
    const base = (node.name || node.outputs[0]).replace(/[^A-Za-z0-9_]/g, '_') || node.opType;
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  private emit(node: GraftNode, last: string): void {
    this.nodes.push(node);
    this.tensorOf.set(last, node.name);
    this.shapes.set(node.name, node.outShape);
  }

  private alias(node: OnnxNode): void {
    const { tensor } = this.source(node, node.inputs[0]);
    this.tensorOf.set(node.outputs[0], tensor);
    if (this.flattened.has(node.inputs[0])) this.flattened.set(node.outputs[0], this.flattened.get(node.inputs[0])!);
  }

  /** A Relu that alone reads `t`: taken into the node before it. */
  private fusedRelu(t: string): OnnxNode | undefined {
    const next = this.soleConsumer(t);
    if (next?.opType !== 'Relu') return undefined;
    this.handled.add(next);
    return next;
  }

  private lower(node: OnnxNode): void {
    switch (node.opType) {
      case 'Conv': return this.conv(node);
      case 'BatchNormalization': return this.batchNorm(node);
      case 'Concat': return this.concat(node);
      case 'Relu': return this.elementwise(node, { op: 'relu' });
      case 'Sigmoid': return this.elementwise(node, { op: 'sigmoid' });
      case 'HardSwish': return this.elementwise(node, { op: 'hardswish' });
      case 'HardSigmoid': return this.elementwise(node, { op: 'hardsigmoid', attrs: { alpha: attrFloat(node, 'alpha', 0.2), beta: attrFloat(node, 'beta', 0.5) } });
      case 'Clip': return this.clip(node);
      case 'MaxPool':
      case 'AveragePool': return this.pool(node);
      case 'GlobalAveragePool': return this.globalAveragePool(node);
      case 'Mul': return this.mul(node);
      case 'Add': return this.add(node);
      case 'Flatten':
      case 'Reshape': return this.flatten(node);
      case 'Gemm':
      case 'MatMul': return this.dense(node);
      case 'Softmax': {
        const { tensor, shape } = this.source(node, node.inputs[0]);
        if (shape.length !== 1) this.fail(node, 'only a softmax over the features of a (N, features) tensor is supported');
        return this.emit({ name: this.uniqueName(node), op: 'softmax', inputs: [tensor], keras: [node.name], outShape: shape }, node.outputs[0]);
      }
      case 'Pad': return this.pad(node);
      case 'Dropout':
        if (node.outputs[1] && this.consumers.has(node.outputs[1])) this.fail(node, 'its mask output is read');
        return this.alias(node);
      case 'Identity': return this.alias(node);
      default: return this.fail(node, 'operator not supported');
    }
  }

  /** A node of one input that keeps its shape: an activation. */
  private elementwise(node: OnnxNode, kind: { op: 'relu' | 'sigmoid' | 'hardswish' } | { op: 'hardsigmoid'; attrs: { alpha: number; beta: number } }): void {
    const { tensor, shape } = this.source(node, node.inputs[0]);
    this.emit({ ...kind, name: this.uniqueName(node), inputs: [tensor], keras: [node.name], outShape: shape }, node.outputs[0]);
  }

  /**
   * Before a classifier (read by Flatten or Reshape): the features (C). Inside the network (a squeeze-and-excitation
   * block, whose 1x1 convolutions read it): a (1, 1, C) map, an average pool over the whole map.
   */
  private globalAveragePool(node: OnnxNode): void {
    const { tensor, shape } = this.source(node, node.inputs[0]);
    if (shape.length !== 3) this.fail(node, 'its input must be a (C, H, W) map');
    const [H, W, C] = shape;
    const base = { name: this.uniqueName(node), inputs: [tensor], keras: [node.name] };
    const head = (this.consumers.get(node.outputs[0]) ?? []).every((c) => c.opType === 'Flatten' || c.opType === 'Reshape');
    if (head) this.emit({ ...base, op: 'gap', outShape: [C] }, node.outputs[0]);
    else this.emit({ ...base, op: 'avgpool', outShape: [1, 1, C], attrs: { size: [H, W], strides: [1, 1], pads: [0, 0, 0, 0] } }, node.outputs[0]);
  }

  private conv(node: OnnxNode): void {
    const { tensor, shape } = this.source(node, node.inputs[0]);
    if (shape.length !== 3) this.fail(node, 'its input must be a (C, H, W) map');
    const groups = attrInt(node, 'group', 1);
    const { values: wOihw, dims } = this.constant(node, 1, 'weight');
    const [cout, cinG, kh, kw] = dims;
    const cin = cinG * groups;
    if (cin !== shape[2]) this.fail(node, `its weight takes ${cinG} channels in each of ${groups} groups, the input has ${shape[2]}`);
    const [H, W] = shape;
    const win = window2d(node, H, W, [kh, kw]);
    const pending = this.pendingPads.get(node.inputs[0]);
    const pads = win.pads.map((p, i) => p + (pending?.[i] ?? 0)) as Pads;
    const [oh, ow] = [0, 1].map((i) => Math.floor((shape[i] + pads[i] + pads[i + 2] - [kh, kw][i]) / win.strides[i]) + 1);
    const w = oihwToHwio(wOihw, dims);
    let b = node.inputs[2] ? this.constant(node, 2, 'bias').values : new Float32Array(cout);
    const onnxNodes = [node.name];
    let last = node.outputs[0];
    const bn = this.soleConsumer(last);
    if (bn?.opType === 'BatchNormalization') {
      // BN(conv(x) + b) = conv(x) * scale + (b * scale + shift): each output channel's weights scaled.
      const { scale, shift } = this.bnAffine(bn);
      const folded = new Float32Array(cout);
      for (let o = 0; o < cout; o++) {
        folded[o] = b[o] * scale[o] + shift[o];
        for (let k = o; k < w.length; k += cout) w[k] = w[k] * scale[o];
      }
      b = folded;
      this.handled.add(bn);
      onnxNodes.push(bn.name);
      last = bn.outputs[0];
    }
    const relu = this.fusedRelu(last);
    if (relu) {
      onnxNodes.push(relu.name);
      last = relu.outputs[0];
    }
    this.emit({
      name: this.uniqueName(node), op: 'conv2d', inputs: [tensor], keras: onnxNodes, outShape: [oh, ow, cout],
      attrs: { kernel: [kh, kw], strides: win.strides, pads, inChannels: cin, outChannels: cout, relu: relu !== undefined, ...(groups > 1 ? { groups } : {}) },
      weights: { w, b },
    }, last);
  }

  /** Clip with constant bounds (ReLU6 in MobileNets): bounds from attributes before opset 11, inputs after. */
  private clip(node: OnnxNode): void {
    const { tensor, shape } = this.source(node, node.inputs[0]);
    const bound = (i: number, name: string, fallback: number) => {
      if (this.model.opset < 11) return attrFloat(node, name, fallback);
      return node.inputs[i] ? this.constant(node, i, name).values[0] : fallback;
    };
    const attrs = { min: bound(1, 'min', -Infinity), max: bound(2, 'max', Infinity) };
    this.emit({ name: this.uniqueName(node), op: 'clip', inputs: [tensor], keras: [node.name], outShape: shape, attrs }, node.outputs[0]);
  }

  private pool(node: OnnxNode): void {
    const { tensor, shape } = this.source(node, node.inputs[0]);
    if (shape.length !== 3) this.fail(node, 'its input must be a (C, H, W) map');
    if (node.outputs[1] && this.consumers.has(node.outputs[1])) this.fail(node, 'its Indices output is read');
    if ((attrInts(node, 'dilations') ?? [1, 1]).some((d) => d !== 1)) this.fail(node, 'dilations other than 1');
    const k = attrInts(node, 'kernel_shape')! as [number, number];
    const win = window2d(node, shape[0], shape[1], k);
    // ceil_mode's last window, which may hang past the input, as padding on the bottom and right: a max pool ignores
    // padded cells, and graft's average pool counts only cells inside the input, as ONNX's does without
    // count_include_pad.
    const pads = [...win.pads] as Pads;
    for (let i = 0; i < 2; i++) pads[i + 2] = Math.max(pads[i + 2], (win.out[i] - 1) * win.strides[i] + k[i] - shape[i] - pads[i]);
    const op = node.opType === 'MaxPool' ? 'maxpool' : 'avgpool';
    if (op === 'avgpool' && attrInt(node, 'count_include_pad', 0) === 1 && pads.some((p) => p > 0)) {
      this.fail(node, 'count_include_pad=1 with padding (graft averages over the cells inside the input)');
    }
    this.emit({ name: this.uniqueName(node), op, inputs: [tensor], keras: [node.name], outShape: [win.out[0], win.out[1], shape[2]], attrs: { size: k, strides: win.strides, pads } }, node.outputs[0]);
  }

  private add(node: OnnxNode): void {
    if (node.inputs.some((t) => this.constants.has(t))) this.fail(node, 'an Add of a constant is supported only as the bias after a MatMul');
    const [a, b] = node.inputs.map((t) => this.source(node, t));
    if (a.shape.join() !== b.shape.join()) this.fail(node, `its operands differ in shape ((${a.shape}) and (${b.shape})); graft adds equal shapes`);
    // A residual sum's ReLU stays a node of its own: the description's add has no fused activation.
    this.emit({ name: this.uniqueName(node), op: 'add', inputs: [a.tensor, b.tensor], keras: [node.name], outShape: a.shape }, node.outputs[0]);
  }

  /** A BatchNormalization with no Conv before it (DenseNet's, on a block's input): x * scale + shift per channel. */
  private batchNorm(node: OnnxNode): void {
    const { tensor, shape } = this.source(node, node.inputs[0]);
    if (shape.length !== 3) this.fail(node, 'its input must be a (C, H, W) map');
    const { scale, shift } = this.bnAffine(node);
    const weights = { scale: Float32Array.from(scale), shift: Float32Array.from(shift) };
    this.emit({ name: this.uniqueName(node), op: 'affine', inputs: [tensor], keras: [node.name], outShape: shape, weights }, node.outputs[0]);
  }

  /** An inference-mode BatchNormalization as y = x * scale + shift per channel, in float64 before rounding to f32. */
  private bnAffine(bn: OnnxNode): { scale: Float64Array; shift: Float64Array } {
    const [gamma, beta, mean, variance] = [1, 2, 3, 4].map((i) => this.constant(bn, i, ['', 'scale', 'bias', 'mean', 'var'][i]).values);
    const eps = attrFloat(bn, 'epsilon', 1e-5);
    const scale = Float64Array.from(gamma, (g, i) => g / Math.sqrt(variance[i] + eps));
    return { scale, shift: Float64Array.from(beta, (b, i) => b - mean[i] * scale[i]) };
  }

  /** Concat of maps along the channels (ONNX axis 1 of NCHW). */
  private concat(node: OnnxNode): void {
    const parts = node.inputs.map((t) => this.source(node, t));
    const axis = attrInt(node, 'axis', 1);
    if (parts.some((p) => p.shape.length !== 3) || (axis !== 1 && axis !== -3)) this.fail(node, 'only a concatenation of (C, H, W) maps along the channels is supported');
    if (parts.some((p) => p.shape[0] !== parts[0].shape[0] || p.shape[1] !== parts[0].shape[1])) this.fail(node, 'its maps differ in height or width');
    const c = parts.reduce((sum, p) => sum + p.shape[2], 0);
    this.emit({ name: this.uniqueName(node), op: 'concat', inputs: parts.map((p) => p.tensor), keras: [node.name], outShape: [parts[0].shape[0], parts[0].shape[1], c] }, node.outputs[0]);
  }

  /** The product of two activations: of equal shapes (SiLU's x * sigmoid(x)), or a map and its (1, 1, C) gate. */
  private mul(node: OnnxNode): void {
    if (node.inputs.some((t) => this.constants.has(t))) this.fail(node, 'a Mul by a constant (a layer scale) is not supported');
    let [a, b] = node.inputs.map((t) => this.source(node, t));
    const gate = (g: number[], m: number[]) => g.length === 3 && m.length === 3 && g[0] === 1 && g[1] === 1 && g[2] === m[2];
    if (a.shape.join() !== b.shape.join()) {
      if (gate(a.shape, b.shape)) [a, b] = [b, a];
      else if (!gate(b.shape, a.shape)) this.fail(node, `its operands ((${a.shape}) and (${b.shape})) are neither equal nor a map and its per-channel gate`);
    }
    this.emit({ name: this.uniqueName(node), op: 'mul', inputs: [a.tensor, b.tensor], keras: [node.name], outShape: a.shape }, node.outputs[0]);
  }

  /** Flatten (axis 1) or Reshape to (N, features). */
  private flatten(node: OnnxNode): void {
    const { tensor, shape } = this.source(node, node.inputs[0]);
    const out = this.info.get(node.outputs[0])!.shape;
    const features = shape.reduce((p, d) => p * d, 1);
    if (out.length !== 2 || out[1] !== features) this.fail(node, `only a reshape to (N, ${features}) is supported, this gives [${out.join(',')}]`);
    if (shape.length === 1) return this.alias(node);
    this.emit({ name: this.uniqueName(node), op: 'flatten', inputs: [tensor], keras: [node.name], outShape: [features] }, node.outputs[0]);
    // (1, 1, C) flattens in the same order either way.
    if (shape[0] * shape[1] > 1) this.flattened.set(node.outputs[0], shape as [number, number, number]);
  }

  /** Gemm, or MatMul followed by an Add of a bias: a dense layer (in, out). */
  private dense(node: OnnxNode): void {
    const { tensor, shape } = this.source(node, node.inputs[0]);
    if (shape.length !== 1) this.fail(node, 'its input must be a (N, features) tensor');
    const { values: bv, dims } = this.constant(node, 1, 'weight');
    let transB = false;
    let bias: Float32Array | undefined;
    let last = node.outputs[0];
    if (node.opType === 'Gemm') {
      if (attrInt(node, 'transA', 0) !== 0 || attrFloat(node, 'alpha', 1) !== 1) this.fail(node, 'transA and alpha other than 0 and 1');
      transB = attrInt(node, 'transB', 0) === 1;
      if (node.inputs[2]) {
        if (attrFloat(node, 'beta', 1) !== 1) this.fail(node, 'beta other than 1');
        bias = this.constant(node, 2, 'bias C').values;
      }
    } else {
      const add = this.soleConsumer(last);
      const other = add?.opType === 'Add' ? add.inputs.find((t) => t !== last) : undefined;
      if (add && other && this.constants.has(other)) {
        bias = toFloat32(this.constants.get(other)!);
        this.handled.add(add);
        last = add.outputs[0];
      }
    }
    if (dims.length !== 2) this.fail(node, `its weight must be 2-D, got [${dims.join(',')}]`);
    const [inF, outF] = transB ? [dims[1], dims[0]] : dims;
    if (inF !== shape[0]) this.fail(node, `its weight takes ${inF} features, the input has ${shape[0]}`);
    if (bias && bias.length !== outF) this.fail(node, `its bias has ${bias.length} values for ${outF} outputs`);
    // w (in, out) row-major; a flattened (H, W, C) map's feature (h, w, c) is ONNX's feature (c, h, w).
    const hwc = this.flattened.get(node.inputs[0]);
    const w = new Float32Array(inF * outF);
    for (let i = 0; i < inF; i++) {
      const src = hwc ? chwIndex(i, hwc) : i;
      for (let o = 0; o < outF; o++) w[i * outF + o] = transB ? bv[o * inF + src] : bv[src * outF + o];
    }
    const onnxNodes = [node.name, ...(last !== node.outputs[0] ? [this.consumers.get(node.outputs[0])![0].name] : [])];
    const relu = this.fusedRelu(last);
    if (relu) {
      onnxNodes.push(relu.name);
      last = relu.outputs[0];
    }
    this.emit({
      name: this.uniqueName(node), op: 'dense', inputs: [tensor], keras: onnxNodes, outShape: [outF],
      attrs: { inFeatures: inF, units: outF, relu: relu !== undefined }, weights: { w, b: bias ?? new Float32Array(outF) },
    }, last);
  }

  /** A zero Pad of the spatial axes, taken into the Conv that alone reads it. */
  private pad(node: OnnxNode): void {
    const next = this.soleConsumer(node.outputs[0]);
    const mode = attrString(node, 'mode', 'constant');
    const pads = this.model.opset >= 11 ? toIntegers(this.constants.get(node.inputs[1]) ?? this.fail(node, 'its pads must be constant')) : (attrInts(node, 'pads') ?? []);
    const value = this.model.opset >= 11 ? (node.inputs[2] ? toFloat32(this.constants.get(node.inputs[2]) ?? this.fail(node, 'its value must be constant'))[0] : 0) : attrFloat(node, 'value', 0);
    if (next?.opType !== 'Conv' || mode !== 'constant' || value !== 0 || node.inputs[3]) this.fail(node, 'only a zero Pad whose one reader is a Conv is supported');
    if (pads.length !== 8 || [0, 1, 4, 5].some((i) => pads[i] !== 0) || pads.some((p) => p < 0)) this.fail(node, 'only non-negative pads of the two spatial axes are supported');
    this.pendingPads.set(node.outputs[0], [pads[2], pads[3], pads[6], pads[7]]);
    this.alias(node);
  }
}

/** Index in C, H, W order of feature i of a map flattened in H, W, C order. */
function chwIndex(i: number, [H, W, C]: [number, number, number]): number {
  const c = i % C;
  const w = Math.floor(i / C) % W;
  const h = Math.floor(i / (C * W));
  return (c * H + h) * W + w;
}
