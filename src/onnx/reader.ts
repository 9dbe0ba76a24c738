// Reads an ONNX model file into graft's plain OnnxModel (model.ts): decodes the protobuf, resolves external data
// files next to the model, and checks the graph is complete, so that a truncated or corrupt file fails here, once,
// with the file's name, and never later as a mystery inside a converter or the runner.

import { readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { onnx, num, tensorFromProto, type ExternalDataSource, type P } from './proto.ts';
import { dtypeFromCode, onnxTypeName } from './tensor.ts';
import { OnnxFormatError } from './errors.ts';
import type { Attribute, Dim, OnnxGraph, OnnxModel, OnnxNode, ValueInfo } from './model.ts';

/** Reads MODEL.onnx; external data files are looked up relative to its folder. */
export function readOnnxFile(path: string): OnnxModel {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new OnnxFormatError(`${path}: cannot read the file (${(e as Error).message})`);
  }
  return parseOnnx(bytes, { file: path, baseDir: dirname(path) });
}

export interface ParseOptions {
  /** Name used in messages. */
  file: string;
  /** Folder holding external data files; without it, a model with external data is refused. */
  baseDir?: string;
}

/** Decodes ONNX model bytes. Tensor bytes stored as raw_data stay views into `bytes` (no copy of the file). */
export function parseOnnx(bytes: Uint8Array, opts: ParseOptions): OnnxModel {
  const file = opts.file;
  let m: P.ModelProto;
  try {
    m = onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new OnnxFormatError(`${file}: not a readable ONNX model, truncated or corrupt (${(e as Error).message})`);
  }
  if (!m.graph) throw new OnnxFormatError(`${file}: not an ONNX model, or truncated: it holds no graph`);
  const opsets = new Map<string, number>();
  for (const o of m.opsetImport ?? []) opsets.set(o.domain === 'ai.onnx' ? '' : (o.domain ?? ''), num(o.version));
  // IR versions before 3 had no opset imports and meant opset 1; graft starts at opset 7 anyway.
  if (opsets.size === 0) throw new OnnxFormatError(`${file}: not an ONNX model, or corrupt: it imports no operator set`);
  const external = opts.baseDir === undefined ? undefined : externalSource(file, opts.baseDir);
  const graph = readGraph(m.graph, file, external);
  checkComplete(graph, file);
  return {
    file,
    irVersion: num(m.irVersion),
    producerName: m.producerName ?? '',
    producerVersion: m.producerVersion ?? '',
    opsets,
    opset: opsets.get('') ?? 0,
    metadata: new Map((m.metadataProps ?? []).map((e) => [e.key ?? '', e.value ?? ''])),
    graph,
  };
}

/** External data files, each read once however many tensors point into it. */
function externalSource(file: string, baseDir: string): ExternalDataSource {
  const cache = new Map<string, Uint8Array>();
  return (location, tensorName) => {
    const rel = normalize(location);
    if (isAbsolute(rel) || rel.startsWith('..')) {
      throw new OnnxFormatError(`${file}: tensor '${tensorName}' points outside the model's folder ('${location}')`);
    }
    const path = join(baseDir, rel);
    let data = cache.get(path);
    if (!data) {
      try {
        if (!statSync(path).isFile()) throw new Error('not a file');
        data = readFileSync(path);
      } catch {
        throw new OnnxFormatError(`${file}: tensor '${tensorName}' is stored in '${location}', which was not found at ${path} (copy it next to the model)`);
      }
      cache.set(path, data);
    }
    return data;
  };
}

function readGraph(g: P.IGraphProto, file: string, external?: ExternalDataSource): OnnxGraph {
  const initializers = new Map<string, ReturnType<typeof tensorFromProto>>();
  for (const t of g.initializer ?? []) initializers.set(t.name ?? '', tensorFromProto(t, file, external));
  if ((g.sparseInitializer ?? []).length > 0) {
    throw new OnnxFormatError(`${file}: the graph has sparse initializers, which graft does not read`);
  }
  const declared = (g.input ?? []).map(valueInfo);
  return {
    name: g.name ?? '',
    inputs: declared.filter((v) => !initializers.has(v.name)),
    initializerInputs: declared.filter((v) => initializers.has(v.name)),
    outputs: (g.output ?? []).map(valueInfo),
    valueInfo: (g.valueInfo ?? []).map(valueInfo),
    initializers,
    nodes: (g.node ?? []).map((n, index) => readNode(n, index, file, external)),
  };
}

