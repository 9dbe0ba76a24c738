// The graft-level model description an imported Keras model (src/keras/lower.ts) or ONNX CNN
// (src/onnx/import-desc.ts) lowers to: a list of engine ops in topological order with explicit pads, BatchNorm folded
// into convolutions and ReLUs fused where possible, and weights in the engine's layouts. It is plain data, so the GPU graph builder maps it node by node and a CPU reference can
// run it too. All shapes leave out the batch dimension: activations are NHWC, conv weights HWIO, dense (in, out).

/** Explicit padding, [top, left, bottom, right]; TF 'same' padding with stride 2 is asymmetric (more at the end). */
export type Pads = [number, number, number, number];

interface NodeBase {
  name: string;
  /** Names of the nodes (or of the model input) this node reads, in order. */
  inputs: string[];
  /** The source layers (Keras layers, ONNX nodes) this node stands for (a conv, its folded BatchNorm and fused
   *  ReLU; a folded padding). */
  keras: string[];
  /** Output shape without the batch dimension: (H, W, C) or (features). */
  outShape: number[];
}

export interface Conv2dNode extends NodeBase {
  op: 'conv2d';
  /** groups (default 1): each output channel reads Cin / groups input channels (depthwise: 1); ONNX imports only. */
  attrs: { kernel: [number, number]; strides: [number, number]; pads: Pads; inChannels: number; outChannels: number; relu: boolean; groups?: number };
  weights: {
    w: Float32Array; // (KH, KW, Cin / groups, Cout)
    b: Float32Array; // (Cout)
  };
}

/** Max pooling; padded cells never win (they act as -infinity). */
export interface MaxPoolNode extends NodeBase {
  op: 'maxpool';
  attrs: { size: [number, number]; strides: [number, number]; pads: Pads };
}

/** Average pooling; the divisor counts only cells inside the input, as TensorFlow's 'same' pooling does. */
export interface AvgPoolNode extends NodeBase {
  op: 'avgpool';
  attrs: { size: [number, number]; strides: [number, number]; pads: Pads };
}

export interface DenseNode extends NodeBase {
  op: 'dense';
  attrs: { inFeatures: number; units: number; relu: boolean };
  weights: {
    w: Float32Array; // (in, out)
    b: Float32Array; // (out)
  };
}

/** y = x * scale + shift per channel (last axis): a BatchNormalization that had no convolution to fold into. */
export interface AffineNode extends NodeBase {
  op: 'affine';
  weights: {
    scale: Float32Array; // (C)
    shift: Float32Array; // (C)
  };
}

/** x clamped to [min, max] elementwise: ReLU6 (0, 6) in ONNX imports of MobileNets. */
export interface ClipNode extends NodeBase {
  op: 'clip';
  attrs: { min: number; max: number };
}

/** clamp(alpha * x + beta, 0, 1) elementwise: MobileNetV3's gate (ONNX imports). */
export interface HardSigmoidNode extends NodeBase {
  op: 'hardsigmoid';
  attrs: { alpha: number; beta: number };
}

/** Zero padding of the spatial axes of an (H, W, C) tensor. */
export interface PadNode extends NodeBase {
  op: 'pad';
  attrs: { pads: Pads };
}

/** Global average pooling (H, W, C) -> (C); element-wise sum of equal shapes; ReLU; softmax over the last axis;
 *  flatten (H, W, C) -> (H*W*C) in H, W, C order; and, from ONNX imports, sigmoid, hard swish, the elementwise
 *  product of two inputs whose second may be broadcast ((1, 1, C) against (H, W, C): squeeze-and-excitation), and
 *  the concatenation of its inputs along the channels (DenseNet). */
export interface SimpleNode extends NodeBase {
  op: 'gap' | 'add' | 'relu' | 'softmax' | 'flatten' | 'sigmoid' | 'hardswish' | 'mul' | 'concat';
}

export type GraftNode = Conv2dNode | MaxPoolNode | AvgPoolNode | DenseNode | AffineNode | PadNode | ClipNode | HardSigmoidNode | SimpleNode;
export type GraftOp = GraftNode['op'];

export interface GraftModelDesc {
  name: string;
  input: { name: string; shape: number[] }; // (H, W, C)
  nodes: GraftNode[];
  /** The node whose output is the model's output. */
  output: string;
}

/** Number of weight values the description holds (after folding, so fewer than the Keras file's). */
export function countDescParams(desc: GraftModelDesc): number {
  let n = 0;
  for (const node of desc.nodes) {
    if ('weights' in node) for (const w of Object.values(node.weights)) n += w.length;
  }
  return n;
}
