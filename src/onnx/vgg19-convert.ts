// Converts the ONNX model zoo's VGG19 ImageNet weights to graft's names and layouts (safetensors). Accepts the zoo's
// vgg19-7 (MXNet Gluon names), vgg19-bn-7 (BatchNormalization folded into each preceding conv) and the caffe2
// variant's names, and checks the graph is VGG19 before writing anything: wrong file, missing tensor, wrong shape
// or truncated file are errors that name the problem, and the output appears only when complete (temp + rename).
//
// graft layout (Keras VGG19 block structure, NHWC activations):
//   block{b}.conv{k}.weight  (3, 3, cin, cout)  HWIO      block{b}.conv{k}.bias (cout)
//   fc1.weight (H*W*C, 4096), rows in H,W,C order of the (7, 7, 512) block5 pool output; fc2, predictions (in, out)

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { attrFloat, attrInt, attrInts, type OnnxModel, type OnnxNode } from './model.ts';
import { parseOnnx } from './reader.ts';
import { toFloat32, type OnnxTensor } from './tensor.ts';
import { writeSafetensors, type SafetensorsEntry } from './safetensors.ts';
import { OnnxFormatError, WeightsError } from './errors.ts';

/** Convs per block, as in Keras VGG19 (block1: 2, block2: 2, block3-5: 4). */
export const VGG19_BLOCKS = [2, 2, 4, 4, 4] as const;
/** Output channels per block at full width. */
export const VGG19_CHANNELS = [64, 128, 256, 512, 512] as const;

export type Vgg19Variant = 'vgg19-7' | 'vgg19-bn-7' | 'vgg19-caffe2';

/** What the converted weights expect of an input image, stored as JSON in the file's metadata. */
export interface Preprocessing {
  /** Channel order of the input's last axis. */
  colour_order: 'RGB' | 'BGR';
  /** Pixels (0..255) are multiplied by `scale`, then `(x - mean) / std` per channel. */
  scale: number;
  mean: number[];
  std: number[];
  layout: 'NHWC';
  /** Input side the dense layers were trained for; resize shorter side to `resize`, centre-crop `size`. */
  size: number;
  resize: number;
}

export const PREPROCESSING: Record<Vgg19Variant, Preprocessing> = {
  // ONNX zoo / Gluon: RGB scaled to [0,1], ImageNet mean and std.
  'vgg19-7': { colour_order: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: 'NHWC', size: 224, resize: 256 },
  'vgg19-bn-7': { colour_order: 'RGB', scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225], layout: 'NHWC', size: 224, resize: 256 },
  // The caffe2 model comes from the original Caffe VGG release: BGR, 0..255, mean pixel subtracted, no std.
  'vgg19-caffe2': { colour_order: 'BGR', scale: 1, mean: [103.939, 116.779, 123.68], std: [1, 1, 1], layout: 'NHWC', size: 224, resize: 256 },
};

export interface ConvertOptions {
  /**
   * true (default): shapes must be exactly VGG19 ImageNet's (224x224 input, 1000 classes). false: accept the same
   * structure at any width, spatial size and class count (the tests' narrow models).
   */
  strict?: boolean;
}

export interface Vgg19Conversion {
  variant: Vgg19Variant;
  preprocessing: Preprocessing;
  /** graft tensors in file order; data is computed when written. */
  entries: SafetensorsEntry[];
  /** Side of the block5 pool output that fc1 reads (7 at 224x224). */
  poolSide: number;
  classes: number;
}

interface SourceNames {
  conv: (i: number) => { weight: string; bias: string };
  dense: (j: number) => { weight: string; bias: string };
}

const ZOO: SourceNames = {
  conv: (i) => ({ weight: `vgg0_conv${i}_weight`, bias: `vgg0_conv${i}_bias` }),
  dense: (j) => ({ weight: `vgg0_dense${j}_weight`, bias: `vgg0_dense${j}_bias` }),
};

/** caffe2 numbers convs by block and position (conv3_4) and the dense layers fc6..fc8. */
const CAFFE2: SourceNames = {
  conv: (i) => {
    const [b, k] = blockOf(i);
    return { weight: `conv${b}_${k}_w_0`, bias: `conv${b}_${k}_b_0` };
  },
  dense: (j) => ({ weight: `fc${6 + j}_w_0`, bias: `fc${6 + j}_b_0` }),
};

/** Block (1-based) and position in block (1-based) of the i-th conv. */
function blockOf(i: number): [number, number] {
  let rest = i;
  for (let b = 0; b < VGG19_BLOCKS.length; b++) {
    if (rest < VGG19_BLOCKS[b]) return [b + 1, rest + 1];
    rest -= VGG19_BLOCKS[b];
  }
  throw new RangeError(`conv ${i} is past VGG19's 16 convolutions`);
}

