// The in-memory ONNX model graft works with: plain objects, decoded once from the protobuf, that a checker, a shape
// inferrer, a converter and a runner can all walk without knowing protobuf (no Long, no nullable fields).

import { makeTensor, type DType, type OnnxTensor } from './tensor.ts';

/** A dimension of a declared shape: a number, a symbolic name ('N', 'batch'), or null when left unnamed. */
export type Dim = number | string | null;

/** A graph input, output or intermediate value as declared in the file. */
export interface ValueInfo {
  name: string;
  /** Element type, or null where the file declares a type graft does not read (its ONNX name is in typeName). */
  dtype: DType | null;
  typeName: string;
  /** Declared shape, or null when the file declares no shape (unknown rank). */
  shape: Dim[] | null;
}

export type Attribute =
  | { type: 'float'; value: number }
  | { type: 'int'; value: number }
  | { type: 'string'; value: string }
  | { type: 'tensor'; value: OnnxTensor }
  | { type: 'graph'; value: OnnxGraph }
  | { type: 'floats'; value: number[] }
  | { type: 'ints'; value: number[] }
  | { type: 'strings'; value: string[] }
  | { type: 'tensors'; value: OnnxTensor[] }
  | { type: 'graphs'; value: OnnxGraph[] }
  /** Types graft never interprets (sparse tensors, type protos): kept so the checker can name them. */
  | { type: 'other'; value: string };

export type AttributeType = Attribute['type'];

export interface OnnxNode {
  /** The node's name; when the file leaves it empty, `<OpType>#<index>` so messages can still point at it. */
  name: string;
  opType: string;
  /** '' for the default ai.onnx domain. */
  domain: string;
  /** Input value names; '' marks an omitted optional input. */
  inputs: string[];
  outputs: string[];
  attributes: Map<string, Attribute>;
  /** Position in the graph's node list (ONNX requires topological order). */
  index: number;
}

export interface OnnxGraph {
  name: string;
  /** Graph inputs the caller feeds: declared inputs that no initializer backs. */
  inputs: ValueInfo[];
  /** Declared inputs that an initializer backs (IR < 4 lists every weight as an input, vgg19-7 among them). */
  initializerInputs: ValueInfo[];
  outputs: ValueInfo[];
  valueInfo: ValueInfo[];
  initializers: Map<string, OnnxTensor>;
  nodes: OnnxNode[];
}

export interface OnnxModel {
  /** Where it came from, for messages: a path, or a caller-chosen label for in-memory bytes. */
  file: string;
  irVersion: number;
  producerName: string;
  producerVersion: string;
  /** Opset version per domain ('' = ai.onnx). */
  opsets: Map<string, number>;
  /** The ai.onnx opset version (the one operator semantics depend on). */
  opset: number;
  metadata: Map<string, string>;
  graph: OnnxGraph;
}

// --- attribute access with defaults; a wrong type is a malformed model, named with the node

export function attr(node: OnnxNode, name: string): Attribute | undefined {
  return node.attributes.get(name);
}

function typed<T extends AttributeType>(node: OnnxNode, name: string, type: T): Extract<Attribute, { type: T }> | undefined {
  const a = node.attributes.get(name);
  if (a === undefined) return undefined;
  if (a.type !== type) {
    throw new TypeError(`node '${node.name}' (${node.opType}): attribute ${name} is ${a.type}, expected ${type}`);
  }
  return a as Extract<Attribute, { type: T }>;
}

export function attrInt(node: OnnxNode, name: string, fallback: number): number;
export function attrInt(node: OnnxNode, name: string): number | undefined;
export function attrInt(node: OnnxNode, name: string, fallback?: number): number | undefined {
  return typed(node, name, 'int')?.value ?? fallback;
}
export function attrFloat(node: OnnxNode, name: string, fallback: number): number;
export function attrFloat(node: OnnxNode, name: string): number | undefined;
export function attrFloat(node: OnnxNode, name: string, fallback?: number): number | undefined {
  return typed(node, name, 'float')?.value ?? fallback;
}
export function attrInts(node: OnnxNode, name: string): number[] | undefined {
  return typed(node, name, 'ints')?.value;
}
export function attrFloats(node: OnnxNode, name: string): number[] | undefined {
  return typed(node, name, 'floats')?.value;
}
export function attrString(node: OnnxNode, name: string, fallback: string): string;
export function attrString(node: OnnxNode, name: string): string | undefined;
export function attrString(node: OnnxNode, name: string, fallback?: string): string | undefined {
  return typed(node, name, 'string')?.value ?? fallback;
}
export function attrTensor(node: OnnxNode, name: string): OnnxTensor | undefined {
  return typed(node, name, 'tensor')?.value;
}

/** Initializer-backed or Constant-produced values: what later passes may read at graph-build time. */
export function constantValues(graph: OnnxGraph): Map<string, OnnxTensor> {
  const out = new Map(graph.initializers);
  for (const node of graph.nodes) {
    if (node.opType !== 'Constant' || node.domain !== '') continue;
    const t = constantNodeValue(node);
    if (t) out.set(node.outputs[0], { ...t, name: node.outputs[0] });
  }
  return out;
}

/** The tensor a Constant node produces, or null for forms graft does not read (strings, sparse). */
export function constantNodeValue(node: OnnxNode): OnnxTensor | null {
  const a = [...node.attributes.values()][0];
  const key = [...node.attributes.keys()][0];
  if (!a) return null;
  const name = node.outputs[0];
  const f = (dtype: DType, dims: number[], values: number[]) => makeTensor(name, dtype, dims, values);
  switch (key) {
    case 'value': return a.type === 'tensor' ? a.value : null;
    case 'value_float': return a.type === 'float' ? f('float32', [], [a.value]) : null;
    case 'value_floats': return a.type === 'floats' ? f('float32', [a.value.length], a.value) : null;
    case 'value_int': return a.type === 'int' ? f('int64', [], [a.value]) : null;
    case 'value_ints': return a.type === 'ints' ? f('int64', [a.value.length], a.value) : null;
    default: return null;
  }
}
