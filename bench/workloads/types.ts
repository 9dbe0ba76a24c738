// What a bench workload is: a small program (a conv stack run forward, one convolution's gradients, or training
// steps of a conv stack + GAP + dense + softmax cross-entropy) with sizes, so that every engine implements each
// program once, in its own API, from the same description.
//
// Layouts follow graft: activations NHWC, conv weights HWIO (kh, kw, cin, cout), dense weights (in, out).
// Engines with other conventions (ONNX: NCHW, OIHW) convert the shared data when they prepare.

export interface ConvLayer {
  kind: 'conv';
  cin: number;
  cout: number;
  k: number;
  stride: number;
  /** top, left, bottom, right */
  pad: [number, number, number, number];
  relu: boolean;
}

export interface PoolLayer {
  kind: 'maxpool';
  k: number;
  stride: number;
}

export type Layer = ConvLayer | PoolLayer;

interface Common {
  /** Stable id used by --only and in the JSON ("vgg19-b8", "conv-56x256-bwd-b1"). */
  id: string;
  /** The workload group --only also accepts ("vgg19", "finetune", "conv", "top"). */
  group: string;
  /** One line for the table. */
  title: string;
  /** Images per run (per step for training; the whole epoch is `batch * steps` images). */
  batch: number;
  /** Input (H, W, C) of one image. */
  input: [number, number, number];
  /** Exact FLOPs of one run, and how they were counted (see flops.ts). */
  flops: number;
  flopsNote: string;
  /** Whether tfjs-cpu runs it by default (it is 10-100x slower than the rest; --all or --only include it). */
  smallForCpu: boolean;
}

/** A conv stack run forward: the output is the last layer's (N, OH, OW, C). */
export interface ForwardWorkload extends Common {
  kind: 'forward';
  layers: Layer[];
}

/** One convolution's backward: dx and dw from x, w and a given dy (both directions always computed). */
export interface ConvGradWorkload extends Common {
  kind: 'convGrad';
  conv: ConvLayer;
}

/**
 * `steps` training steps of a model: the trainable conv stack `layers` (may be empty), global average pooling,
 * dense(C -> classes), softmax cross-entropy (batch mean), plain SGD at `lr` on every parameter.
 * The input is not trainable, so the first conv computes no input gradient.
 */
export interface TrainWorkload extends Common {
  kind: 'train';
  layers: Layer[];
  classes: number;
  steps: number;
  lr: number;
  /** FLOPs of the forward pass alone over the run (what forward-only engines compute). */
  forwardFlops: number;
}

export type Workload = ForwardWorkload | ConvGradWorkload | TrainWorkload;

/** Weights of one conv layer. */
export interface ConvWeights {
  w: Float32Array; // (KH, KW, Cin, Cout)
  b: Float32Array; // (Cout)
}

/** The shared random data of a workload: the same values go to every engine. */
export interface WorkloadData {
  /** Per step (forward and convGrad workloads have one): (N, H, W, C). */
  inputs: Float32Array[];
  /** One entry per conv layer, in order. */
  convs: ConvWeights[];
  /** convGrad: the upstream gradient (N, OH, OW, Cout). */
  dy?: Float32Array;
  /** train: dense weights (C, classes), bias (classes), and labels per step (N) in [0, classes). */
  dense?: { w: Float32Array; b: Float32Array };
  labels?: Int32Array[];
}
