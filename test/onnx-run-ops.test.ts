// Single-operator (and a few two-operator) ONNX models, one per supported operator and attribute variety
// (strides, pads, ceil mode, auto_pad, transposes, broadcasting, opset variants), each run by graft's runner and
// by onnxruntime-node on the same random inputs; every output must agree (floats rtol 1e-3, int64/bool exactly).
// Several cases put a Conv first so the operator under test receives a channels-last (NHWC) activation and the
// runner's layout conversions are exercised too.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { expectSameAsOrt, randomInput } from './helpers/onnx-compare.ts';
import { OnnxBuilder, type AttrValue } from '../src/onnx/builder.ts';
import { makeTensor, toFloat32, type DType, type OnnxTensor } from '../src/onnx/tensor.ts';
import { parseOnnx } from '../src/onnx/reader.ts';
import { OnnxRunner, checkRun } from '../src/onnx/runner.ts';
import { UnsupportedOnnxError } from '../src/onnx/errors.ts';
import { Rng } from '../src/util/rng.ts';

const rng = new Rng(42);

interface Case {
  opset: number;
  inputs: Array<[string, number[]] | [string, number[], DType, number[]]>;
  /** Initializers: name, dims, values (random when omitted), dtype. */
  inits?: Array<[string, number[], number[]?, DType?]>;
  /** A Conv (3x3, pad 1, 4 -> C channels) applied to input 'x' first, its output named 'c'. */
  convFirst?: number;
  nodes: Array<[string, string[], string[], Record<string, AttrValue>?]>;
  outputs: Array<[string, DType]>;
}