const N_CONV = VGG19_BLOCKS.reduce((a, b) => a + b, 0);
const DENSE_NAMES = ['fc1', 'fc2', 'predictions'];

/** Maps a VGG19 ONNX model onto graft's names and layouts. Throws WeightsError before producing anything. */
export function convertVgg19(model: OnnxModel, opts: ConvertOptions = {}): Vgg19Conversion {
  const strict = opts.strict ?? true;
  const file = model.file;
  const inits = model.graph.initializers;
  const fail = (why: string): never => {
    throw new WeightsError(`${file}: not the VGG19 graft converts: ${why}`);
  };
  let names: SourceNames;
  let variant: Vgg19Variant;
  if (inits.has(ZOO.conv(0).weight)) {
    names = ZOO;
    variant = model.graph.nodes.some((n) => n.opType === 'BatchNormalization') ? 'vgg19-bn-7' : 'vgg19-7';
  } else if (inits.has(CAFFE2.conv(0).weight)) {
    names = CAFFE2;
    variant = 'vgg19-caffe2';
  } else {
    const some = [...inits.keys()].slice(0, 4).join(', ');
    return fail(`neither '${ZOO.conv(0).weight}' (model zoo vgg19-7 / vgg19-bn-7) nor '${CAFFE2.conv(0).weight}' (caffe2) is among its tensors (it has ${inits.size}${some ? `, e.g. ${some}` : ''})`);
  }
  const get = (name: string, what: string): OnnxTensor => inits.get(name) ?? fail(`tensor '${name}' (${what}) is missing`);
  const consumer = (name: string) => model.graph.nodes.find((n) => n.inputs.includes(name));
  const shapeIs = (t: OnnxTensor, want: number[]) => {
    if (t.dims.length !== want.length || t.dims.some((d, i) => d !== want[i])) {
      fail(`tensor '${t.name}' has shape [${t.dims.join(',')}], VGG19 needs [${want.join(',')}]`);
    }
    if (t.dtype !== 'float32' && t.dtype !== 'float16') fail(`tensor '${t.name}' holds ${t.dtype}, not floats`);
  };

  // --- the convolutions (and their batch norms)
  const first = get(names.conv(0).weight, 'first conv weight');
  const width = first.dims[0];
  if (strict && width !== VGG19_CHANNELS[0]) shapeIs(first, [VGG19_CHANNELS[0], 3, 3, 3]);
  const entries: SafetensorsEntry[] = [];
  let cin = 3;
  for (let i = 0; i < N_CONV; i++) {
    const [b, k] = blockOf(i);
    const cout = (VGG19_CHANNELS[b - 1] / VGG19_CHANNELS[0]) * width;
    const n = names.conv(i);
    const w = get(n.weight, `block${b} conv${k} weight`);
    shapeIs(w, [cout, cin, 3, 3]);
    const conv = consumer(n.weight);
    if (!conv || conv.opType !== 'Conv') fail(`'${n.weight}' is not read by a Conv node`);
    checkVggConv(conv!, fail);
    const biasName = conv!.inputs[2] || undefined;
    if (biasName !== undefined && biasName !== n.bias) fail(`conv '${conv!.name}' takes bias '${biasName}', expected '${n.bias}'`);
    const bias = biasName ? get(biasName, `block${b} conv${k} bias`) : null;
    if (bias) shapeIs(bias, [cout]);
    else if (variant !== 'vgg19-bn-7') fail(`conv '${conv!.name}' has no bias`);
    const bn = foldingFor(model, conv!, variant, cout, fail);
    const [ci, co] = [cin, cout];
    entries.push(
      { name: `block${b}.conv${k}.weight`, dtype: 'float32', shape: [3, 3, ci, co], data: () => oihwToHwio(toFloat32(w), co, ci, 3, 3, bn?.scale) },
      { name: `block${b}.conv${k}.bias`, dtype: 'float32', shape: [co], data: () => foldBias(bias ? toFloat32(bias) : new Float32Array(co), bn) },
    );
    cin = cout;
  }

  // --- the dense layers: Gemm with transB=1 reads weights as [out, in]
  const d = [0, 1, 2].map((j) => {
    const n = names.dense(j);
    const w = get(n.weight, `${DENSE_NAMES[j]} weight`);
    const bias = get(n.bias, `${DENSE_NAMES[j]} bias`);
    const gemm = consumer(n.weight);
    if (!gemm || gemm.opType !== 'Gemm' || attrInt(gemm, 'transB', 0) !== 1 || attrInt(gemm, 'transA', 0) !== 0) {
      fail(`'${n.weight}' is not read by a Gemm with transA=0, transB=1`);
    }
    if (attrFloat(gemm!, 'alpha', 1) !== 1 || attrFloat(gemm!, 'beta', 1) !== 1) fail(`Gemm '${gemm!.name}' scales by alpha/beta`);
    if (w.dims.length !== 2) fail(`tensor '${w.name}' has shape [${w.dims.join(',')}], VGG19 needs a matrix`);
    return { w, bias };
  });
  const [f1, f2, f3] = d;
  const pooled = f1.w.dims[1] / cin;
  const side = Math.round(Math.sqrt(pooled));
  if (strict) {
    shapeIs(f1.w, [4096, 7 * 7 * 512]);
    shapeIs(f2.w, [4096, 4096]);
    shapeIs(f3.w, [1000, 4096]);
  } else if (side * side * cin !== f1.w.dims[1]) {
    fail(`'${f1.w.name}' reads ${f1.w.dims[1]} features, not ${cin} channels times a square pooled map`);
  }
  const hidden = f1.w.dims[0];
  shapeIs(f2.w, [hidden, hidden]);
  shapeIs(f3.w, [f3.w.dims[0], hidden]);
  const classes = f3.w.dims[0];
  [f1, f2, f3].forEach(({ w, bias }) => shapeIs(bias, [w.dims[0]]));
  entries.push(
    { name: 'fc1.weight', dtype: 'float32', shape: [side * side * cin, hidden], data: () => fc1FromChw(toFloat32(f1.w), hidden, cin, side) },
    { name: 'fc1.bias', dtype: 'float32', shape: [hidden], data: () => toFloat32(f1.bias) },
    { name: 'fc2.weight', dtype: 'float32', shape: [hidden, hidden], data: () => transpose2d(toFloat32(f2.w), hidden, hidden) },
    { name: 'fc2.bias', dtype: 'float32', shape: [hidden], data: () => toFloat32(f2.bias) },
    { name: 'predictions.weight', dtype: 'float32', shape: [hidden, classes], data: () => transpose2d(toFloat32(f3.w), classes, hidden) },
    { name: 'predictions.bias', dtype: 'float32', shape: [classes], data: () => toFloat32(f3.bias) },
  );
  return { variant, preprocessing: PREPROCESSING[variant], entries, poolSide: side, classes };
}