function valueInfo(v: P.IValueInfoProto): ValueInfo {
  const name = v.name ?? '';
  const tt = v.type?.tensorType;
  if (!tt) {
    const kind = (v.type as P.TypeProto | undefined)?.value ?? 'no type';
    return { name, dtype: null, typeName: String(kind), shape: null };
  }
  const code = tt.elemType ?? 0;
  const shape: Dim[] | null = tt.shape
    ? (tt.shape.dim ?? []).map((d) => {
        const which = (d as P.TensorShapeProto.Dimension).value;
        return which === 'dimValue' ? num(d.dimValue) : which === 'dimParam' ? (d.dimParam ?? null) : null;
      })
    : null;
  return { name, dtype: dtypeFromCode(code), typeName: onnxTypeName(code), shape };
}

function readNode(n: P.INodeProto, index: number, file: string, external?: ExternalDataSource): OnnxNode {
  const opType = n.opType ?? '';
  const node: OnnxNode = {
    name: n.name || `${opType}#${index}`,
    opType,
    domain: n.domain === 'ai.onnx' ? '' : (n.domain ?? ''),
    inputs: [...(n.input ?? [])],
    outputs: [...(n.output ?? [])],
    attributes: new Map(),
    index,
  };
  for (const a of n.attribute ?? []) node.attributes.set(a.name ?? '', readAttribute(a, `${file}: node '${node.name}'`, external));
  return node;
}

const T = onnx.AttributeProto.AttributeType;

function readAttribute(a: P.IAttributeProto, where: string, external?: ExternalDataSource): Attribute {
  const has = (k: string) => Object.prototype.hasOwnProperty.call(a, k);
  let type = a.type ?? T.UNDEFINED;
  // Very old writers leave the type unset; infer it from the field that is present.
  if (type === T.UNDEFINED) {
    if (a.floats?.length) type = T.FLOATS;
    else if (a.ints?.length) type = T.INTS;
    else if (a.strings?.length) type = T.STRINGS;
    else if (a.tensors?.length) type = T.TENSORS;
    else if (a.t) type = T.TENSOR;
    else if (a.g) type = T.GRAPH;
    else if (has('s')) type = T.STRING;
    else if (has('f')) type = T.FLOAT;
    else if (has('i')) type = T.INT;
  }
  const text = (b: Uint8Array | null | undefined) => Buffer.from(b ?? new Uint8Array()).toString('utf8');
  switch (type) {
    case T.FLOAT: return { type: 'float', value: a.f ?? 0 };
    case T.INT: return { type: 'int', value: num(a.i) };
    case T.STRING: return { type: 'string', value: text(a.s) };
    case T.TENSOR: return { type: 'tensor', value: tensorFromProto(a.t ?? {}, where, external) };
    case T.GRAPH: return { type: 'graph', value: readGraph(a.g ?? {}, where, external) };
    case T.FLOATS: return { type: 'floats', value: [...(a.floats ?? [])] };
    case T.INTS: return { type: 'ints', value: (a.ints ?? []).map(num) };
    case T.STRINGS: return { type: 'strings', value: (a.strings ?? []).map(text) };
    case T.TENSORS: return { type: 'tensors', value: (a.tensors ?? []).map((t) => tensorFromProto(t, where, external)) };
    case T.GRAPHS: return { type: 'graphs', value: (a.graphs ?? []).map((g) => readGraph(g, where, external)) };
    default: return { type: 'other', value: T[type] ?? `attribute type ${type}` };
  }
}

/**
 * Every value a node reads must exist before it: a graph input, an initializer, or an earlier node's output.
 * A file cut at a message boundary decodes without a protobuf error; this is where it is caught.
 */
function checkComplete(graph: OnnxGraph, file: string): void {
  const known = new Set<string>([...graph.inputs, ...graph.initializerInputs].map((v) => v.name));
  for (const name of graph.initializers.keys()) known.add(name);
  for (const node of graph.nodes) {
    for (const input of node.inputs) {
      if (input !== '' && !known.has(input)) {
        throw new OnnxFormatError(
          `${file}: node '${node.name}' (${node.opType}) reads '${input}', which no graph input, initializer or earlier node provides (truncated or corrupt file, or nodes out of order)`,
        );
      }
    }
    for (const output of node.outputs) if (output !== '') known.add(output);
  }
  if (graph.outputs.length === 0) throw new OnnxFormatError(`${file}: the graph declares no outputs (truncated?)`);
  for (const out of graph.outputs) {
    if (!known.has(out.name)) {
      throw new OnnxFormatError(`${file}: graph output '${out.name}' is produced by no node (truncated or corrupt file)`);
    }
  }
}