async function check(label: string, c: Case): Promise<void> {
  const gpu = await testGpu();
  const b = new OnnxBuilder({ opset: c.opset, producerName: 'graft-tests' });
  const feeds: Record<string, OnnxTensor> = {};
  for (const [name, dims, dtype, values] of c.inputs) {
    b.input(name, dtype ?? 'float32', dims);
    feeds[name] = dtype ? makeTensor(name, dtype, dims, values!) : randomInput(rng, name, dims);
  }
  for (const [name, dims, values, dtype] of c.inits ?? []) {
    const n = dims.reduce((p, d) => p * d, 1);
    b.initializer(name, dtype ?? 'float32', dims, values ?? Array.from(rng.uniformArray(n, -1, 1)));
  }
  if (c.convFirst) {
    const cin = c.inputs[0][1][1];
    b.initializer('cw', 'float32', [c.convFirst, cin, 3, 3], rng.uniformArray(c.convFirst * cin * 9, -0.5, 0.5));
    b.initializer('cb', 'float32', [c.convFirst], rng.uniformArray(c.convFirst, -0.5, 0.5));
    b.node('Conv', ['x', 'cw', 'cb'], ['c'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  }
  for (const [op, ins, outs, attrs] of c.nodes) b.node(op, ins, outs, attrs ?? {});
  for (const [name, dtype] of c.outputs) b.output(name, dtype, null);
  await expectSameAsOrt(gpu, b, feeds, { atol: 1e-4, rtol: 1e-3 }, label);
}

const cases: Record<string, Case> = {
  // --- Conv
  'Conv stride 2, asymmetric pads, no bias': {
    opset: 11, inputs: [['x', [2, 5, 11, 9]]], inits: [['w', [7, 5, 3, 3]]],
    nodes: [['Conv', ['x', 'w'], ['y'], { strides: [2, 2], pads: [1, 0, 2, 1] }]], outputs: [['y', 'float32']],
  },
  'Conv 4x2 kernel, auto_pad SAME_UPPER, stride 2': {
    opset: 11, inputs: [['x', [1, 3, 9, 10]]], inits: [['w', [6, 3, 4, 2]], ['b', [6]]],
    nodes: [['Conv', ['x', 'w', 'b'], ['y'], { auto_pad: 'SAME_UPPER', strides: [2, 2], kernel_shape: [4, 2] }]], outputs: [['y', 'float32']],
  },
  'Conv auto_pad SAME_LOWER, stride 1, even kernel': {
    opset: 11, inputs: [['x', [2, 3, 7, 7]]], inits: [['w', [4, 3, 2, 2]], ['b', [4]]],
    nodes: [['Conv', ['x', 'w', 'b'], ['y'], { auto_pad: 'SAME_LOWER' }]], outputs: [['y', 'float32']],
  },
  'Conv VALID 1x1, 32 -> 8 channels, then Relu': {
    opset: 7, inputs: [['x', [2, 32, 5, 6]]], inits: [['w', [8, 32, 1, 1]], ['b', [8]]],
    nodes: [['Conv', ['x', 'w', 'b'], ['c'], { auto_pad: 'VALID' }], ['Relu', ['c'], ['y']]], outputs: [['y', 'float32']],
  },
  'Conv 3x3 32 -> 64 (fast kernel) with Relu and its pre-activation also an output': {
    opset: 13, inputs: [['x', [1, 32, 8, 8]]], inits: [['w', [64, 32, 3, 3]], ['b', [64]]],
    nodes: [['Conv', ['x', 'w', 'b'], ['c'], { pads: [1, 1, 1, 1] }], ['Relu', ['c'], ['y']]], outputs: [['y', 'float32'], ['c', 'float32']],
  },
  'Conv depthwise 3x3 stride 2 (group = channels) then Clip, as in MobileNet': {
    opset: 13, inputs: [['x', [2, 4, 9, 8]]], convFirst: 6, inits: [['dw', [6, 1, 3, 3]], ['db', [6]], ['lo', [], [0]], ['hi', [], [6]]],
    nodes: [['Conv', ['c', 'dw', 'db'], ['d'], { group: 6, strides: [2, 2], pads: [1, 1, 1, 1] }], ['Clip', ['d', 'lo', 'hi'], ['y']]],
    outputs: [['y', 'float32']],
  },
  'Conv grouped (3 groups of 2 -> 4 channels), channel multiplier 2 depthwise, with Relu fused': {
    opset: 11, inputs: [['x', [1, 6, 7, 5]]], inits: [['g', [12, 2, 3, 3]], ['m', [24, 1, 1, 3]], ['mb', [24]]],
    nodes: [['Conv', ['x', 'g'], ['a'], { group: 3, pads: [1, 1, 1, 1] }], ['Conv', ['a', 'm', 'mb'], ['b'], { group: 12, pads: [0, 1, 0, 1] }], ['Relu', ['b'], ['y']]],
    outputs: [['y', 'float32']],
  },
  'MobileNetV2 inverted residual: expand 1x1, ReLU6, depthwise 3x3, ReLU6, project 1x1, Add': {
    opset: 13, inputs: [['x', [2, 8, 7, 7]]],
    inits: [['e', [24, 8, 1, 1]], ['eb', [24]], ['d', [24, 1, 3, 3]], ['db', [24]], ['p', [8, 24, 1, 1]], ['pb', [8]], ['lo', [], [0]], ['hi', [], [0.6]]],
    nodes: [
      ['Conv', ['x', 'e', 'eb'], ['a']], ['Clip', ['a', 'lo', 'hi'], ['a6']],
      ['Conv', ['a6', 'd', 'db'], ['b'], { group: 24, pads: [1, 1, 1, 1] }], ['Clip', ['b', 'lo', 'hi'], ['b6']],
      ['Conv', ['b6', 'p', 'pb'], ['c2']], ['Add', ['x', 'c2'], ['y']],
    ],
    outputs: [['y', 'float32']],
  },
  // --- pools
  'MaxPool 3x3 stride 2 pads 1 ceil_mode, with Indices (int64, NCHW flat)': {
    opset: 12, inputs: [['x', [2, 3, 10, 9]]],
    nodes: [['MaxPool', ['x'], ['y', 'i'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1, storage_order: 0 }]],
    outputs: [['y', 'float32'], ['i', 'int64']],
  },
  'MaxPool after Conv (NHWC input) with Indices, auto_pad SAME_UPPER 2x2': {
    opset: 10, inputs: [['x', [2, 4, 7, 7]]], convFirst: 5,
    nodes: [['MaxPool', ['c'], ['y', 'i'], { kernel_shape: [2, 2], strides: [2, 2], auto_pad: 'SAME_UPPER' }]],
    outputs: [['y', 'float32'], ['i', 'int64']],
  },
  'MaxPool opset 7, 2x2 stride 1': {
    opset: 7, inputs: [['x', [1, 2, 5, 6]]],
    nodes: [['MaxPool', ['x'], ['y'], { kernel_shape: [2, 2] }]], outputs: [['y', 'float32']],
  },
  'AveragePool pads, count_include_pad 0': {
    opset: 11, inputs: [['x', [2, 3, 8, 7]]],
    nodes: [['AveragePool', ['x'], ['y'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }]], outputs: [['y', 'float32']],
  },
  'AveragePool count_include_pad 1, ceil_mode 1': {
    opset: 11, inputs: [['x', [1, 4, 9, 8]]],
    nodes: [['AveragePool', ['x'], ['y'], { kernel_shape: [3, 2], strides: [2, 2], pads: [1, 0, 1, 1], count_include_pad: 1, ceil_mode: 1 }]], outputs: [['y', 'float32']],
  },
  'AveragePool auto_pad SAME_LOWER after Conv': {
    opset: 11, inputs: [['x', [1, 4, 7, 7]]], convFirst: 3,
    nodes: [['AveragePool', ['c'], ['y'], { kernel_shape: [2, 2], auto_pad: 'SAME_LOWER' }]], outputs: [['y', 'float32']],
  },
  'GlobalAveragePool and GlobalMaxPool after Conv': {
    opset: 9, inputs: [['x', [2, 4, 5, 6]]], convFirst: 6,
    nodes: [['GlobalAveragePool', ['c'], ['a']], ['GlobalMaxPool', ['c'], ['m']]], outputs: [['a', 'float32'], ['m', 'float32']],
  },
  // --- LRN
  'LRN across channels on an input (size 5, defaults) and after Conv and Relu (size 3, alpha, beta, bias), then MaxPool': {
    opset: 13, inputs: [['x', [2, 7, 5, 6]]], convFirst: 9,
    nodes: [
      ['LRN', ['x'], ['a'], { size: 5 }], ['Relu', ['c'], ['r']],
      ['LRN', ['r'], ['n'], { size: 3, alpha: 0.01, beta: 0.5, bias: 2 }], ['MaxPool', ['n'], ['y'], { kernel_shape: [3, 3], strides: [2, 2] }],
    ],
    outputs: [['a', 'float32'], ['y', 'float32']],
  },
  // --- BatchNormalization
  'BatchNormalization on an NCHW input (opset 9)': {
    opset: 9, inputs: [['x', [2, 3, 4, 5]]], inits: [['g', [3]], ['be', [3]], ['mu', [3]], ['v', [3], [0.5, 1, 2]]],
    nodes: [['BatchNormalization', ['x', 'g', 'be', 'mu', 'v'], ['y'], { epsilon: 1e-3 }]], outputs: [['y', 'float32']],
  },
  'BatchNormalization after Conv (NHWC), opset 15': {
    opset: 15, inputs: [['x', [1, 4, 6, 6]]], convFirst: 5, inits: [['g', [5]], ['be', [5]], ['mu', [5]], ['v', [5], [1, 2, 0.5, 1.5, 0.7]]],
    nodes: [['BatchNormalization', ['c', 'g', 'be', 'mu', 'v'], ['y']]], outputs: [['y', 'float32']],
  },
  'BatchNormalization on (N, C)': {
    opset: 14, inputs: [['x', [4, 6]]], inits: [['g', [6]], ['be', [6]], ['mu', [6]], ['v', [6], [1, 2, 3, 4, 5, 6]]],
    nodes: [['BatchNormalization', ['x', 'g', 'be', 'mu', 'v'], ['y']]], outputs: [['y', 'float32']],
  },
  // --- Gemm and MatMul
  'Gemm transA, alpha 0.5, beta 2, C (M, N)': {
    opset: 11, inputs: [['a', [5, 3]]], inits: [['b', [5, 7]], ['c', [3, 7]]],
    nodes: [['Gemm', ['a', 'b', 'c'], ['y'], { transA: 1, alpha: 0.5, beta: 2 }]], outputs: [['y', 'float32']],
  },
  'Gemm transB, C (1, N) broadcast, opset 7': {
    opset: 7, inputs: [['a', [4, 8]]], inits: [['b', [6, 8]], ['c', [1, 6]]],
    nodes: [['Gemm', ['a', 'b', 'c'], ['y'], { transB: 1 }]], outputs: [['y', 'float32']],
  },
  'Gemm transA and transB, scalar C, no C on a second node (opset 13)': {
    opset: 13, inputs: [['a', [3, 4]]], inits: [['b', [5, 3]], ['c', [], [0.25]]],
    nodes: [['Gemm', ['a', 'b', 'c'], ['y'], { transA: 1, transB: 1, beta: -1 }], ['Gemm', ['a', 'b'], ['z'], { transA: 1, transB: 1, alpha: 3 }]],
    outputs: [['y', 'float32'], ['z', 'float32']],
  },
  'Gemm C (M, 1) broadcast along columns': {
    opset: 9, inputs: [['a', [3, 4]]], inits: [['b', [4, 5]], ['c', [3, 1]]],
    nodes: [['Gemm', ['a', 'b', 'c'], ['y']]], outputs: [['y', 'float32']],
  },
  'MatMul 2-D, 3-D x 2-D, batched with broadcasting, 1-D x 2-D': {
    opset: 13, inputs: [['a', [3, 4]], ['p', [2, 3, 4]], ['q', [2, 1, 3, 5]], ['v', [4]]], inits: [['b', [4, 6]], ['r', [3, 5, 2]]],
    nodes: [['MatMul', ['a', 'b'], ['y1']], ['MatMul', ['p', 'b'], ['y2']], ['MatMul', ['q', 'r'], ['y3']], ['MatMul', ['v', 'b'], ['y4']]],
    outputs: [['y1', 'float32'], ['y2', 'float32'], ['y3', 'float32'], ['y4', 'float32']],
  },
  // --- Add and Sum
  'Add broadcasting (2,3,4,5) + (3,1,1), (4,5) + (2,1,1,5)': {
    opset: 13, inputs: [['x', [2, 3, 4, 5]], ['s', [4, 5]], ['t', [2, 1, 1, 5]]], inits: [['k', [3, 1, 1]]],
    nodes: [['Add', ['x', 'k'], ['y']], ['Add', ['s', 't'], ['z']]], outputs: [['y', 'float32'], ['z', 'float32']],
  },
  'Add of a Conv output (NHWC) with a per-channel constant, an NCHW input and itself': {
    opset: 13, inputs: [['x', [2, 4, 5, 6]], ['u', [2, 6, 5, 6]]], convFirst: 6, inits: [['k', [1, 6, 1, 1]]],
    nodes: [['Add', ['c', 'k'], ['y']], ['Add', ['u', 'c'], ['z']], ['Add', ['c', 'c'], ['w2']]],
    outputs: [['y', 'float32'], ['z', 'float32'], ['w2', 'float32']],
  },
  'Sum of three with broadcasting (opset 8), Sum of one, Sum opset 7 equal shapes': {
    opset: 8, inputs: [['a', [2, 3, 4]], ['b', [3, 1]], ['c', [4]]],
    nodes: [['Sum', ['a', 'b', 'c'], ['y']], ['Sum', ['b'], ['z']]], outputs: [['y', 'float32'], ['z', 'float32']],
  },
  'Sum opset 7, equal shapes': {
    opset: 7, inputs: [['a', [2, 3]], ['b', [2, 3]]],
    nodes: [['Sum', ['a', 'b'], ['y']]], outputs: [['y', 'float32']],
  },
  'Sub, Mul and Div broadcasting, on a Conv output (NHWC) and on NCHW inputs': {
    opset: 13, inputs: [['x', [2, 4, 5, 6]], ['u', [2, 6, 5, 6]]], convFirst: 6,
    inits: [['k', [1, 6, 1, 1]], ['d', [6, 1, 1], [0.5, 0.75, 1, 1.25, 1.5, 2]]],
    nodes: [['Mul', ['c', 'k'], ['m']], ['Sub', ['u', 'm'], ['s']], ['Div', ['s', 'd'], ['y']], ['Mul', ['u', 'u'], ['z']]],
    outputs: [['y', 'float32'], ['z', 'float32'], ['m', 'float32']],
  },
  'Mul as a squeeze-and-excitation gate: GlobalAveragePool, Conv 1x1, Sigmoid, times the block': {
    opset: 13, inputs: [['x', [2, 4, 6, 5]]], convFirst: 8, inits: [['g', [8, 8, 1, 1]], ['gb', [8]]],
    nodes: [['GlobalAveragePool', ['c'], ['p']], ['Conv', ['p', 'g', 'gb'], ['q']], ['Sigmoid', ['q'], ['s']], ['Mul', ['c', 's'], ['y']]],
    outputs: [['y', 'float32']],
  },
  // --- activations
  'Sigmoid, Tanh (large values too) and LeakyRelu': {
    opset: 13, inputs: [['x', [2, 3, 4, 5]]], inits: [['big', [1], [30]]],
    nodes: [['Mul', ['x', 'big'], ['x30']], ['Sigmoid', ['x30'], ['a']], ['Tanh', ['x30'], ['b']], ['Tanh', ['x'], ['t']], ['LeakyRelu', ['x'], ['l'], { alpha: 0.2 }], ['LeakyRelu', ['x'], ['l0']]],
    outputs: [['a', 'float32'], ['b', 'float32'], ['t', 'float32'], ['l', 'float32'], ['l0', 'float32']],
  },
  'Clip opset 7 attributes after a Conv (ReLU6-like), and max only': {
    opset: 7, inputs: [['x', [1, 4, 6, 6]]], convFirst: 5,
    nodes: [['Clip', ['c'], ['y'], { min: 0, max: 0.25 }], ['Clip', ['c'], ['z'], { max: 0.1 }]], outputs: [['y', 'float32'], ['z', 'float32']],
  },
  'Clip opset 13, bounds as inputs': {
    opset: 13, inputs: [['x', [2, 3, 4]]], inits: [['lo', [], [-0.3]], ['hi', [], [0.4]]],
    nodes: [['Clip', ['x', 'lo'], ['y']], ['Clip', ['x', 'lo', 'hi'], ['z']], ['Clip', ['x', '', 'hi'], ['w2']]],
    outputs: [['y', 'float32'], ['z', 'float32'], ['w2', 'float32']],
  },
  'HardSigmoid (defaults and alpha, beta) and HardSwish after a Conv (NHWC), as in MobileNetV3': {
    opset: 14, inputs: [['x', [2, 4, 5, 6]]], convFirst: 6, inits: [['four', [1], [4]]],
    nodes: [['Mul', ['c', 'four'], ['c4']], ['HardSigmoid', ['c4'], ['h']], ['HardSigmoid', ['c4'], ['h2'], { alpha: 0.3, beta: 0.4 }], ['HardSwish', ['c4'], ['s']]],
    outputs: [['h', 'float32'], ['h2', 'float32'], ['s', 'float32']],
  },
  'Exp, Neg and Abs; Log, Sqrt and Reciprocal of positive values': {
    opset: 13, inputs: [['x', [2, 3, 7]]], inits: [['eps', [], [0.05]]],
    nodes: [['Exp', ['x'], ['e']], ['Neg', ['x'], ['n']], ['Abs', ['x'], ['a']], ['Add', ['a', 'eps'], ['p']], ['Log', ['p'], ['l']], ['Sqrt', ['p'], ['q']], ['Reciprocal', ['p'], ['r']]],
    outputs: [['e', 'float32'], ['n', 'float32'], ['a', 'float32'], ['l', 'float32'], ['q', 'float32'], ['r', 'float32']],
  },
  'Erf, Gelu (exact and tanh), Softplus, Softsign, Mish, Elu and Selu over [-6, 6] and at +-30': {
    opset: 20, inputs: [['x', [2, 3, 4, 5]]], inits: [['six', [1], [6]], ['big', [1], [30]]],
    nodes: [
      ['Mul', ['x', 'six'], ['v']], ['Mul', ['x', 'big'], ['w']], ['Concat', ['v', 'w'], ['u'], { axis: 0 }],
      ['Erf', ['u'], ['erf']], ['Gelu', ['u'], ['g']], ['Gelu', ['u'], ['gt'], { approximate: 'tanh' }], ['Softplus', ['u'], ['sp']],
      ['Softsign', ['u'], ['ss']], ['Mish', ['u'], ['m']], ['Elu', ['u'], ['el']], ['Elu', ['u'], ['el2'], { alpha: 0.5 }], ['Selu', ['u'], ['se']],
      ['Selu', ['u'], ['se2'], { alpha: 1.5, gamma: 2 }],
    ],
    outputs: [['erf', 'float32'], ['g', 'float32'], ['gt', 'float32'], ['sp', 'float32'], ['ss', 'float32'], ['m', 'float32'], ['el', 'float32'], ['el2', 'float32'], ['se', 'float32'], ['se2', 'float32']],
  },
  'Erf of small arguments (its series branch) and at the branch point': {
    opset: 13, inputs: [['x', [3, 40]]], inits: [['tiny', [1], [0.001]], ['half', [1], [0.5]]],
    nodes: [['Mul', ['x', 'tiny'], ['t']], ['Erf', ['t'], ['a']], ['Mul', ['x', 'half'], ['h']], ['Erf', ['h'], ['b']]],
    outputs: [['a', 'float32'], ['b', 'float32']],
  },
  'PRelu with a per-channel slope after a Conv (NHWC), and with a scalar slope on NCHW': {
    opset: 9, inputs: [['x', [2, 4, 5, 6]]], convFirst: 6, inits: [['k', [6, 1, 1]], ['k0', [1], [0.25]]],
    nodes: [['PRelu', ['c', 'k'], ['y']], ['PRelu', ['x', 'k0'], ['z']]], outputs: [['y', 'float32'], ['z', 'float32']],
  },
  'Pow: float exponents 2, 3, 0.5, -1.5 and a broadcast row, an int64 exponent, negative bases with integer exponents': {
    opset: 15, inputs: [['x', [2, 3, 4]]],
    inits: [['e2', [], [2]], ['e3', [], [3]], ['eh', [], [0.5]], ['em', [], [-1.5]], ['row', [4], [1, 2.5, -2, 0.25]], ['ei', [], [3], 'int64'], ['eps', [], [0.1]]],
    nodes: [
      ['Abs', ['x'], ['a']], ['Add', ['a', 'eps'], ['p']],
      ['Pow', ['x', 'e2'], ['y2']], ['Pow', ['x', 'e3'], ['y3']], ['Pow', ['p', 'eh'], ['yh']], ['Pow', ['p', 'em'], ['ym']], ['Pow', ['p', 'row'], ['yr']],
      ['Pow', ['x', 'ei'], ['yi']],
    ],
    outputs: [['y2', 'float32'], ['y3', 'float32'], ['yh', 'float32'], ['ym', 'float32'], ['yr', 'float32'], ['yi', 'float32']],
  },
  'Max, Min and Mean of three inputs with broadcasting, and of one': {
    opset: 13, inputs: [['a', [2, 3, 4]], ['b', [3, 1]], ['c', [4]]],
    nodes: [['Max', ['a', 'b', 'c'], ['mx']], ['Min', ['a', 'b', 'c'], ['mn']], ['Mean', ['a', 'b', 'c'], ['me']], ['Max', ['b'], ['m1']]],
    outputs: [['mx', 'float32'], ['mn', 'float32'], ['me', 'float32'], ['m1', 'float32']],
  },
  'Max and Mean opset 7, equal shapes, after a Conv (NHWC)': {
    opset: 7, inputs: [['x', [1, 4, 5, 5]], ['u', [1, 3, 5, 5]]], convFirst: 3,
    nodes: [['Max', ['c', 'u'], ['y']], ['Mean', ['c', 'u'], ['z']]], outputs: [['y', 'float32'], ['z', 'float32']],
  },
  'Expand a per-channel vector to a batch, and to the shape of a Conv output taken by Shape': {
    opset: 13, inputs: [['x', [2, 4, 3, 5]]], convFirst: 6, inits: [['v', [6, 1, 1]], ['to', [4], [2, 6, 3, 1], 'int64']],
    nodes: [['Expand', ['v', 'to'], ['y']], ['Shape', ['c'], ['s']], ['Expand', ['v', 's'], ['z']], ['Add', ['c', 'z'], ['w']]],
    outputs: [['y', 'float32'], ['z', 'float32'], ['w', 'float32']],
  },
  'LayerNormalization over the last axis and over [C,H,W] with Mean and InvStdDev, no bias': {
    opset: 17, inputs: [['x', [2, 3, 4, 8]]], inits: [['g', [8]], ['b', [8]], ['g3', [3, 4, 8]]],
    nodes: [['LayerNormalization', ['x', 'g', 'b'], ['y'], { epsilon: 1e-3 }], ['LayerNormalization', ['x', 'g3'], ['z', 'm', 'is'], { axis: 1 }]],
    outputs: [['y', 'float32'], ['z', 'float32'], ['m', 'float32'], ['is', 'float32']],
  },
  'a ConvNeXt block: depthwise 7x7, to channels-last, LayerNormalization, MatMul, Gelu, MatMul, layer scale, back, residual': {
    opset: 20, inputs: [['x', [2, 8, 7, 7]]],
    inits: [['dw', [8, 1, 7, 7]], ['db', [8]], ['g', [8]], ['b', [8]], ['w1', [8, 32]], ['b1', [32]], ['w2', [32, 8]], ['b2', [8]], ['ls', [8]]],
    nodes: [
      ['Conv', ['x', 'dw', 'db'], ['d'], { group: 8, pads: [3, 3, 3, 3] }], ['Transpose', ['d'], ['t'], { perm: [0, 2, 3, 1] }],
      ['LayerNormalization', ['t', 'g', 'b'], ['n'], { epsilon: 1e-6 }], ['MatMul', ['n', 'w1'], ['h']], ['Add', ['h', 'b1'], ['hb']], ['Gelu', ['hb'], ['a']],
      ['MatMul', ['a', 'w2'], ['o']], ['Add', ['o', 'b2'], ['ob']], ['Mul', ['ob', 'ls'], ['s']], ['Transpose', ['s'], ['back'], { perm: [0, 3, 1, 2] }],
      ['Add', ['x', 'back'], ['y']],
    ],
    outputs: [['y', 'float32']],
  },
  'LayerNorm as opset-13 exporters decompose it: ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add': {
    opset: 13, inputs: [['x', [2, 5, 12]]], inits: [['two', [], [2]], ['eps', [], [1e-5]], ['g', [12]], ['b', [12]]],
    nodes: [
      ['ReduceMean', ['x'], ['mu'], { axes: [-1] }], ['Sub', ['x', 'mu'], ['d']], ['Pow', ['d', 'two'], ['d2']], ['ReduceMean', ['d2'], ['var'], { axes: [-1] }],
      ['Add', ['var', 'eps'], ['ve']], ['Sqrt', ['ve'], ['sd']], ['Div', ['d', 'sd'], ['nrm']], ['Mul', ['nrm', 'g'], ['sc']], ['Add', ['sc', 'b'], ['y']],
    ],
    outputs: [['y', 'float32']],
  },
  // --- Concat
  'Concat of two Conv branches on channels (a fire module, NHWC), then Relu': {
    opset: 13, inputs: [['x', [2, 4, 6, 5]]], convFirst: 6, inits: [['e1', [5, 6, 1, 1]], ['e3', [7, 6, 3, 3]]],
    nodes: [['Conv', ['c', 'e1'], ['a']], ['Conv', ['c', 'e3'], ['b'], { pads: [1, 1, 1, 1] }], ['Concat', ['a', 'b'], ['d'], { axis: 1 }], ['Relu', ['d'], ['y']]],
    outputs: [['y', 'float32']],
  },
  'Concat of a Conv output (NHWC) with an NCHW input on axis -1, and of NCHW inputs on axes 0 and 2': {
    opset: 13, inputs: [['x', [2, 4, 5, 6]], ['u', [2, 6, 5, 3]], ['v', [1, 3, 4]], ['w', [2, 3, 4]]], convFirst: 6,
    nodes: [['Concat', ['c', 'u'], ['y'], { axis: -1 }], ['Concat', ['v', 'w', 'v'], ['z'], { axis: 0 }], ['Concat', ['w', 'w'], ['q'], { axis: 2 }]],
    outputs: [['y', 'float32'], ['z', 'float32'], ['q', 'float32']],
  },
  'Concat of int64 tensors on the CPU': {
    opset: 11, inputs: [['x', [2, 3]]], inits: [['s0', [2, 1], [2, 5], 'int64'], ['s1', [2, 2], [-1, 3, 7, 0], 'int64']],
    nodes: [['Concat', ['s0', 's1'], ['shape'], { axis: 1 }], ['Relu', ['x'], ['y']]], outputs: [['y', 'float32'], ['shape', 'int64']],
  },
  // --- shape operators
  'Flatten axis 0, 2 and -1 of a Conv output (NHWC -> NCHW order)': {
    opset: 13, inputs: [['x', [2, 4, 3, 5]]], convFirst: 3,
    nodes: [['Flatten', ['c'], ['f0'], { axis: 0 }], ['Flatten', ['c'], ['f2'], { axis: 2 }], ['Flatten', ['c'], ['fm'], { axis: -1 }]],
    outputs: [['f0', 'float32'], ['f2', 'float32'], ['fm', 'float32']],
  },
  'Reshape with 0 and -1 of a Conv output, allowzero 1 without zeros': {
    opset: 14, inputs: [['x', [2, 4, 3, 4]]], convFirst: 3, inits: [['s1', [3], [0, -1, 2], 'int64'], ['s2', [2], [6, -1], 'int64']],
    nodes: [['Reshape', ['c', 's1'], ['r1']], ['Reshape', ['c', 's2'], ['r2'], { allowzero: 1 }]], outputs: [['r1', 'float32'], ['r2', 'float32']],
  },
  'Reshape with a Constant shape (opset 5 style)': {
    opset: 9, inputs: [['x', [2, 3, 4]]],
    nodes: [['Constant', [], ['shape'], { value: makeTensor('shape', 'int64', [2], [4, 6]) }], ['Reshape', ['x', 'shape'], ['y']]], outputs: [['y', 'float32']],
  },
  'Transpose perm [0,2,3,1] of a Conv output, default perm of a 3-D input': {
    opset: 13, inputs: [['x', [2, 4, 3, 5]], ['t', [2, 3, 4]]], convFirst: 3,
    nodes: [['Transpose', ['c'], ['y'], { perm: [0, 2, 3, 1] }], ['Transpose', ['t'], ['z']]], outputs: [['y', 'float32'], ['z', 'float32']],
  },
  'Transpose of an int64 input and Identity': {
    opset: 13, inputs: [['k', [2, 3], 'int64', [1, 2, 3, 4, 5, 6]], ['x', [3]]],
    nodes: [['Transpose', ['k'], ['y'], { perm: [1, 0] }], ['Identity', ['x'], ['z']]], outputs: [['y', 'int64'], ['z', 'float32']],
  },
  // --- Pad
  'Pad opset 7 (pads and value attributes), constant': {
    opset: 7, inputs: [['x', [2, 3, 4, 5]]],
    nodes: [['Pad', ['x'], ['y'], { pads: [0, 1, 1, 2, 0, 0, 2, 1], value: 0.5 }]], outputs: [['y', 'float32']],
  },
  'Pad opset 11 reflect after a Conv (channels-last input, spatial pads)': {
    opset: 11, inputs: [['x', [1, 4, 6, 7]]], convFirst: 6, inits: [['p', [8], [0, 0, 2, 1, 0, 0, 1, 3], 'int64']],
    nodes: [['Pad', ['c', 'p'], ['y'], { mode: 'reflect' }]], outputs: [['y', 'float32']],
  },
  'Pad opset 13, constant_value input, negative pads crop, then Relu': {
    opset: 13, inputs: [['x', [2, 3, 5, 6]]], convFirst: 3,
    inits: [['p', [8], [0, 1, -1, 2, 0, -1, 1, 0], 'int64'], ['v', [], [-2.5]]],
    nodes: [['Pad', ['c', 'p', 'v'], ['d']], ['Relu', ['d'], ['y']]], outputs: [['y', 'float32'], ['d', 'float32']],
  },
  'Pad opset 18 edge on the axes input [0, -1] of a 3-D tensor': {
    opset: 18, inputs: [['x', [2, 3, 4]]], inits: [['p', [4], [1, 2, 3, 0], 'int64'], ['a', [2], [0, -1], 'int64']],
    nodes: [['Pad', ['x', 'p', '', 'a'], ['y'], { mode: 'edge' }]], outputs: [['y', 'float32']],
  },
  'Shape, Gather, Unsqueeze and Concat computing a Reshape\'s shape (PyTorch\'s x.view(x.size(0), -1)), opset 11': {
    opset: 11, inputs: [['x', [2, 4, 5, 6]]], convFirst: 3, inits: [['zero', [], [0], 'int64'], ['minus1', [1], [-1], 'int64'], ['fc', [90, 7]]],
    nodes: [
      ['Shape', ['c'], ['s']], ['Gather', ['s', 'zero'], ['n'], { axis: 0 }], ['Unsqueeze', ['n'], ['n1'], { axes: [0] }],
      ['Concat', ['n1', 'minus1'], ['shape'], { axis: 0 }], ['Reshape', ['c', 'shape'], ['flat']], ['MatMul', ['flat', 'fc'], ['y']],
    ],
    outputs: [['y', 'float32'], ['s', 'int64'], ['shape', 'int64']],
  },
  'Shape with start and end, Gather of several indices (negative too), Unsqueeze and Squeeze with axes inputs, opset 15': {
    opset: 15, inputs: [['x', [2, 3, 4, 5]]], inits: [['ix', [2], [-1, 0], 'int64'], ['ax', [2], [0, -1], 'int64'], ['sq', [1], [1], 'int64']],
    nodes: [
      ['Shape', ['x'], ['s'], { start: 1, end: -1 }], ['Gather', ['s', 'ix'], ['g']], ['Unsqueeze', ['g', 'ax'], ['u']],
      ['Unsqueeze', ['x', 'sq'], ['xu']], ['Squeeze', ['xu', 'sq'], ['xs']], ['Relu', ['xs'], ['y']],
    ],
    outputs: [['u', 'int64'], ['y', 'float32']],
  },
  'Slice (negative start, reversed with a negative step) and Cast of shape values, opset 13': {
    opset: 13, inputs: [['x', [2, 3, 4, 5]]],
    inits: [['s0', [1], [0], 'int64'], ['e1', [1], [1], 'int64'], ['m1', [1], [-1], 'int64'], ['big', [1], [-100], 'int64'], ['minus1', [1], [-1], 'int64']],
    nodes: [
      ['Shape', ['x'], ['s']], ['Slice', ['s', 's0', 'e1'], ['n']], ['Concat', ['n', 'minus1'], ['shape'], { axis: 0 }],
      ['Reshape', ['x', 'shape'], ['y']], ['Slice', ['s', 'm1', 'big', 's0', 'm1'], ['rev']], ['Cast', ['rev'], ['rev32'], { to: 6 }],
      ['Cast', ['x'], ['xf'], { to: 1 }], ['Relu', ['xf'], ['r']],
    ],
    outputs: [['y', 'float32'], ['rev', 'int64'], ['rev32', 'int32'], ['r', 'float32']],
  },
  'Slice with attributes, opset 9': {
    opset: 9, inputs: [['x', [2, 3, 4]]],
    nodes: [['Shape', ['x'], ['s']], ['Slice', ['s'], ['t'], { starts: [1], ends: [3], axes: [0] }], ['Relu', ['x'], ['y']]],
    outputs: [['t', 'int64'], ['y', 'float32']],
  },
  'Slice of float tensors as crops: channels and rows of a Conv output (NHWC), the last axis of an input, opset 13': {
    opset: 13, inputs: [['x', [2, 4, 6, 5]]], convFirst: 8,
    inits: [['st', [2], [2, -4], 'int64'], ['en', [2], [7, 100], 'int64'], ['ax', [2], [1, 2], 'int64'], ['s1', [1], [1], 'int64'], ['e1', [1], [-1], 'int64'], ['a3', [1], [3], 'int64']],
    nodes: [['Slice', ['c', 'st', 'en', 'ax'], ['a']], ['Relu', ['a'], ['y']], ['Slice', ['x', 's1', 'e1', 'a3'], ['z']]],
    outputs: [['y', 'float32'], ['z', 'float32']],
  },
  'Split of a Conv output on channels (split input), of an input in equal parts (opset 13)': {
    opset: 13, inputs: [['x', [2, 4, 6, 5]]], convFirst: 9, inits: [['sp', [3], [2, 3, 4], 'int64']],
    nodes: [['Split', ['c', 'sp'], ['p0', 'p1', 'p2'], { axis: 1 }], ['Relu', ['p1'], ['y']], ['Split', ['x'], ['h0', 'h1'], { axis: -2 }]],
    outputs: [['p0', 'float32'], ['y', 'float32'], ['p2', 'float32'], ['h0', 'float32'], ['h1', 'float32']],
  },
  'Split with the split attribute (opset 11) and num_outputs in uneven parts (opset 18)': {
    opset: 18, inputs: [['x', [2, 7, 3]]],
    nodes: [['Split', ['x'], ['a', 'b', 'c3'], { axis: 1, num_outputs: 3 }]],
    outputs: [['a', 'float32'], ['b', 'float32'], ['c3', 'float32']],
  },
  'Split with the split attribute, opset 11': {
    opset: 11, inputs: [['x', [3, 2, 5]]],
    nodes: [['Split', ['x'], ['a', 'b'], { axis: 2, split: [1, 4] }]],
    outputs: [['a', 'float32'], ['b', 'float32']],
  },
  'Shape arithmetic: x.view(x.size(0), x.size(1) * x.size(2), -1) with Mul, and Add, Sub, Div of integer shapes': {
    opset: 13, inputs: [['x', [2, 3, 4, 5]]],
    inits: [['i0', [1], [0], 'int64'], ['i1', [1], [1], 'int64'], ['i2', [1], [2], 'int64'], ['minus1', [1], [-1], 'int64'], ['k', [1], [3], 'int64']],
    nodes: [
      ['Shape', ['x'], ['s']], ['Gather', ['s', 'i0'], ['n']], ['Gather', ['s', 'i1'], ['c']], ['Gather', ['s', 'i2'], ['h']],
      ['Mul', ['c', 'h'], ['ch']], ['Concat', ['n', 'ch', 'minus1'], ['shape'], { axis: 0 }], ['Reshape', ['x', 'shape'], ['y']],
      ['Add', ['s', 'k'], ['plus']], ['Sub', ['s', 'k'], ['minus']], ['Div', ['s', 'k'], ['over']],
    ],
    outputs: [['y', 'float32'], ['plus', 'int64'], ['minus', 'int64'], ['over', 'int64']],
  },
  // --- Softmax / LogSoftmax
  'Softmax and LogSoftmax opset 11: axis 1 coerces a 4-D input to 2-D': {
    opset: 11, inputs: [['x', [2, 3, 4, 5]]],
    nodes: [['Softmax', ['x'], ['s'], { axis: 1 }], ['LogSoftmax', ['x'], ['l'], { axis: 2 }]], outputs: [['s', 'float32'], ['l', 'float32']],
  },
  'Softmax opset 13 over channels of a Conv output, LogSoftmax default axis': {
    opset: 13, inputs: [['x', [2, 4, 3, 5]]], convFirst: 6,
    nodes: [['Softmax', ['c'], ['s'], { axis: 1 }], ['LogSoftmax', ['c'], ['l']]], outputs: [['s', 'float32'], ['l', 'float32']],
  },
  // --- Dropout
  'Dropout opset 7, ratio': {
    opset: 7, inputs: [['x', [3, 4]]],
    nodes: [['Dropout', ['x'], ['y'], { ratio: 0.3 }]], outputs: [['y', 'float32']],
  },
  'Dropout opset 13 with bool mask after Conv': {
    opset: 13, inputs: [['x', [1, 4, 3, 3]]], convFirst: 2,
    nodes: [['Dropout', ['c'], ['y', 'm']]], outputs: [['y', 'float32'], ['m', 'bool']],
  },
  // --- ReduceMean
  'ReduceMean axes [2,3] keepdims, axes [1] no keepdims, all axes (opset 13) after Conv': {
    opset: 13, inputs: [['x', [2, 4, 3, 5]]], convFirst: 3,
    nodes: [['ReduceMean', ['c'], ['a'], { axes: [2, 3] }], ['ReduceMean', ['c'], ['b'], { axes: [1], keepdims: 0 }], ['ReduceMean', ['c'], ['d']]],
    outputs: [['a', 'float32'], ['b', 'float32'], ['d', 'float32']],
  },
  'ReduceMean opset 18 axes input [-1, 0]': {
    opset: 18, inputs: [['x', [3, 4, 5]]], inits: [['ax', [2], [-1, 0], 'int64']],
    nodes: [['ReduceMean', ['x', 'ax'], ['y']]], outputs: [['y', 'float32']],
  },
  // --- Constant
  'Constant (value_floats) added to an input': {
    opset: 13, inputs: [['x', [2, 3]]],
    nodes: [['Constant', [], ['k'], { value_floats: { floats: [1.5, -2, 0.25] } }], ['Add', ['x', 'k'], ['y']]], outputs: [['y', 'float32']],
  },
  // --- SoftmaxCrossEntropyLoss
  'SoftmaxCrossEntropyLoss (N, C) mean, with log_prob': {
    opset: 13, inputs: [['x', [5, 4]], ['l', [5], 'int64', [0, 3, 1, 1, 2]]],
    nodes: [['SoftmaxCrossEntropyLoss', ['x', 'l'], ['loss', 'lp']]], outputs: [['loss', 'float32'], ['lp', 'float32']],
  },
  'SoftmaxCrossEntropyLoss none, class weights, ignore_index': {
    opset: 13, inputs: [['x', [4, 3]], ['l', [4], 'int64', [2, -1, 0, 1]]], inits: [['w', [3], [0.2, 1.5, 0.7]]],
    nodes: [['SoftmaxCrossEntropyLoss', ['x', 'l', 'w'], ['loss'], { reduction: 'none', ignore_index: -1 }]], outputs: [['loss', 'float32']],
  },
  'SoftmaxCrossEntropyLoss (N, C, d) sum with log_prob, mean with weights and ignore_index': {
    opset: 13, inputs: [['x', [2, 3, 4]], ['l', [2, 4], 'int64', [0, 1, 2, 1, 2, 2, 0, 1]]], inits: [['w', [3], [1, 2, 0.5]]],
    nodes: [
      ['SoftmaxCrossEntropyLoss', ['x', 'l'], ['s', 'lp'], { reduction: 'sum' }],
      ['SoftmaxCrossEntropyLoss', ['x', 'l', 'w'], ['m'], { reduction: 'mean', ignore_index: 2 }],
    ],
    outputs: [['s', 'float32'], ['lp', 'float32'], ['m', 'float32']],
  },
};

for (const [label, c] of Object.entries(cases)) test(label, () => check(label, c));

// Before opset 12 the spec leaves the inference mask unstated; onnxruntime fills it with 0 there, while the ONNX
// reference implementation (onnx.reference, Dropout_7) returns ones, i.e. "nothing dropped". graft follows the
// reference, so this case is checked on its own rather than against onnxruntime.
test('Dropout opset 7 mask output: all ones, in the input type', async () => {
  const gpu = await testGpu();
  const b = new OnnxBuilder({ opset: 7 }).input('x', 'float32', [2, 3]).node('Dropout', ['x'], ['y', 'm'], { ratio: 0.5 })
    .output('y', 'float32', [2, 3]).output('m', 'float32', [2, 3]);
  const x = randomInput(rng, 'x', [2, 3]);
  const out = await new OnnxRunner(gpu, parseOnnx(b.encode().model, { file: 'd.onnx' })).run({ x });
  assert.equal(Array.from(toFloat32(out.get('y')!)), Array.from(toFloat32(x)));
  assert.is(out.get('m')!.dtype, 'float32');
  assert.equal(Array.from(toFloat32(out.get('m')!)), [1, 1, 1, 1, 1, 1]);
});

test('an unsupported operator or attribute is refused before anything runs', async () => {
  const gpu = await testGpu();
  const b = new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', [1, 2, 4, 4])
    .initializer('w', 'float32', [2, 2, 3, 3], new Float32Array(36))
    .node('Conv', ['x', 'w'], ['c'], { dilations: [2, 2] }, 'dilated')
    .node('Einsum', ['c'], ['y'], { equation: 'nchw->nhwc' }, 'einsum0')
    .output('y', 'float32', null);
  assert.throws(() => new OnnxRunner(gpu, parseOnnx(b.encode().model, { file: 'bad.onnx' })), (e: Error) =>
    e instanceof UnsupportedOnnxError && /node 'dilated' \(Conv\): dilations=\[2,2\]/.test(e.message) && /node 'einsum0' \(Einsum\): operator not supported/.test(e.message));
});

test('Pad in wrap mode, and pads computed at run time, are refused before anything runs', async () => {
  const gpu = await testGpu();
  const b = new OnnxBuilder({ opset: 19 })
    .input('x', 'float32', [1, 2, 4, 4])
    .input('p', 'int64', [8])
    .initializer('q', 'int64', [8], [0, 0, 1, 1, 0, 0, 1, 1])
    .node('Pad', ['x', 'q'], ['a'], { mode: 'wrap' }, 'wrapped')
    .node('Pad', ['a', 'p'], ['y'], {}, 'runtime')
    .output('y', 'float32', null);
  assert.throws(() => new OnnxRunner(gpu, parseOnnx(b.encode().model, { file: 'pad.onnx' })), (e: Error) =>
    e instanceof UnsupportedOnnxError && /node 'wrapped' \(Pad\): mode=.*wrap.*value not supported; supported: constant, reflect, edge/.test(e.message) &&
    /node 'runtime' \(Pad\): input 1 \(pads\)='p': is computed at run time/.test(e.message));
});

test('a Reshape\'s shape computed from Shape follows the batch of each run (no stale folding)', async () => {
  const gpu = await testGpu();
  const b = new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', ['N', 3, 4, 4])
    .initializer('zero', 'int64', [1], [0])
    .initializer('minus1', 'int64', [1], [-1])
    .node('Shape', ['x'], ['s'])
    .node('Gather', ['s', 'zero'], ['n'], { axis: 0 })
    .node('Concat', ['n', 'minus1'], ['shape'], { axis: 0 })
    .node('Reshape', ['x', 'shape'], ['y'])
    .output('y', 'float32', null);
  const runner = new OnnxRunner(gpu, parseOnnx(b.encode().model, { file: 'view.onnx' }));
  for (const n of [2, 5]) {
    const x = makeTensor('x', 'float32', [n, 3, 4, 4], rng.uniformArray(n * 48));
    const y = (await runner.run(new Map([['x', x]]))).get('y')!;
    assert.equal(y.dims, [n, 48], `batch ${n}`);
    assert.equal(Array.from(toFloat32(y)), Array.from(toFloat32(x)));
  }
  runner.release();
});

test('Gather of float values is refused before anything runs', () => {
  const b = new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', [4, 3])
    .initializer('i', 'int64', [2], [0, 2])
    .node('Gather', ['x', 'i'], ['y'], {}, 'embed')
    .output('y', 'float32', null);
  const model = parseOnnx(b.encode().model, { file: 'embed.onnx' });
  assert.throws(() => checkRun(model, { x: makeTensor('x', 'float32', [4, 3], new Float32Array(12)) }), (e: Error) =>
    e instanceof UnsupportedOnnxError && /node 'embed' \(Gather\): gathers float32 values; supported: integer tensors \(shape computations\)/.test(e.message));
});

test('Slice to INT64_MAX (x.shape[2:] as exporters write it) feeds a Reshape', async () => {
  const gpu = await testGpu();
  const b = new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', [2, 3, 4, 5])
    .initializer('two', 'int64', [1], [2])
    .initializer('end', 'int64', [1], BigInt64Array.of(9223372036854775807n))
    .initializer('minus1', 'int64', [1], [-1])
    .node('Shape', ['x'], ['s'])
    .node('Slice', ['s', 'two', 'end'], ['hw'])
    .node('Concat', ['minus1', 'hw'], ['shape'], { axis: 0 })
    .node('Reshape', ['x', 'shape'], ['y'])
    .output('y', 'float32', null)
    .output('hw', 'int64', null);
  const got = await expectSameAsOrt(gpu, b, { x: randomInput(rng, 'x', [2, 3, 4, 5]) }, { atol: 0, rtol: 0 }, 'slice to the end');
  assert.equal(got.get('y')!.dims, [6, 4, 5]);
});

test('a float Slice with a step other than 1 is refused before anything runs', () => {
  const b = new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', [2, 6])
    .initializer('st', 'int64', [1], [0])
    .initializer('en', 'int64', [1], [6])
    .initializer('ax', 'int64', [1], [1])
    .initializer('sp', 'int64', [1], [2])
    .node('Slice', ['x', 'st', 'en', 'ax', 'sp'], ['y'], {}, 'every_other')
    .output('y', 'float32', null);
  const model = parseOnnx(b.encode().model, { file: 'step.onnx' });
  assert.throws(() => checkRun(model, { x: makeTensor('x', 'float32', [2, 6], new Float32Array(12)) }), (e: Error) =>
    e instanceof UnsupportedOnnxError && /node 'every_other' \(Slice\): slices float32 values with a step other than 1, or to nothing; supported: float tensors cropped/.test(e.message));
});

test.run();
