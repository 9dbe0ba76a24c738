// Writes ONNX models: graph inputs and outputs, nodes with typed attributes, initializers as raw_data (optionally in
// an external data file). The tests generate their VGG19-shaped models with it, and graft's export writes trained
// models with it, so both produce the same plain, standard files that onnxruntime loads.

import { writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { onnx, tensorToProto, type P } from './proto.ts';
import { DTYPE_CODE, makeTensor, type DType, type OnnxTensor, type TypedArray } from './tensor.ts';
import { attributeType } from './ops-supported.ts';
import type { Dim } from './model.ts';

/** An attribute value. Plain numbers take the type ops-supported.ts gives the attribute, else int when integral. */
export type AttrValue =
  | number | number[] | string | string[] | OnnxTensor
  | { float: number } | { floats: number[] } | { int: number } | { ints: number[] };

export interface BuilderOptions {
  /** ai.onnx opset version. */
  opset: number;
  /** Default: the IR version that shipped with the opset (3 for opset 7). */
  irVersion?: number;
  producerName?: string;
  graphName?: string;
  /** List initializers among graph inputs, as IR < 4 required (vgg19-7 does). Default: irVersion < 4. */
  initializersAsInputs?: boolean;
  /** The model's doc_string and metadata_props (what it is, how its input is made). */
  docString?: string;
  metadata?: Record<string, string>;
}

/** The IR version released with each opset, so a builder's file matches what exporters of the time wrote. */
export function irVersionForOpset(opset: number): number {
  if (opset <= 8) return 3;
  if (opset === 9) return 4;
  if (opset === 10) return 5;
  if (opset === 11) return 6;
  if (opset <= 14) return 7;
  if (opset <= 18) return 8;
  if (opset <= 20) return 9;
  if (opset <= 22) return 10;
  return 11;
}

export interface SaveOptions {
  /** Store initializers of at least `threshold` bytes (default 1024) in this file next to the model. */
  externalData?: { location: string; threshold?: number };
}

export class OnnxBuilder {
  private readonly inputs: P.IValueInfoProto[] = [];
  private readonly outputs: P.IValueInfoProto[] = [];
  private readonly nodes: P.INodeProto[] = [];
  private readonly initializers: OnnxTensor[] = [];

  constructor(readonly options: BuilderOptions) {}

  input(name: string, dtype: DType, shape: readonly Dim[]): this {
    this.inputs.push(valueInfo(name, dtype, shape));
    return this;
  }

  output(name: string, dtype: DType, shape: readonly Dim[] | null): this {
    this.outputs.push(valueInfo(name, dtype, shape));
    return this;
  }

  /** Adds an initializer; values are packed to the dtype (see makeTensor). */
  initializer(name: string, dtype: DType, dims: readonly number[], values: TypedArray | readonly number[]): this {
    this.initializers.push(makeTensor(name, dtype, dims, values));
    return this;
  }

  node(opType: string, inputs: string[], outputs: string[], attrs: Record<string, AttrValue> = {}, name?: string): this {
    this.nodes.push(
      onnx.NodeProto.create({
        name: name ?? `${opType.toLowerCase()}${this.nodes.length}`,
        opType,
        input: inputs,
        output: outputs,
        attribute: Object.entries(attrs).map(([k, v]) => attribute(opType, k, v)),
      }),
    );
    return this;
  }

  /** The model as protobuf bytes; with `external`, tensors over the threshold go to that buffer list instead. */
  encode(opts: SaveOptions = {}): { model: Uint8Array; external: Uint8Array | null } {
    const ext = opts.externalData;
    const threshold = ext?.threshold ?? 1024;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    const tensors = this.initializers.map((t) => {
      if (!ext || t.bytes.byteLength < threshold) return tensorToProto(t);
      const pad = (64 - (offset % 64)) % 64; // aligned offsets let readers map tensors without copying
      if (pad) chunks.push(new Uint8Array(pad));
      offset += pad;
      chunks.push(t.bytes);
      const p = onnx.TensorProto.create({
        name: t.name, dims: t.dims, dataType: DTYPE_CODE[t.dtype],
        dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
        externalData: [
          { key: 'location', value: ext.location },
          { key: 'offset', value: String(offset) },
          { key: 'length', value: String(t.bytes.byteLength) },
        ],
      });
      offset += t.bytes.byteLength;
      return p;
    });
    const asInputs = this.options.initializersAsInputs ?? (this.irVersion() < 4);
    const graph = onnx.GraphProto.create({
      name: this.options.graphName ?? 'graft',
      node: this.nodes,
      initializer: tensors,
      input: [...this.inputs, ...(asInputs ? this.initializers.map((t) => valueInfo(t.name, t.dtype, t.dims)) : [])],
      output: this.outputs,
    });
    const model = onnx.ModelProto.create({
      irVersion: this.irVersion(),
      producerName: this.options.producerName ?? 'graft',
      opsetImport: [{ domain: '', version: this.options.opset }],
      graph,
      ...(this.options.docString !== undefined ? { docString: this.options.docString } : {}),
      metadataProps: Object.entries(this.options.metadata ?? {}).map(([key, value]) => ({ key, value })),
    });
    return { model: onnx.ModelProto.encode(model).finish(), external: ext ? Buffer.concat(chunks) : null };
  }

  /** Writes the model (and its external data file, if asked) to `path`. */
  save(path: string, opts: SaveOptions = {}): void {
    const { model, external } = this.encode(opts);
    if (external && opts.externalData) {
      if (basename(opts.externalData.location) !== opts.externalData.location) {
        throw new Error(`external data location '${opts.externalData.location}' must be a plain file name`);
      }
      writeFileSync(join(dirname(path), opts.externalData.location), external);
    }
    writeFileSync(path, model);
  }

  private irVersion(): number {
    return this.options.irVersion ?? irVersionForOpset(this.options.opset);
  }
}

function valueInfo(name: string, dtype: DType, shape: readonly Dim[] | null): P.IValueInfoProto {
  const dims = shape?.map((d) => (typeof d === 'number' ? { dimValue: d } : typeof d === 'string' ? { dimParam: d } : {}));
  return {
    name,
    type: { tensorType: { elemType: DTYPE_CODE[dtype], ...(dims ? { shape: { dim: dims } } : {}) } },
  };
}

const AT = onnx.AttributeProto.AttributeType;

function attribute(opType: string, name: string, v: AttrValue): P.IAttributeProto {
  const known = attributeType(opType, name);
  if (typeof v === 'number') {
    const isFloat = known ? known === 'float' : !Number.isInteger(v);
    return isFloat ? { name, type: AT.FLOAT, f: v } : { name, type: AT.INT, i: v };
  }
  if (typeof v === 'string') return { name, type: AT.STRING, s: Buffer.from(v, 'utf8') };
  if (Array.isArray(v)) {
    if (v.length > 0 && typeof v[0] === 'string') return { name, type: AT.STRINGS, strings: (v as string[]).map((s) => Buffer.from(s, 'utf8')) };
    const nums = v as number[];
    const isFloat = known ? known === 'floats' : nums.some((x) => !Number.isInteger(x));
    return isFloat ? { name, type: AT.FLOATS, floats: nums } : { name, type: AT.INTS, ints: nums };
  }
  if ('float' in v) return { name, type: AT.FLOAT, f: v.float };
  if ('floats' in v) return { name, type: AT.FLOATS, floats: v.floats };
  if ('int' in v) return { name, type: AT.INT, i: v.int };
  if ('ints' in v) return { name, type: AT.INTS, ints: v.ints };
  return { name, type: AT.TENSOR, t: tensorToProto(v) };
}
