// Which ONNX operators graft runs, with which attributes, for opsets 7 to 25: one table that the support checker,
// the model builder (attribute types) and the documentation read. A model is refused before anything runs when
// checkSupported finds a problem; each problem names the node, the operator, the offending value and what works.

import type { Attribute, AttributeType, OnnxModel, OnnxNode } from './model.ts';
import { constantValues } from './model.ts';
import { dtypeFromCode, toIntegers } from './tensor.ts';
import { UnsupportedOnnxError } from './errors.ts';

export const MIN_OPSET = 7;
export const MAX_OPSET = 25;

/** One reason a model cannot run. `node`/`opType` are null for model-wide problems (opset, domain). */
export interface Problem {
  node: string | null;
  opType: string | null;
  /** The attribute or input at fault, e.g. 'group' or 'input 1 (shape)'. */
  attribute?: string;
  /** Its value as found, e.g. '2'. */
  value?: string;
  /** What is wrong, in words. */
  reason: string;
  /** What graft supports instead. */
  supported: string;
}

export function formatProblem(p: Problem): string {
  const where = p.node === null ? 'model' : `node '${p.node}' (${p.opType})`;
  const what = p.attribute !== undefined ? `${p.attribute}${p.value !== undefined ? `=${p.value}` : ''}: ` : '';
  return `${where}: ${what}${p.reason}; supported: ${p.supported}`;
}

interface AttrSpec {
  type: AttributeType;
  /** First opset where the attribute exists (default: as long as the op). */
  since?: number;
  /** Last opset where it exists (later versions moved it to an input or dropped it). */
  until?: number;
  /** Returns null when the value is supported, else a description of what is. */
  check?: (a: Attribute) => string | null;
}

interface OpSpec {
  /** First opset at which graft reads this op (the op's own introduction if later than 7). */
  since: number;
  attributes: Record<string, AttrSpec>;
  /** Allowed count of inputs (trailing '' entries ignored) and outputs at a given opset. */
  inputs: (opset: number) => [number, number];
  outputs: (opset: number) => [number, number];
  /** Inputs (by index) whose values graft needs when building the graph: initializers or Constant outputs. */
  constantInputs?: (opset: number) => Record<number, string>;
  /** Further checks on the node as a whole. */
  check?: (node: OnnxNode, opset: number, constants: ConstantLookup) => Problem[];
  /** One line of what is supported, for `--help` and documentation. */
  summary: string;
}

type ConstantLookup = (name: string) => number[] | null;

const fixed = (lo: number, hi = lo) => (): [number, number] => [lo, hi];
const ints = (a: Attribute) => (a.type === 'ints' ? a.value : []);

const only = (allowed: string[]) => (a: Attribute) =>
  a.type === 'string' && allowed.includes(a.value) ? null : allowed.join(', ');
const intIn = (allowed: number[]) => (a: Attribute) =>
  a.type === 'int' && allowed.includes(a.value) ? null : allowed.join(' or ');
const allOnes = (what: string) => (a: Attribute) => (ints(a).every((v) => v === 1) ? null : `${what} of 1`);
const lengthIs = (n: number, what: string) => (a: Attribute) => (ints(a).length === n ? null : what);
const positive2 = (a: Attribute) => (ints(a).length === 2 && ints(a).every((v) => v >= 1) ? null : 'two strides >= 1 (2-D)');
const pads4 = (a: Attribute) => (ints(a).length === 4 && ints(a).every((v) => v >= 0) ? null : 'four pads >= 0 [top, left, bottom, right] (2-D)');

const AUTO_PAD: AttrSpec = { type: 'string', check: only(['NOTSET', 'SAME_UPPER', 'SAME_LOWER', 'VALID']) };

