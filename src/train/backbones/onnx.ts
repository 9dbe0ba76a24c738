// Any ONNX CNN of the operators src/onnx/import-desc.ts lowers (the ResNet, VGG, MobileNet, EfficientNet and
// DenseNet families as torchvision and the ONNX model zoo export them) as the pretrained base of stages 2-3:
// `--backbone onnx --weights model.onnx`. Its convolutional trunk (the graph up to its classifier) is lowered to a
// model description at the run's input size, then cut the way the study cuts VGG19:
//
//   features = the trunk's last activation, a final pooling left out (the top model's GAP reads the last
//              convolution directly, as for VGG: finer class activation maps)
//   tail     = the last stage: the nodes after the earliest single-tensor cut from which no node is larger than the
//              features (squeeze-and-excitation gates are smaller), less leading weightless nodes (VGG's block-5 convs after pool4; ResNet's
//              layer4 / conv5_x, which starts by halving the resolution; the MobileNets' and EfficientNet's blocks
//              from the depthwise conv of their last stride-2 block; DenseNet's last dense block)
//   frozen   = everything before the tail
//
// BatchNorm is folded into the convolutions (fine-tuning trains the folded weights, BN in inference mode, as for
// ResNet50). The weights id is the file's SHA-256 (with the weights of any external data files); the preprocessing
// is the file's graft metadata when it has it (a model graft exported), else the ImageNet normalisation that the
// ONNX model zoo and torchvision use.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Gpu } from '../../gpu/device.ts';
import { GraftError } from '../../gpu/errors.ts';
import type { GraftModelDesc } from '../../keras/desc.ts';
import { KerasGraphModel } from '../../keras/graph-model.ts';
import type { Preprocess } from '../../kernels/image.ts';
import { parseOnnx } from '../../onnx/reader.ts';
import type { OnnxModel } from '../../onnx/model.ts';
import { onnxToDesc } from '../../onnx/import-desc.ts';
import { imageInputSpec } from '../../onnx/image-input.ts';
import { PREPROCESS_ONNX_ZOO } from '../augment.ts';
import type { Backbone } from './backbone.ts';

/** The pieces of an ONNX backbone that need no GPU: also what export rebuilds a run's network from. */
export interface OnnxBackboneParts {
  desc: GraftModelDesc;
  /** The tensor the tail starts from (a node's name, or the input's). */
  cut: string;
  /** The node whose output is the features the top model reads. */
  end: string;
  preprocess: Preprocess;
  /** SHA-256 of the file. */
  weightsId: string;
  /** Where the preprocessing came from, for the report ("from the file's graft metadata", or assumed). */
  preprocessSource: string;
}

export function onnxBackboneParts(file: string, inputSize: number): OnnxBackboneParts {
  const bytes = readFileSync(file);
  const model = parseOnnx(bytes, { file, baseDir: dirname(file) });
  // The file's hash, and the bytes of weights kept outside it (external data files: large exports), which the
  // file's own bytes do not hold; tensors stored in the file are views of its bytes.
  const hash = createHash('sha256').update(bytes);
  for (const [name, t] of model.graph.initializers) if (t.bytes.buffer !== bytes.buffer) hash.update(name).update(t.bytes);
  const weightsId = hash.digest('hex');
  const { desc, cut, end } = backboneCut(model, inputSize);
  let preprocess = PREPROCESS_ONNX_ZOO;
  let preprocessSource = "ImageNet's of torchvision and the ONNX model zoo, assumed (the file does not say)";
  if (model.metadata.has('preprocessing')) {
    preprocess = imageInputSpec(model).preprocess;
    preprocessSource = "from the file's graft metadata";
  }
  return { desc, cut, end, preprocess, weightsId, preprocessSource };
}

/** The model's trunk as a description at `inputSize`, and where its tail starts and ends. */
export function backboneCut(model: OnnxModel, inputSize: number): { desc: GraftModelDesc; cut: string; end: string } {
  const desc = onnxToDesc(model, { size: inputSize, trunk: true });
  return { desc, ...tailRange(model.file, desc) };
}

