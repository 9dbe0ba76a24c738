// Writes a trained graft model as a standard ONNX file (opset 13) that onnxruntime and graft's own runner load.
//
// What a checkpoint holds (src/train/study.ts): only parameters, by module path, in graft's layouts (conv
// weights HWIO, dense (in, out)); the architecture is the study's, recognised from the names and the file's
// `stage` metadata:
//   stage 1  benchmark CNN: block{b}.conv1 (3x3 same, ReLU) + 2x2 max pool after every block but the last,
//            GAP, dropout, dense `predictions`                                    (src/train/models/benchmark-cnn.ts)
//   stage 2  top model `predictions` over a VGG backbone's last conv features  (src/train/models/top-model.ts)
//   stage 3  fine-tuned tail `tail.block{B}.conv{k}` and top `top.predictions`, on the backbone's frozen
//            blocks 1..B-1 (each convs + 2x2 pool)                              (src/train/backbones/vgg.ts)
// Stages 2 and 3 take their frozen layers from the backbone weights file they were trained on (checked by its
// SHA-256 where the checkpoint recorded it). ResNet50 backbones are refused: their graph is not rebuilt here.
//
// The ONNX model: input `images` (N, 3, S, S) float, NCHW, already preprocessed exactly as the run did (colour
// order, scale, mean, std: written in doc_string and metadata_props), convolutions OIHW with explicit pads,
// Relu, MaxPool, GlobalAveragePool, Flatten, Gemm, Softmax: output `probabilities` (N, classes). Dropout is left
// out (inference identity).

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadWeights } from '../train/checkpoint.ts';
import type { StateDict } from '../graph/index.ts';
import { readSafetensors } from './safetensors.ts';
import { typedValues } from './tensor.ts';
import { OnnxBuilder } from './builder.ts';
import { onnx } from './proto.ts';
import { GraftError } from '../gpu/errors.ts';

export const EXPORT_OPSET = 13;
export const EXPORT_INPUT = 'images';
export const EXPORT_OUTPUT = 'probabilities';
const MODEL_FILE = 'model.safetensors';
const DEFAULT_BACKBONE = 'weights/vgg19.safetensors';

export interface ExportOptions {
  out: string;
  /** The VGG weights file of a stage 2/3 model (default: run.json's weights, else weights/vgg19.safetensors). */
  backboneWeights?: string;
  /** Input side to declare (default: the run's inputSize from run.json or results.json, else 224). */
  size?: number;
}

export interface ExportResult {
  description: string;
  input: string;
  inputShape: (number | string)[];
  output: string;
  outputShape: (number | string)[];
  preprocessing: string;
}

/** Preprocessing as the weights file records it (src/onnx/vgg19-convert.ts), or the stage-1 default. */
interface Preprocessing {
  colour_order: string;
  scale: number;
  mean: number[];
  std: number[];
}

/** Stage 1 trains on RGB pixels scaled to [0, 1] (PREPROCESS_UNIT in src/train/augment.ts). */
const UNIT: Preprocessing = { colour_order: 'RGB', scale: 1 / 255, mean: [0, 0, 0], std: [1, 1, 1] };

/** One conv layer: HWIO weight (KH, KW, Cin, Cout) and bias (Cout), followed by a ReLU, and a 2x2/2 max pool after it when `pool`. */
export interface ExportConv {
  weight: { shape: number[]; data: Float32Array };
  bias: { shape: number[]; data: Float32Array } | null;
  pool: boolean;
}

export interface ExportNetwork {
  convs: ExportConv[];
  /** Dense (in, out) and bias (out) after global average pooling. */
  dense: { weight: { shape: number[]; data: Float32Array }; bias: { shape: number[]; data: Float32Array } | null };
  preprocessing: Preprocessing;
  description: string;
}

