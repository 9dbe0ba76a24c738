// Runs an ONNX graph on graft's WebGPU kernels (inference). Before anything runs, the model is checked once
// (assertSupported: operators, attributes, opset) and every run checks its inputs against the declared graph
// inputs (checkInputs) and infers every shape (inferShapes), so a model or input graft cannot run is refused
// with the node and the shapes named, never half-run.
//
// Nodes run in the file's (topological) order, one function per operator (runner-ops.ts). Constants
// (initializers, Constant nodes) are uploaded on first use and kept for the runner's life; conv weights are
// converted OIHW -> HWIO once. Every other GPU value is released as soon as its last consumer has run. A Conv
// whose only consumer is a Relu runs with the ReLU fused. Layout handling (NHWC between layout-aware operators,
// NCHW where ONNX semantics need it) is described in runner-values.ts.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { transpose } from '../kernels/transpose.ts';
import { constantValues, type OnnxModel, type OnnxNode } from './model.ts';
import { makeTensor, toFloat32, toIntegers, FLOAT_TYPES, type OnnxTensor } from './tensor.ts';
import { assertSupported, type Problem } from './ops-supported.ts';
import { checkInputs, inferShapes, type InferenceResult, type TensorInfo } from './shapes.ts';
import { OnnxShapeError, UnsupportedOnnxError } from './errors.ts';
import { GPU_FLOAT_INPUTS, OPS_RUN, type OpContext } from './runner-ops.ts';
import { oihwToHwio } from './conv-layouts.ts';
import { Scratch, uploadFloat, type GpuValue, type Value } from './runner-values.ts';

export type OnnxInputs = Map<string, OnnxTensor> | Record<string, OnnxTensor>;

export class OnnxRunner {
  /** Initializers and Constant node outputs, by value name. */
  private readonly constants: Map<string, OnnxTensor>;
  private readonly uploaded = new Map<string, GpuTensor>();
  private readonly convWeights = new Map<string, GpuTensor>(); // (KH, KW, Cin, Cout) by initializer name
  /** Conv nodes that run with the ReLU of their single consumer fused, and those Relu nodes. */
  private readonly fusedConvs = new Set<OnnxNode>();
  private readonly fusedRelus = new Set<OnnxNode>();
  private readonly graphOutputs: Set<string>;

  /** Refuses (UnsupportedOnnxError) a model with operators, attributes or an opset graft does not run. */
  constructor(
    readonly gpu: Gpu,
    readonly model: OnnxModel,
  ) {
    assertSupported(model);
    this.constants = constantValues(model.graph);
    this.graphOutputs = new Set(model.graph.outputs.map((o) => o.name));
    const consumers = new Map<string, OnnxNode[]>();
    for (const node of model.graph.nodes) {
      for (const name of new Set(node.inputs)) if (name !== '') consumers.set(name, [...(consumers.get(name) ?? []), node]);
    }
    for (const node of model.graph.nodes) {
      if (node.opType !== 'Conv') continue;
      const users = consumers.get(node.outputs[0]) ?? [];
      if (users.length === 1 && users[0].opType === 'Relu' && !this.graphOutputs.has(node.outputs[0])) {
        this.fusedConvs.add(node);
        this.fusedRelus.add(users[0]);
      }
    }
  }

  /**
   * Runs the graph on `inputs` (by graph input name; float tensors go to the GPU, integer ones stay on the CPU)
   * and returns every graph output by name, in its ONNX type and shape. With `onNode`, each node's work is waited
   * for and then reported (done of total nodes): true progress for a command line, at the cost of the overlap
   * between recording one node and running the one before.
   */
  async run(inputs: OnnxInputs, options: { onNode?: (done: number, total: number, node: OnnxNode) => void } = {}): Promise<Map<string, OnnxTensor>> {
    const model = this.model;
    const given = inputs instanceof Map ? inputs : new Map(Object.entries(inputs));
    const inferred = checkRun(model, given);

    const lastUse = new Map<string, number>();
    model.graph.nodes.forEach((node, i) => node.inputs.forEach((name) => name && lastUse.set(name, i)));
    const env = new Map<string, Value>();
    try {
      for (const [name, t] of given) {
        env.set(name, FLOAT_TYPES.has(t.dtype)
          ? { kind: 'gpu', t: uploadFloat(this.gpu, t), shape: [...t.dims], layout: 'nchw', dtype: t.dtype }
          : { kind: 'cpu', t });
      }
      for (const [i, node] of model.graph.nodes.entries()) {
        const scratch = new Scratch(this.gpu);
        let outs: (Value | undefined)[];
        try {
          outs = await OPS_RUN[node.opType](this.context(node, env, scratch, inferred.values, lastUse));
        } finally {
          scratch.release();
        }
        node.outputs.forEach((name, k) => {
          const v = outs[k];
          if (!v) return;
          const wanted = name !== '' && (lastUse.has(name) || this.graphOutputs.has(name));
          if (!wanted) dispose(v);
          else {
            const previous = env.get(name);
            if (previous) dispose(previous);
            env.set(name, v);
          }
        });
        for (const name of new Set(node.inputs)) {
          if (lastUse.get(name) === i && !this.graphOutputs.has(name)) {
            const v = env.get(name);
            if (v) dispose(v);
            env.delete(name);
          }
        }
        if (options.onNode) {
          await this.gpu.sync();
          options.onNode(i + 1, model.graph.nodes.length, node);
        }
      }
      const results = new Map<string, OnnxTensor>();
      for (const out of model.graph.outputs) {
        const v = env.get(out.name) ?? (this.constants.has(out.name) ? { kind: 'cpu' as const, t: this.constants.get(out.name)! } : undefined);
        if (!v) throw new OnnxShapeError(`${model.file}: graph output '${out.name}' was not computed`);
        results.set(out.name, await this.download(v, out.name, out.dtype && FLOAT_TYPES.has(out.dtype) ? out.dtype : undefined));
      }
      return results;
    } finally {
      for (const v of env.values()) dispose(v);
    }
  }