/** VGG's convs are 3x3, stride 1, padding 1, plain: anything else is another network. */
function checkVggConv(conv: OnnxNode, fail: (why: string) => never): void {
  const pads = attrInts(conv, 'pads') ?? [0, 0, 0, 0];
  const strides = attrInts(conv, 'strides') ?? [1, 1];
  const ok = pads.every((p) => p === 1) && strides.every((s) => s === 1) && attrInt(conv, 'group', 1) === 1 &&
    (attrInts(conv, 'dilations') ?? [1, 1]).every((x) => x === 1);
  if (!ok) fail(`conv '${conv.name}' is not 3x3/stride 1/pad 1 (pads [${pads}], strides [${strides}])`);
}

interface BnFold {
  /** Per output channel: gamma / sqrt(var + eps). */
  scale: Float64Array;
  /** Per output channel: beta - mean * scale. */
  shift: Float64Array;
}

/** In vgg19-bn-7, each conv feeds a BatchNormalization whose inference transform folds into the conv. */
function foldingFor(model: OnnxModel, conv: OnnxNode, variant: Vgg19Variant, cout: number, fail: (why: string) => never): BnFold | null {
  const next = model.graph.nodes.filter((n) => n.inputs.includes(conv.outputs[0]));
  const bn = next.find((n) => n.opType === 'BatchNormalization');
  if (variant !== 'vgg19-bn-7') {
    if (bn) fail(`a BatchNormalization follows conv '${conv.name}' in a model without them elsewhere`);
    return null;
  }
  if (!bn || next.length !== 1) return fail(`conv '${conv.name}' is not followed by exactly one BatchNormalization`);
  const param = (i: number, what: string) => {
    const t = model.graph.initializers.get(bn.inputs[i]) ?? fail(`batch norm '${bn.name}' ${what} ('${bn.inputs[i]}') is not an initializer`);
    if (t.dims.length !== 1 || t.dims[0] !== cout) fail(`batch norm '${bn.name}' ${what} has shape [${t.dims.join(',')}], needs [${cout}]`);
    return toFloat32(t);
  };
  const [gamma, beta, mean, variance] = [param(1, 'scale'), param(2, 'bias'), param(3, 'mean'), param(4, 'var')];
  const eps = attrFloat(bn, 'epsilon', 1e-5);
  const scale = new Float64Array(cout);
  const shift = new Float64Array(cout);
  for (let c = 0; c < cout; c++) {
    scale[c] = gamma[c] / Math.sqrt(variance[c] + eps);
    shift[c] = beta[c] - mean[c] * scale[c];
  }
  return { scale, shift };
}