/** Exports CHECKPOINT (a run folder, a stage folder or a model.safetensors file) to opts.out. */
export function exportCheckpoint(checkpoint: string, opts: ExportOptions): ExportResult {
  const file = resolveCheckpoint(checkpoint);
  const { weights, metadata } = loadWeights(file);
  const run = runInfo(file);
  const net = networkOf(file, weights, { ...(run.backbone ? { backbone: run.backbone } : {}), ...metadata }, opts.backboneWeights ?? run.weights);
  const size = opts.size ?? run.inputSize ?? 224;
  const bytes = encodeNetwork(net, size);
  writeFileSync(opts.out, bytes);
  return {
    description: net.description,
    input: EXPORT_INPUT,
    inputShape: ['N', 3, size, size],
    output: EXPORT_OUTPUT,
    outputShape: ['N', net.dense.weight.shape[1]],
    preprocessing: describe(net.preprocessing),
  };
}

function resolveCheckpoint(path: string): string {
  if (!existsSync(path)) throw new GraftError(`no checkpoint at ${path}`);
  if (!statSync(path).isDirectory()) return path;
  for (const candidate of [join(path, MODEL_FILE), join(path, 'stage3', MODEL_FILE), join(path, 'stage1', MODEL_FILE)]) {
    if (existsSync(candidate)) return candidate;
  }
  throw new GraftError(`${path}: neither ${MODEL_FILE} nor stage3/${MODEL_FILE} nor stage1/${MODEL_FILE} is there (is this a graft run folder?)`);
}

/**
 * What the run folder says about a model file at RUNDIR/stageK/model.safetensors: RUNDIR/run.json (written by
 * train:kth: backbone name, backbone weights path, inputSize), else RUNDIR/results.json's inputSize.
 */