/** One line on how `model` would serve as a backbone at `inputSize` (for `onnx info`), or why it cannot. */
export function backboneSummary(model: OnnxModel, inputSize: number): string {
  try {
    const { desc, cut, end } = backboneCut(model, inputSize);
    const at = (name: string) => desc.nodes.findIndex((n) => n.name === name);
    const convs = (nodes: GraftModelDesc['nodes']) => nodes.filter((n) => n.op === 'conv2d').length;
    const tail = desc.nodes.slice(at(cut) + 1, at(end) + 1);
    const shape = (name: string) => desc.nodes[at(name)].outShape.join('x');
    return `at ${inputSize}x${inputSize}: frozen ${convs(desc.nodes.slice(0, at(cut) + 1))} convolutions to ${cut} (${shape(cut)}), ` +
      `tail ${tail[0].name}..${end} (${convs(tail)} convolutions) giving ${shape(end)} features`;
  } catch (e) {
    if (!(e instanceof GraftError)) throw e;
    // The first line: a model graft cannot run lists its problems on the lines after it, as `onnx info` does above.
    const first = e.message.split('\n')[0].replace(`${model.file}: `, '');
    return `not one: ${first.endsWith(':') ? `${first.slice(0, -1)}, listed above` : first}`;
  }
}

/** Where the tail starts and ends in `desc` (see the header). */
export function tailRange(file: string, desc: GraftModelDesc): { cut: string; end: string } {
  const nodes = desc.nodes;
  const isMap = (i: number) => nodes[i].outShape.length === 3;
  let e = nodes.findIndex((n) => n.name === desc.output);
  while (e > 0 && (nodes[e].op === 'maxpool' || nodes[e].op === 'avgpool')) e--;
  if (e < 0 || !isMap(e)) throw new GraftError(`${file}: the network's trunk does not end in a convolutional map`);
  // producedAt: where each tensor is made (the input: -1); node i's output is a cut when no later node reads a
  // tensor made before it.
  const producedAt = new Map<string, number>([[desc.input.name, -1]]);
  nodes.forEach((n, i) => producedAt.set(n.name, i));
  const lastRead = new Map<string, number>();
  nodes.forEach((n, i) => n.inputs.forEach((t) => lastRead.set(t, i)));
  const cuts: number[] = [];
  let reach = lastRead.get(desc.input.name) ?? -1;
  for (let i = 0; i < e; i++) {
    if (reach <= i) cuts.push(i);
    reach = Math.max(reach, lastRead.get(nodes[i].name) ?? i);
  }
  // Nothing after the cut may be larger than the features (a squeeze-and-excitation gate's 1x1 maps are smaller).
  const [fh, fw] = nodes[e].outShape;
  let c = cuts.find((i) => nodes.slice(i + 1, e + 1).every((n) => n.outShape.length !== 3 || (n.outShape[0] <= fh && n.outShape[1] <= fw)));
  if (c === undefined) throw new GraftError(`${file}: no single tensor leads into the network's last stage, so it cannot be split into a frozen part and a tail`);
  while (c + 1 < e && cuts.includes(c + 1) && !('weights' in nodes[c + 1])) c++;
  return { cut: nodes[c].name, end: nodes[e].name };
}

export function loadOnnxBackbone(gpu: Gpu, file: string, inputSize: number): Backbone {
  const parts = onnxBackboneParts(file, inputSize);
  const frozen = new KerasGraphModel(gpu, parts.desc, { until: parts.cut }).freeze();
  const tail = new KerasGraphModel(gpu, parts.desc, { from: parts.cut, until: parts.end });
  const first = tail.nodes[0].name;
  return {
    name: 'onnx',
    description: `${basename(file)} (ONNX, sha256 ${parts.weightsId.slice(0, 12)}), trunk to ${parts.end}, preprocessing ${parts.preprocessSource}`,
    preprocess: parts.preprocess,
    weightsId: parts.weightsId,
    frozen,
    tail,
    featureChannels: tail.outputShape[2],
    tailDescription: `${first}..${parts.end} (${tail.nodes.filter((n) => n.op === 'conv2d').length} convolutions)`,
    release() {
      frozen.release();
      tail.release();
    },
  };
}
