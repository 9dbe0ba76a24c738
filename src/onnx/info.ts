// A summary of an ONNX model for `npm run onnx -- info`: opset, inputs and outputs with declared and inferred
// shapes, operator counts, parameter count and everything graft would refuse to run. Plain data; the CLI prints it.

import type { OnnxModel, ValueInfo } from './model.ts';
import { checkSupported, type Problem } from './ops-supported.ts';
import { declaredInputs, formatShape, inferShapes, type TensorInfo } from './shapes.ts';
import { DTYPE_BYTES, sizeOf } from './tensor.ts';
import { GraftError } from '../gpu/errors.ts';

export interface ModelSummary {
  file: string;
  irVersion: number;
  producer: string;
  opsets: [string, number][];
  inputs: { name: string; type: string; declared: string }[];
  outputs: { name: string; type: string; declared: string; inferred: string | null }[];
  operators: [string, number][];
  parameters: number;
  parameterBytes: number;
  initializers: number;
  problems: Problem[];
  /** Why output shapes could not be inferred (symbolic dims are taken as `symbol`), if they could not. */
  inferenceNote: string | null;
  /** Every node's outputs with inferred shapes, when inference succeeded. */
  nodes: { name: string; opType: string; outputs: string[] }[];
}

const typeOf = (v: ValueInfo) => v.dtype ?? v.typeName;
const declared = (v: ValueInfo) => (v.shape ? formatShape(v.shape) : '(no shape)');

/** Summarises the model; `inputs` overrides declared input shapes, symbolic dims default to `symbol`. */
export function summarise(model: OnnxModel, inputs?: Map<string, TensorInfo>, symbol = 1): ModelSummary {
  const counts = new Map<string, number>();
  for (const n of model.graph.nodes) {
    const key = n.domain ? `${n.domain}.${n.opType}` : n.opType;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  let parameters = 0;
  let parameterBytes = 0;
  for (const t of model.graph.initializers.values()) {
    parameters += sizeOf(t.dims);
    parameterBytes += sizeOf(t.dims) * DTYPE_BYTES[t.dtype];
  }
  const problems = checkSupported(model);
  let values: Map<string, TensorInfo> | null = null;
  let inferenceNote: string | null = null;
  if (problems.length === 0) {
    try {
      const given = declaredInputs(model, symbol);
      for (const [k, v] of inputs ?? []) given.set(k, v);
      const r = inferShapes(model, given);
      values = r.values;
      problems.push(...r.problems);
    } catch (e) {
      if (!(e instanceof GraftError)) throw e;
      inferenceNote = e.message;
    }
  } else {
    inferenceNote = 'shapes not inferred: the model uses what graft does not support';
  }
  const shapeOf = (name: string) => {
    const v = values?.get(name);
    return v ? `${v.dtype} ${formatShape(v.shape)}` : '?';
  };
  return {
    file: model.file,
    irVersion: model.irVersion,
    producer: [model.producerName, model.producerVersion].filter(Boolean).join(' '),
    opsets: [...model.opsets.entries()],
    inputs: model.graph.inputs.map((v) => ({ name: v.name, type: String(typeOf(v)), declared: declared(v) })),
    outputs: model.graph.outputs.map((v) => {
      const got = values?.get(v.name);
      return { name: v.name, type: String(typeOf(v)), declared: declared(v), inferred: got ? formatShape(got.shape) : null };
    }),
    operators: [...counts.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0])),
    parameters,
    parameterBytes,
    initializers: model.graph.initializers.size,
    problems,
    inferenceNote,
    nodes: values ? model.graph.nodes.map((n) => ({ name: n.name, opType: n.opType, outputs: n.outputs.filter(Boolean).map((o) => `${o}: ${shapeOf(o)}`) })) : [],
  };
}