function runInfo(file: string): { inputSize?: number; weights?: string; backbone?: string } {
  const runDir = dirname(dirname(file));
  const read = (name: string): Record<string, unknown> => {
    try {
      return JSON.parse(readFileSync(join(runDir, name), 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const run = read('run.json');
  const size = run.inputSize ?? read('results.json').inputSize;
  return {
    inputSize: typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : undefined,
    weights: typeof run.weights === 'string' && existsSync(run.weights) ? run.weights : undefined,
    backbone: typeof run.backbone === 'string' ? run.backbone : undefined,
  };
}

const describe = (p: Preprocessing) =>
  `${p.colour_order} pixels in [0, 255], times ${p.scale}, minus mean [${p.mean.join(', ')}], divided by std [${p.std.join(', ')}], NCHW`;

/** Recognises the study's architecture from the parameter names and rebuilds its layer list. */
export function networkOf(file: string, weights: StateDict, metadata: Record<string, string>, backboneWeights?: string): ExportNetwork {
  const get = (name: string) => {
    const t = weights[name];
    if (!t) throw new GraftError(`${file}: missing parameter ${name}`);
    return { shape: [...t.shape], data: Float32Array.from(t.data) };
  };
  const opt = (name: string) => (weights[name] ? get(name) : null);
  const names = Object.keys(weights);
  if (names.some((n) => /^block\d+\.conv\d+\.weight$/.test(n)) && weights['predictions.weight']) {
    // Stage 1: the benchmark CNN; every block but the last ends in a 2x2 max pool.
    const blocks = convNames(names, '');
    const convs = blocks.map((name, i, all) => ({ weight: get(`${name}.weight`), bias: opt(`${name}.bias`), pool: blockOf(name) !== blockOf(all[all.length - 1]) && isLastInBlock(name, all) }));
    return { convs, dense: { weight: get('predictions.weight'), bias: opt('predictions.bias') }, preprocessing: UNIT, description: `benchmark CNN (stage 1) from ${file}` };
  }
  // Stage 1 is the benchmark CNN whatever the run's backbone; stages 2-3 sit on the backbone.
  if (metadata.backbone && metadata.backbone !== 'vgg19' && !metadata.backbone.startsWith('vgg')) {
    throw new GraftError(`${file}: a model on the ${metadata.backbone} backbone cannot be exported yet (only the benchmark CNN and VGG-backbone models); its frozen layers are not rebuilt as ONNX here`);
  }
  const staged3 = names.some((n) => n.startsWith('tail.')) && weights['top.predictions.weight'];
  const staged2 = !staged3 && weights['predictions.weight'] && names.every((n) => n.startsWith('predictions.'));
  if (!staged3 && !staged2) {
    throw new GraftError(`${file}: not a model graft knows how to export (expected the benchmark CNN's block<b>.conv1.* or a fine-tuned tail.* + top.*, found ${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''})`);
  }
  const backboneFile = backboneWeights ?? DEFAULT_BACKBONE;
  if (!existsSync(backboneFile)) {
    throw new GraftError(`${file}: a stage ${staged3 ? 3 : 2} model needs the VGG weights it was trained on (its frozen layers are not in the checkpoint); none at ${backboneFile}: pass --backbone-weights FILE`);
  }
  const st = readSafetensors(backboneFile);
  if (metadata.weights && st.metadata.source_sha256 && metadata.weights !== st.metadata.source_sha256) {
    throw new GraftError(`${file} was trained on backbone weights ${metadata.weights.slice(0, 12)}..., but ${backboneFile} holds ${st.metadata.source_sha256.slice(0, 12)}...: pass the same weights file with --backbone-weights`);
  }
  let preprocessing: Preprocessing;
  try {
    preprocessing = JSON.parse(st.metadata.preprocessing ?? '') as Preprocessing;
  } catch {
    throw new GraftError(`${backboneFile}: its metadata does not say what preprocessing the weights expect (re-convert with npm run weights)`);
  }
  const base = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of st.tensors) {
    if (/^block\d+\.conv\d+\.(weight|bias)$/.test(name)) base.set(name, { shape: t.dims, data: Float32Array.from(typedValues(t) as Float32Array) });
  }
  const baseConvs = convNames([...base.keys()], '');
  if (baseConvs.length === 0) throw new GraftError(`${backboneFile}: no VGG conv weights named block<b>.conv<k>.weight`);
  const lastBlock = Math.max(...baseConvs.map(blockOf));
  const convs: ExportConv[] = [];
  for (const name of baseConvs) {
    const inTail = blockOf(name) === lastBlock;
    if (inTail && staged3) continue;
    convs.push({ weight: base.get(`${name}.weight`)!, bias: base.get(`${name}.bias`) ?? null, pool: !inTail && isLastInBlock(name, baseConvs) });
  }
  if (staged3) {
    const tail = convNames(names, 'tail.');
    if (tail.some((n) => blockOf(n) !== lastBlock)) throw new GraftError(`${file}: the tail's blocks (${tail.join(', ')}) are not the backbone's last block ${lastBlock}`);
    for (const name of tail) convs.push({ weight: get(`tail.${name}.weight`), bias: opt(`tail.${name}.bias`), pool: false });
  }
  const prefix = staged3 ? 'top.' : '';
  return {
    convs,
    dense: { weight: get(`${prefix}predictions.weight`), bias: opt(`${prefix}predictions.bias`) },
    preprocessing,
    description: `VGG backbone (${st.metadata.source_variant ?? backboneFile}) ${staged3 ? `with fine-tuned block${lastBlock}` : 'frozen'} + top model (stage ${staged3 ? 3 : 2}) from ${file}`,
  };
}

/** `block{b}.conv{k}` names (without `prefix` and the .weight suffix) in network order. */
function convNames(names: string[], prefix: string): string[] {
  const re = new RegExp(`^${prefix.replace('.', '\\.')}(block(\\d+)\\.conv(\\d+))\\.weight$`);
  return names
    .map((n) => re.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .sort((a, b) => Number(a[2]) - Number(b[2]) || Number(a[3]) - Number(b[3]))
    .map((m) => m[1]);
}

const blockOf = (name: string) => Number(/^block(\d+)/.exec(name)![1]);
const isLastInBlock = (name: string, all: string[]) => {
  const b = blockOf(name);
  return all.filter((n) => blockOf(n) === b).pop() === name;
};

/** The ONNX model bytes for a network, input side `size`. */
export function encodeNetwork(net: ExportNetwork, size: number): Uint8Array {
  const b = new OnnxBuilder({ opset: EXPORT_OPSET, producerName: 'graft', graphName: 'graft_export' });
  b.input(EXPORT_INPUT, 'float32', ['N', 3, size, size]);
  let x = EXPORT_INPUT;
  let channels = 3;
  let side = size;
  net.convs.forEach((c, i) => {
    const [kh, kw, cin, cout] = c.weight.shape;
    if (cin !== channels) throw new GraftError(`export: conv ${i} expects ${cin} input channels, the layer before gives ${channels}`);
    if (kh % 2 === 0 || kw % 2 === 0) throw new GraftError(`export: conv ${i} has an even kernel ${kh}x${kw}; graft's 'same' stride-1 convs use odd kernels`);
    const w = `conv${i}.weight`;
    b.initializer(w, 'float32', [cout, cin, kh, kw], hwioToOihw(c.weight.data, c.weight.shape));
    const inputs = [x, w];
    if (c.bias) {
      b.initializer(`conv${i}.bias`, 'float32', [cout], c.bias.data);
      inputs.push(`conv${i}.bias`);
    }
    // 'same' at stride 1: (k - 1) / 2 on each side, whatever the input size.
    const [ph, pw] = [(kh - 1) / 2, (kw - 1) / 2];
    b.node('Conv', inputs, [`conv${i}`], { kernel_shape: [kh, kw], pads: [ph, pw, ph, pw], strides: [1, 1] }, `conv${i}`);
    b.node('Relu', [`conv${i}`], [`relu${i}`], {}, `relu${i}`);
    x = `relu${i}`;
    if (c.pool) {
      b.node('MaxPool', [x], [`pool${i}`], { kernel_shape: [2, 2], strides: [2, 2] }, `pool${i}`);
      x = `pool${i}`;
      side = Math.floor(side / 2);
    }
    channels = cout;
  });
  if (side < 1) throw new GraftError(`export: input size ${size} is too small for ${net.convs.filter((c) => c.pool).length} 2x2 pools`);
  const [din, classes] = net.dense.weight.shape;
  if (din !== channels) throw new GraftError(`export: the dense layer expects ${din} features, the convs give ${channels}`);
  b.node('GlobalAveragePool', [x], ['gap'], {}, 'gap');
  b.node('Flatten', ['gap'], ['features'], { axis: 1 }, 'flatten');
  b.initializer('predictions.weight', 'float32', [din, classes], net.dense.weight.data); // (in, out): Gemm transB = 0
  const gemmIn = ['features', 'predictions.weight'];
  if (net.dense.bias) {
    b.initializer('predictions.bias', 'float32', [classes], net.dense.bias.data);
    gemmIn.push('predictions.bias');
  }
  b.node('Gemm', gemmIn, ['logits'], { transB: 0 }, 'predictions');
  b.node('Softmax', ['logits'], [EXPORT_OUTPUT], { axis: 1 }, 'softmax');
  b.output(EXPORT_OUTPUT, 'float32', ['N', classes]);

  // The builder writes no doc_string or metadata: add them to the encoded model.
  const model = onnx.ModelProto.decode(b.encode().model);
  const pre = describe(net.preprocessing);
  model.docString = `${net.description}. Input '${EXPORT_INPUT}' (N, 3, ${size}, ${size}) float: ${pre}. Output '${EXPORT_OUTPUT}' (N, ${classes}): softmax probabilities.`;
  model.metadataProps = [
    { key: 'preprocessing', value: JSON.stringify({ ...net.preprocessing, layout: 'NCHW', size }) },
    { key: 'source', value: net.description },
  ];
  return onnx.ModelProto.encode(model).finish();
}

/** (KH, KW, I, O) values -> (O, I, KH, KW). */
export function hwioToOihw(src: Float32Array, shape: readonly number[]): Float32Array {
  const [KH, KW, I, O] = shape;
  const out = new Float32Array(src.length);
  for (let h = 0; h < KH; h++) {
    for (let w = 0; w < KW; w++) {
      for (let i = 0; i < I; i++) {
        for (let o = 0; o < O; o++) out[((o * I + i) * KH + h) * KW + w] = src[((h * KW + w) * I + i) * O + o];
      }
    }
  }
  return out;
}