  /** Returns the cached constants' GPU memory to the pool. */
  release(): void {
    for (const t of [...this.uploaded.values(), ...this.convWeights.values()]) t.release();
    this.uploaded.clear();
    this.convWeights.clear();
  }

  private context(node: OnnxNode, env: Map<string, Value>, scratch: Scratch, values: Map<string, TensorInfo>, lastUse: Map<string, number>): OpContext {
    const gpu = this.gpu;
    const valueOf = (i: number): Value | undefined => {
      const name = node.inputs[i];
      if (!name) return undefined;
      const v = env.get(name);
      if (v) return v;
      const c = this.constants.get(name);
      return c ? { kind: 'cpu', t: c } : undefined;
    };
    const gpuInput = (i: number): GpuValue => {
      const name = node.inputs[i];
      const v = valueOf(i);
      if (!v) throw new OnnxShapeError(`node '${node.name}' (${node.opType}): input ${i} ('${name}') is missing`);
      if (v.kind === 'gpu') return v;
      let t: GpuTensor;
      if (this.constants.has(name)) {
        t = this.uploaded.get(name) ?? uploadFloat(gpu, this.constants.get(name)!);
        this.uploaded.set(name, t);
      } else {
        t = scratch.keep(uploadFloat(gpu, v.t));
      }
      return { kind: 'gpu', t, shape: [...v.t.dims], layout: 'nchw', dtype: v.t.dtype };
    };
    return {
      gpu,
      node,
      opset: this.model.opset,
      scratch,
      outInfo: node.outputs.map((name) => (name ? values.get(name) : undefined)),
      input: valueOf,
      gpuInput,
      ints: (i) => {
        const v = valueOf(i);
        if (!v || v.kind !== 'cpu') throw new UnsupportedOnnxError(`node '${node.name}' (${node.opType}): input ${i} must be integers known on the CPU`);
        return toIntegers(v.t);
      },
      convWeight: (i) => {
        const name = node.inputs[i];
        const c = this.constants.get(name);
        if (c) {
          let w = this.convWeights.get(name);
          if (!w) {
            w = GpuTensor.from(gpu, [c.dims[2], c.dims[3], c.dims[1], c.dims[0]], oihwToHwio(toFloat32(c), c.dims), 'f32', `onnx.${name}.hwio`);
            this.convWeights.set(name, w);
          }
          return w;
        }
        // A weight computed at run time: permute on the GPU, (O, I, H, W) -> (H, W, I, O).
        const x = scratch.nchw(gpuInput(i));
        return scratch.keep(transpose(gpu, x, [2, 3, 1, 0]));
      },
      wantOutput: (k) => {
        const name = node.outputs[k];
        return !!name && (lastUse.has(name) || this.graphOutputs.has(name));
      },
      fusedRelu: this.fusedConvs.has(node) || this.fusedRelus.has(node),
    };
  }

  /** A value as an OnnxTensor in NCHW order (reads GPU values back). */
  private async download(v: Value, name: string, floatType?: OnnxTensor['dtype']): Promise<OnnxTensor> {
    if (v.kind === 'cpu') return { ...v.t, name };
    const scratch = new Scratch(this.gpu);
    try {
      const data = (await scratch.nchw(v).read()) as Float32Array;
      return makeTensor(name, floatType ?? v.dtype, v.shape, data);
    } finally {
      scratch.release();
    }
  }
}

/**
 * Everything that must hold before a run starts, without touching the GPU: operators and attributes supported,
 * inputs present with the declared types and shapes, every shape inferable, GPU operators fed floating point.
 * Returns the inferred shapes. The command line calls it before it opens the device.
 */
export function checkRun(model: OnnxModel, inputs: OnnxInputs): InferenceResult {
  const given = inputs instanceof Map ? inputs : new Map(Object.entries(inputs));
  assertSupported(model);
  const infos = new Map<string, TensorInfo>([...given].map(([name, t]) => [name, { dtype: t.dtype, shape: t.dims }]));
  checkInputs(model, infos);
  const inferred = inferShapes(model, infos);
  assertSupported(model, [...inferred.problems, ...typeProblems(model, inferred.values)]);
  return inferred;
}

/** Integer or bool tensors reaching an operator that computes in floating point on the GPU. */
function typeProblems(model: OnnxModel, values: Map<string, TensorInfo>): Problem[] {
  const problems: Problem[] = [];
  for (const node of model.graph.nodes) {
    const which = GPU_FLOAT_INPUTS[node.opType];
    if (!which) continue;
    node.inputs.forEach((name, i) => {
      if (!name || (which !== 'all' && !which.includes(i))) return;
      const dtype = values.get(name)?.dtype;
      if (dtype && !FLOAT_TYPES.has(dtype)) {
        problems.push({ node: node.name, opType: node.opType, attribute: `input ${i}`, value: `'${name}' (${dtype})`, reason: 'is not floating point', supported: 'float32, float16, float64 or bfloat16 (computed as float32)' });
      }
    });
  }
  return problems;
}

/** Reads a model's graph once and runs it on `inputs`; the runner's GPU memory is released afterwards. */
export async function runOnnx(gpu: Gpu, model: OnnxModel, inputs: OnnxInputs): Promise<Map<string, OnnxTensor>> {
  const runner = new OnnxRunner(gpu, model);
  try {
    return await runner.run(inputs);
  } finally {
    runner.release();
  }
}

function dispose(v: Value): void {
  if (v.kind === 'gpu' && !v.t.released) v.t.release();
}

