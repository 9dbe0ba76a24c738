// `npm run onnx -- <verb>`: ONNX models on the command line. Thin: parses arguments, calls src/onnx, prints.
//   info MODEL.onnx   opset, inputs, outputs (declared and inferred shapes), operator counts, parameters, and
//                     every node or attribute graft would refuse to run.

import { Command, InvalidArgumentError } from 'commander';
import { readOnnxFile } from '../onnx/reader.ts';
import { summarise } from '../onnx/info.ts';
import { formatProblem } from '../onnx/ops-supported.ts';
import type { TensorInfo } from '../onnx/shapes.ts';
import { GraftError } from '../gpu/errors.ts';
import { runCli } from './run-cli.ts';

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
  if (opts.nodes) {
    out.push('  nodes:');
    for (const node of s.nodes) out.push(`    ${node.name} (${node.opType}) -> ${node.outputs.join(', ')}`);
  }
  console.log(out.join('\n'));
}

const program = new Command('onnx').description('Read ONNX models with graft.').showHelpAfterError();
program
  .command('info')
  .description('Print opset, inputs, outputs, operator counts, parameter count and unsupported operators.')
  .argument('<model>', 'an ONNX model file (.onnx); external data files are read from its folder')
  .option('--shape <name=dims>', 'shape of a graph input for shape inference, e.g. data=1,3,224,224 (repeatable)', shapeOption)
  .option('--batch <n>', 'value given to symbolic dimensions such as N', positiveInt, 1)
  .option('--nodes', 'list every node with its inferred output shapes')
  .action(info);

runCli(async () => {
  await program.parseAsync();
});