export const OPS: Record<string, OpSpec> = {
  Conv: {
    since: 1,
    attributes: {
      auto_pad: AUTO_PAD,
      dilations: { type: 'ints', check: allOnes('dilations') },
      group: { type: 'int', check: (a) => (a.type === 'int' && a.value >= 1 ? null : 'a positive group count') },
      kernel_shape: { type: 'ints', check: lengthIs(2, 'a 2-D kernel_shape') },
      pads: { type: 'ints', check: pads4 },
      strides: { type: 'ints', check: positive2 },
    },
    inputs: fixed(2, 3),
    outputs: fixed(1),
    summary: '2-D, any kernel/stride/pads/auto_pad, any group (depthwise and grouped), dilation 1, optional bias',
  },
  Relu: { since: 1, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Sigmoid: { since: 1, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Tanh: { since: 1, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  LeakyRelu: { since: 1, attributes: { alpha: { type: 'float' } }, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise, alpha' },
  HardSigmoid: { since: 6, attributes: { alpha: { type: 'float' }, beta: { type: 'float' } }, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise, alpha, beta' },
  HardSwish: { since: 14, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Exp: { since: 6, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Log: { since: 6, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Sqrt: { since: 6, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Neg: { since: 6, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise, float tensors' },
  Abs: { since: 6, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise, float tensors' },
  Reciprocal: { since: 6, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Erf: { since: 9, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise (series and a Chebyshev fit, within 2e-7)' },
  Softplus: { since: 1, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Softsign: { since: 1, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  Elu: { since: 6, attributes: { alpha: { type: 'float' } }, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise, alpha' },
  Selu: { since: 6, attributes: { alpha: { type: 'float' }, gamma: { type: 'float' } }, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise, alpha, gamma' },
  Gelu: { since: 20, attributes: { approximate: { type: 'string', check: only(['none', 'tanh']) } }, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise, exact or tanh approximation' },
  Mish: { since: 18, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'elementwise' },
  PRelu: { since: 7, attributes: {}, inputs: fixed(2), outputs: fixed(1), summary: 'slope broadcast to the input (per channel: [C,1,1])' },
  Clip: {
    since: 6,
    attributes: { min: { type: 'float', until: 10 }, max: { type: 'float', until: 10 } },
    // From opset 11 the bounds are optional inputs.
    inputs: (opset) => (opset >= 11 ? [1, 3] : [1, 1]),
    outputs: fixed(1),
    summary: 'elementwise; min and max as attributes, or (opset 11) as inputs given by initializers or Constants',
  },
  MaxPool: {
    since: 1,
    attributes: {
      auto_pad: AUTO_PAD,
      ceil_mode: { type: 'int', since: 10, check: intIn([0, 1]) },
      dilations: { type: 'ints', since: 10, check: allOnes('dilations') },
      kernel_shape: { type: 'ints', check: lengthIs(2, 'a 2-D kernel_shape') },
      pads: { type: 'ints', check: pads4 },
      storage_order: { type: 'int', since: 8, check: intIn([0]) },
      strides: { type: 'ints', check: positive2 },
    },
    inputs: fixed(1),
    outputs: (opset) => [1, opset >= 8 ? 2 : 1],
    check: requireAttr('kernel_shape'),
    summary: '2-D, kernel_shape/strides/pads/auto_pad/ceil_mode, storage_order 0, dilation 1, optional Indices output',
  },
  AveragePool: {
    since: 1,
    attributes: {
      auto_pad: AUTO_PAD,
      ceil_mode: { type: 'int', since: 10, check: intIn([0, 1]) },
      count_include_pad: { type: 'int', check: intIn([0, 1]) },
      dilations: { type: 'ints', since: 19, check: allOnes('dilations') },
      kernel_shape: { type: 'ints', check: lengthIs(2, 'a 2-D kernel_shape') },
      pads: { type: 'ints', check: pads4 },
      strides: { type: 'ints', check: positive2 },
    },
    inputs: fixed(1),
    outputs: fixed(1),
    check: requireAttr('kernel_shape'),
    summary: '2-D, kernel_shape/strides/pads/auto_pad/ceil_mode/count_include_pad, dilation 1',
  },
  GlobalAveragePool: { since: 1, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: '4-D input (N,C,H,W)' },
  GlobalMaxPool: { since: 1, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: '4-D input (N,C,H,W)' },
  Gemm: {
    since: 7,
    attributes: {
      alpha: { type: 'float' },
      beta: { type: 'float' },
      transA: { type: 'int', check: intIn([0, 1]) },
      transB: { type: 'int', check: intIn([0, 1]) },
    },
    inputs: (opset) => [opset >= 11 ? 2 : 3, 3],
    outputs: fixed(1),
    summary: 'alpha, beta, transA, transB, C broadcast to (M,N)',
  },
  MatMul: { since: 1, attributes: {}, inputs: fixed(2), outputs: fixed(1), summary: 'numpy matmul with batch broadcasting' },
  Add: { since: 7, attributes: {}, inputs: fixed(2), outputs: fixed(1), summary: 'multidirectional broadcasting; float tensors, or integers known on the CPU (shape computations)' },
  Sub: { since: 7, attributes: {}, inputs: fixed(2), outputs: fixed(1), summary: 'multidirectional broadcasting; float tensors, or integers known on the CPU (shape computations)' },
  Mul: { since: 7, attributes: {}, inputs: fixed(2), outputs: fixed(1), summary: 'multidirectional broadcasting; float tensors, or integers known on the CPU (shape computations)' },
  Div: { since: 7, attributes: {}, inputs: fixed(2), outputs: fixed(1), summary: 'multidirectional broadcasting; float tensors, or integers known on the CPU (shape computations)' },
  Pow: { since: 7, attributes: {}, inputs: fixed(2), outputs: fixed(1), summary: 'float base, float or integer exponent, multidirectional broadcasting' },
  Max: { since: 6, attributes: {}, inputs: () => [1, Infinity], outputs: fixed(1), summary: 'any number of float inputs; broadcasting from opset 8 (equal shapes before)' },
  Min: { since: 6, attributes: {}, inputs: () => [1, Infinity], outputs: fixed(1), summary: 'any number of float inputs; broadcasting from opset 8 (equal shapes before)' },
  Mean: { since: 6, attributes: {}, inputs: () => [1, Infinity], outputs: fixed(1), summary: 'any number of float inputs; broadcasting from opset 8 (equal shapes before)' },
  Expand: { since: 8, attributes: {}, inputs: fixed(2), outputs: fixed(1), constantInputs: () => ({ 1: 'shape' }), summary: 'float tensors; the shape from an initializer, a Constant or a folded shape computation' },
  LayerNormalization: {
    since: 17,
    attributes: { axis: { type: 'int' }, epsilon: { type: 'float' }, stash_type: { type: 'int', check: intIn([1]) } },
    inputs: fixed(2, 3),
    outputs: fixed(1, 3),
    summary: 'any axis, Scale and B of the normalised shape, optional Mean and InvStdDev outputs, stash_type 1',
  },
  Sum: {
    since: 6,
    attributes: {},
    inputs: () => [1, Infinity],
    outputs: fixed(1),
    summary: 'any number of inputs; broadcasting from opset 8 (equal shapes before)',
  },
  Flatten: {
    since: 1,
    attributes: { axis: { type: 'int' } },
    inputs: fixed(1),
    outputs: fixed(1),
    summary: 'axis (negative from opset 11)',
  },
  Reshape: {
    since: 5,
    attributes: { allowzero: { type: 'int', since: 14, check: intIn([0, 1]) } },
    inputs: fixed(2),
    outputs: fixed(1),
    constantInputs: () => ({ 1: 'shape' }),
    check: (node, _opset, constants) => {
      const shape = constants(node.inputs[1]);
      const allowzero = node.attributes.get('allowzero');
      if (shape && allowzero?.type === 'int' && allowzero.value === 1 && shape.includes(0)) {
        return [problem(node, 'allowzero', '1', 'a 0 in shape with allowzero=1 makes an empty tensor', 'non-empty results')];
      }
      return [];
    },
    summary: 'shape from an initializer or Constant, 0 and -1 entries, allowzero',
  },
  Transpose: { since: 1, attributes: { perm: { type: 'ints' } }, inputs: fixed(1), outputs: fixed(1), summary: 'any perm' },
  // The shape computations that exporters write around Reshape (PyTorch's x.view(x.size(0), -1): Shape, Gather,
  // Unsqueeze, Concat; x.shape[2:]: Slice; Cast): their values are integers known once the input shapes are
  // (src/onnx/shapes.ts folds them).
  Shape: {
    since: 1,
    attributes: { start: { type: 'int', since: 15 }, end: { type: 'int', since: 15 } },
    inputs: fixed(1),
    outputs: fixed(1),
    summary: 'any tensor; start and end (opset 15)',
  },
  Gather: {
    since: 1,
    attributes: { axis: { type: 'int' } },
    inputs: fixed(2),
    outputs: fixed(1),
    summary: 'integer tensors known on the CPU (shape computations), any axis, negative indices',
  },
  Unsqueeze: {
    since: 1,
    attributes: { axes: { type: 'ints', until: 12 } },
    inputs: (opset) => (opset >= 13 ? [2, 2] : [1, 1]),
    outputs: fixed(1),
    constantInputs: (opset): Record<number, string> => (opset >= 13 ? { 1: 'axes' } : {}),
    summary: 'axes (attribute; an initializer, Constant or shape computation input from opset 13)',
  },
  Slice: {
    since: 1,
    attributes: { starts: { type: 'ints', until: 9 }, ends: { type: 'ints', until: 9 }, axes: { type: 'ints', until: 9 } },
    // From opset 10 starts, ends, axes and steps are inputs.
    inputs: (opset) => (opset >= 10 ? [3, 5] : [1, 1]),
    outputs: fixed(1),
    constantInputs: (opset): Record<number, string> => (opset >= 10 ? { 1: 'starts', 2: 'ends', 3: 'axes', 4: 'steps' } : {}),
    summary: 'integer tensors known on the CPU (shape computations) with any starts, ends, axes and steps; float tensors cropped (steps of 1)',
  },
  Split: {
    since: 2,
    attributes: { axis: { type: 'int' }, split: { type: 'ints', until: 12 }, num_outputs: { type: 'int', since: 18 } },
    inputs: (opset) => (opset >= 13 ? [1, 2] : [1, 1]),
    outputs: () => [1, Infinity],
    constantInputs: (opset): Record<number, string> => (opset >= 13 ? { 1: 'split' } : {}),
    summary: 'any axis, sizes from split (attribute, or an initializer or Constant input from opset 13) or num_outputs, or equal parts',
  },
  Cast: {
    since: 6,
    attributes: { to: { type: 'int', check: (a) => (a.type === 'int' && dtypeFromCode(a.value) !== null ? null : 'a numeric or bool type') }, saturate: { type: 'int', since: 19 } },
    inputs: fixed(1),
    outputs: fixed(1),
    summary: 'integer tensors known on the CPU to any numeric type, float tensors to float types',
  },
  Squeeze: {
    since: 1,
    attributes: { axes: { type: 'ints', until: 12 } },
    inputs: (opset) => (opset >= 13 ? [1, 2] : [1, 1]),
    outputs: fixed(1),
    constantInputs: (opset): Record<number, string> => (opset >= 13 ? { 1: 'axes' } : {}),
    summary: 'axes (attribute; an initializer, Constant or shape computation input from opset 13), or every 1',
  },
  Concat: {
    since: 4,
    attributes: { axis: { type: 'int' } },
    inputs: () => [1, Infinity],
    outputs: fixed(1),
    check: requireAttr('axis'),
    summary: 'any axis (negative from opset 11), float tensors on the GPU or integer tensors known on the CPU',
  },
  Pad: {
    since: 2,
    attributes: {
      mode: { type: 'string', check: only(['constant', 'reflect', 'edge']) },
      pads: { type: 'ints', until: 10 },
      value: { type: 'float', until: 10 },
    },
    // From opset 11 pads (and constant_value) are inputs; from 18 an optional axes input names the padded axes.
    inputs: (opset) => (opset >= 18 ? [2, 4] : opset >= 11 ? [2, 3] : [1, 1]),
    outputs: fixed(1),
    constantInputs: (opset): Record<number, string> => (opset >= 18 ? { 1: 'pads', 3: 'axes' } : opset >= 11 ? { 1: 'pads' } : {}),
    check: (node, opset) => (opset < 11 ? requireAttr('pads')(node) : []),
    summary: 'float tensors, constant (any constant_value given by an initializer or Constant), reflect and edge modes, negative pads cropping, axes (opset 18)',
  },
  Softmax: {
    since: 1,
    attributes: { axis: { type: 'int' } },
    inputs: fixed(1),
    outputs: fixed(1),
    summary: 'axis (before opset 13: coerced to 2-D at axis, default 1; from 13: one axis, default -1)',
  },
  LogSoftmax: {
    since: 1,
    attributes: { axis: { type: 'int' } },
    inputs: fixed(1),
    outputs: fixed(1),
    summary: 'as Softmax',
  },
  Dropout: {
    since: 7,
    attributes: {
      ratio: { type: 'float', until: 11 },
      seed: { type: 'int', since: 12 },
    },
    inputs: (opset) => [1, opset >= 12 ? 3 : 1],
    outputs: fixed(1, 2),
    check: (node, opset, constants) => {
      const mode = node.inputs[2];
      if (opset < 12 || !mode) return [];
      const v = constants(mode);
      if (v && v.every((x) => x === 0)) return [];
      return [problem(node, 'input 2 (training_mode)', v ? String(v) : `'${mode}' (not a constant)`,
        'training-mode dropout is not run', 'inference (training_mode absent or a constant false): identity, mask all true')];
    },
    summary: 'inference only: identity, optional mask output (all true)',
  },
  LRN: {
    since: 1,
    attributes: { alpha: { type: 'float' }, beta: { type: 'float' }, bias: { type: 'float' }, size: { type: 'int', check: (a) => (a.type === 'int' && a.value >= 1 ? null : 'a positive size') } },
    inputs: fixed(1),
    outputs: fixed(1),
    check: requireAttr('size'),
    summary: '4-D (N,C,H,W) inputs, any size, alpha, beta and bias',
  },
  BatchNormalization: {
    since: 7,
    attributes: {
      epsilon: { type: 'float' },
      momentum: { type: 'float' },
      spatial: { type: 'int', until: 8, check: intIn([1]) },
      training_mode: { type: 'int', since: 14, check: intIn([0]) },
    },
    inputs: fixed(5),
    outputs: fixed(1),
    summary: 'inference with running mean/var (one output), spatial 1, training_mode 0',
  },
  ReduceMean: {
    since: 1,
    attributes: {
      axes: { type: 'ints', until: 17 },
      keepdims: { type: 'int', check: intIn([0, 1]) },
      noop_with_empty_axes: { type: 'int', since: 18, check: intIn([0, 1]) },
    },
    inputs: (opset) => [1, opset >= 18 ? 2 : 1],
    outputs: fixed(1),
    constantInputs: (opset): Record<number, string> => (opset >= 18 ? { 1: 'axes' } : {}),
    summary: 'axes (attribute; an initializer or Constant input from opset 18), keepdims, noop_with_empty_axes',
  },
  Identity: { since: 1, attributes: {}, inputs: fixed(1), outputs: fixed(1), summary: 'tensors' },
  Constant: {
    since: 1,
    attributes: {
      value: { type: 'tensor' },
      value_float: { type: 'float', since: 12 },
      value_floats: { type: 'floats', since: 12 },
      value_int: { type: 'int', since: 12 },
      value_ints: { type: 'ints', since: 12 },
    },
    inputs: fixed(0),
    outputs: fixed(1),
    check: (node) =>
      node.attributes.size === 1
        ? []
        : [problem(node, undefined, undefined, `has ${node.attributes.size} value attributes`, 'exactly one of value, value_float(s), value_int(s)')],
    summary: 'value, value_float(s), value_int(s) (numeric tensors)',
  },
  SoftmaxCrossEntropyLoss: {
    since: 12,
    attributes: {
      ignore_index: { type: 'int' },
      reduction: { type: 'string', check: only(['none', 'sum', 'mean']) },
    },
    inputs: fixed(2, 3),
    outputs: fixed(1, 2),
    summary: 'reduction none/sum/mean, class weights, ignore_index, optional log_prob output',
  },
};

/** Operators whose output is known before running when their inputs are: Shape always (the shapes are). */
export const FOLDABLE_OPS: ReadonlySet<string> = new Set(['Shape', 'Gather', 'Unsqueeze', 'Squeeze', 'Concat', 'Identity', 'Slice', 'Cast', 'Add', 'Sub', 'Mul', 'Div']);

/**
 * Names of the values that shape inference can compute before anything runs: Shape's output, and the outputs of
 * FOLDABLE_OPS whose inputs are all constants (`isConstant`) or such values.
 */
export function foldableValues(nodes: readonly OnnxNode[], isConstant: (name: string) => boolean): Set<string> {
  const out = new Set<string>();
  for (const node of nodes) {
    if (node.domain !== '' || !FOLDABLE_OPS.has(node.opType)) continue;
    const known = node.opType === 'Shape' || node.inputs.every((n) => n === '' || isConstant(n) || out.has(n));
    if (known) for (const o of node.outputs) if (o) out.add(o);
  }
  return out;
}

function problem(node: OnnxNode, attribute: string | undefined, value: string | undefined, reason: string, supported: string): Problem {
  return { node: node.name, opType: node.opType, attribute, value, reason, supported };
}

function requireAttr(name: string) {
  return (node: OnnxNode): Problem[] =>
    node.attributes.has(name) ? [] : [problem(node, name, undefined, 'is required but missing', `${name} given`)];
}

export function describeAttribute(a: Attribute): string {
  switch (a.type) {
    case 'ints': case 'floats': return `[${a.value.join(',')}]`;
    case 'strings': return `[${a.value.join(',')}]`;
    case 'tensor': return `tensor ${a.value.dtype}[${a.value.dims.join(',')}]`;
    case 'tensors': return `${a.value.length} tensors`;
    case 'graph': return 'a graph';
    case 'graphs': return `${a.value.length} graphs`;
    default: return String(a.value);
  }
}

/**
 * Everything in the model graft would refuse to run: opset outside 7..25, other domains, unknown operators,
 * unsupported attribute values, and inputs that must be constant but are not. Empty means the runner may start.
 */
export function checkSupported(model: OnnxModel): Problem[] {
  const problems: Problem[] = [];
  const opset = model.opset;
  if (opset < MIN_OPSET || opset > MAX_OPSET) {
    problems.push({ node: null, opType: null, attribute: 'opset', value: String(opset), reason: 'is outside the opsets graft reads', supported: `ai.onnx opsets ${MIN_OPSET} to ${MAX_OPSET}` });
  }
  const constants = constantValues(model.graph);
  const lookup: ConstantLookup = (name) => {
    const t = constants.get(name);
    if (!t) return null;
    try {
      return toIntegers(t);
    } catch {
      return null;
    }
  };
  const folded = foldableValues(model.graph.nodes, (name) => constants.has(name));
  const supportedOps = Object.keys(OPS).join(', ');
  for (const node of model.graph.nodes) {
    if (node.domain !== '') {
      problems.push(problem(node, 'domain', node.domain, 'operators outside the default ONNX domain are not run', `ai.onnx operators: ${supportedOps}`));
      continue;
    }
    const spec = OPS[node.opType];
    if (!spec) {
      problems.push(problem(node, undefined, undefined, 'operator not supported', supportedOps));
      continue;
    }
    if (opset < spec.since) {
      problems.push(problem(node, 'opset', String(opset), `${node.opType} needs opset ${spec.since} or later`, spec.summary));
    }
    for (const [name, a] of node.attributes) {
      const as = spec.attributes[name];
      const known = Object.entries(spec.attributes)
        .filter(([, s]) => (s.since ?? 0) <= opset && (s.until ?? Infinity) >= opset)
        .map(([k]) => k);
      if (!as || (as.since ?? 0) > opset || (as.until ?? Infinity) < opset) {
        problems.push(problem(node, name, describeAttribute(a), `is not an attribute of ${node.opType} at opset ${opset}`,
          known.length ? `attributes ${known.join(', ')}` : 'no attributes'));
        continue;
      }
      if (a.type !== as.type) {
        problems.push(problem(node, name, describeAttribute(a), `has type ${a.type}`, `type ${as.type}`));
        continue;
      }
      const bad = as.check?.(a);
      if (bad !== null && bad !== undefined) problems.push(problem(node, name, describeAttribute(a), 'value not supported', bad));
    }
    const nIn = node.inputs.length - trailingEmpty(node.inputs);
    const [inLo, inHi] = spec.inputs(opset);
    if (nIn < inLo || nIn > inHi) {
      problems.push(problem(node, 'inputs', String(nIn), 'wrong number of inputs', `${inLo}${inHi !== inLo ? `..${inHi === Infinity ? 'n' : inHi}` : ''} inputs at opset ${opset}`));
    }
    const nOut = node.outputs.length - trailingEmpty(node.outputs);
    const [outLo, outHi] = spec.outputs(opset);
    if (nOut < outLo || nOut > outHi) {
      problems.push(problem(node, 'outputs', String(nOut), 'unsupported number of outputs', `${outLo}${outHi !== outLo ? `..${outHi}` : ''} outputs at opset ${opset}`));
    }
    for (const [index, what] of Object.entries(spec.constantInputs?.(opset) ?? {})) {
      const name = node.inputs[Number(index)];
      if (name && !constants.has(name) && !folded.has(name)) {
        problems.push(problem(node, `input ${index} (${what})`, `'${name}'`, 'is computed at run time', `${what} given by an initializer or a Constant node, or computed from shapes`));
      }
    }
    problems.push(...(spec.check?.(node, opset, lookup) ?? []));
  }
  return problems;
}

/**
 * Throws UnsupportedOnnxError listing every problem (checkSupported's plus `extra`, e.g. inference problems), one
 * per line, so a runner refuses the model before anything runs.
 */
export function assertSupported(model: OnnxModel, extra: Problem[] = []): void {
  const problems = [...checkSupported(model), ...extra];
  if (problems.length === 0) return;
  throw new UnsupportedOnnxError(
    `${model.file}: graft cannot run this model (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n` +
      problems.map((p) => `  ${formatProblem(p)}`).join('\n'),
  );
}

function trailingEmpty(names: string[]): number {
  let k = 0;
  while (k < names.length && names[names.length - 1 - k] === '') k++;
  return k;
}

/** The attribute type graft expects for an op's attribute, for writers that are handed plain numbers. */
export function attributeType(opType: string, name: string): AttributeType | undefined {
  return OPS[opType]?.attributes[name]?.type;
}