// --- layout conversions
// All three are one operation: a transpose of an (R, G*P) matrix whose columns g*P + p become rows p*G + g.
// Done in 64x64 tiles, since a plain strided loop over fc1's 102M elements takes ~20 s here and tiles ~1 s.

/** (R, G*P), columns ordered g*P + p  ->  (P*G, R), rows ordered p*G + g; row r optionally times scale[r]. */
export function regroupTranspose(w: Float32Array, R: number, G: number, P: number, scale?: Float64Array): Float32Array {
  const cols = G * P;
  if (w.length !== R * cols) throw new RangeError(`regroupTranspose: ${w.length} values for (${R}, ${G}*${P})`);
  const out = new Float32Array(w.length);
  const T = 64;
  for (let r0 = 0; r0 < R; r0 += T) {
    const r1 = Math.min(r0 + T, R);
    for (let c0 = 0; c0 < cols; c0 += T) {
      const c1 = Math.min(c0 + T, cols);
      for (let col = c0; col < c1; col++) {
        const g = Math.floor(col / P);
        const dst = ((col - g * P) * G + g) * R;
        if (scale) for (let r = r0; r < r1; r++) out[dst + r] = w[r * cols + col] * scale[r];
        else for (let r = r0; r < r1; r++) out[dst + r] = w[r * cols + col];
      }
    }
  }
  return out;
}

/** (O, I, KH, KW) -> (KH, KW, I, O), each output channel optionally multiplied by scale[o]. */
export function oihwToHwio(w: Float32Array, O: number, I: number, KH: number, KW: number, scale?: Float64Array): Float32Array {
  return regroupTranspose(w, O, I, KH * KW, scale);
}

function foldBias(b: Float32Array, bn: BnFold | null): Float32Array {
  if (!bn) return b;
  return Float32Array.from(b, (v, c) => v * bn.scale[c] + bn.shift[c]);
}

/** (rows, cols) -> (cols, rows). */
export function transpose2d(w: Float32Array, rows: number, cols: number): Float32Array {
  return regroupTranspose(w, rows, 1, cols);
}

/**
 * fc1 from the zoo's (out, C*S*S) Gemm weight, whose inputs are the pooled map flattened C,H,W (NCHW), to graft's
 * (S*S*C, out) whose rows follow H,W,C (NHWC flatten): row (h*S + w)*C + c = zoo column c*S*S + h*S + w.
 */
export function fc1FromChw(w: Float32Array, out: number, C: number, S: number): Float32Array {
  return regroupTranspose(w, out, C, S * S);
}

export interface ConvertReport {
  out: string;
  variant: Vgg19Variant;
  sha256: string;
  tensors: number;
  parameters: number;
}

/**
 * Reads an ONNX VGG19, converts it and writes `out` (safetensors) with metadata: source file name and SHA-256,
 * variant, layout and preprocessing. Nothing is written unless every check passes and every tensor converts.
 */
export function convertVgg19File(src: string, out: string, opts: ConvertOptions = {}): ConvertReport {
  // One read serves both the hash and the parse (the zoo file is 548 MB).
  let bytes: Buffer;
  try {
    bytes = readFileSync(src);
  } catch (e) {
    throw new OnnxFormatError(`${src}: cannot read the file (${(e as Error).message})`);
  }
  const sha256 = createHash('sha256').update(bytes).digest('hex');
  const conv = convertVgg19(parseOnnx(bytes, { file: src, baseDir: dirname(src) }), opts);
  const metadata: Record<string, string> = {
    format: 'graft-vgg19/1',
    source_file: basename(src),
    source_sha256: sha256,
    source_format: 'onnx',
    source_variant: conv.variant,
    layout: 'conv weights HWIO (kh, kw, cin, cout); dense weights (in, out); fc1 rows in H,W,C order of the NHWC block5 pool output',
    preprocessing: JSON.stringify(conv.preprocessing),
    classes: String(conv.classes),
  };
  if (conv.variant === 'vgg19-bn-7') metadata.batch_norm = 'folded into the preceding conv weights and biases';
  writeSafetensors(out, conv.entries, metadata);
  const parameters = conv.entries.reduce((a, e) => a + e.shape.reduce((p, d) => p * d, 1), 0);
  return { out, variant: conv.variant, sha256, tensors: conv.entries.length, parameters };
}
