// Parsing a Keras model config (functional `Model`/`Functional`, or `Sequential`) into typed layers in
// topological order. Every layer class and setting is checked here, so an unsupported model fails at load time
// with an error naming the layer and the setting, never later as a wrong number.

import { KerasFormatError, UnsupportedKerasError } from './errors.ts';
import type { InboundRef, LayerJson, ModelConfigJson } from './format.ts';

export type Padding = 'same' | 'valid';
export type Pair = [number, number];

interface Base {
  name: string;
  /** Names of the layers whose outputs this layer takes, in call order. */
  inputs: string[];
}

export interface InputLayer extends Base {
  kind: 'InputLayer';
  /** Shape without the batch dimension; null where the model accepts any size. */
  shape: (number | null)[];
}
export interface ZeroPadding2DLayer extends Base {
  kind: 'ZeroPadding2D';
  /** [top, bottom, left, right], Keras's ((top, bottom), (left, right)). */
  padding: [number, number, number, number];
}
export interface Conv2DLayer extends Base {
  kind: 'Conv2D';
  filters: number;
  kernelSize: Pair;
  strides: Pair;
  padding: Padding;
  useBias: boolean;
  activation: 'linear' | 'relu';
}
export interface BatchNormLayer extends Base {
  kind: 'BatchNormalization';
  /** The normalized axis as written (-1, or an index counting the batch axis); checked against the shape later. */
  axis: number;
  epsilon: number;
  center: boolean;
  scale: boolean;
}
export interface ActivationLayer extends Base {
  kind: 'Activation';
  /** `ReLU` layers with default settings are read as Activation('relu'). */
  activation: 'linear' | 'relu' | 'softmax';
}
export interface Pool2DLayer extends Base {
  kind: 'MaxPooling2D' | 'AveragePooling2D';
  poolSize: Pair;
  strides: Pair;
  padding: Padding;
}
export interface AddLayer extends Base {
  kind: 'Add';
}
export interface GlobalAveragePooling2DLayer extends Base {
  kind: 'GlobalAveragePooling2D';
}
export interface FlattenLayer extends Base {
  kind: 'Flatten';
}
export interface DenseLayer extends Base {
  kind: 'Dense';
  units: number;
  useBias: boolean;
  activation: 'linear' | 'relu' | 'softmax';
}

export type KerasLayer =
  | InputLayer
  | ZeroPadding2DLayer
  | Conv2DLayer
  | BatchNormLayer
  | ActivationLayer
  | Pool2DLayer
  | AddLayer
  | GlobalAveragePooling2DLayer
  | FlattenLayer
  | DenseLayer;

/** A parsed model: layers in topological order (inputs first), with the model's input and output layers. */
export interface KerasGraph {
  name: string;
  layers: KerasLayer[];
  inputs: string[];
  outputs: string[];
}

export const SUPPORTED_LAYERS = [
  'InputLayer',
  'ZeroPadding2D',
  'Conv2D',
  'BatchNormalization',
  'Activation',
  'ReLU',
  'MaxPooling2D',
  'AveragePooling2D',
  'Add',
  'GlobalAveragePooling2D',
  'Flatten',
  'Dense',
] as const;

// --- reading settings, each failure naming the layer and the setting

class ConfigReader {
  constructor(
    readonly layer: string,
    readonly className: string,
    readonly config: Record<string, unknown>,
  ) {}

  private where(key: string): string {
    return `layer '${this.layer}' (${this.className}), setting ${key}`;
  }

  unsupported(key: string, value: unknown, allowed: string): never {
    throw new UnsupportedKerasError(`${this.where(key)} = ${JSON.stringify(value)} is not supported (${allowed})`);
  }

  malformed(key: string, value: unknown, expected: string): never {
    throw new KerasFormatError(`${this.where(key)} = ${JSON.stringify(value)}: expected ${expected}`);
  }

  /** A positive integer pair, accepting Keras's int shorthand; `fallback` when absent or null. */
  pair(key: string, fallback?: Pair): Pair {
    const v = this.config[key];
    if ((v === undefined || v === null) && fallback) return fallback;
    const p = typeof v === 'number' ? [v, v] : v;
    if (!Array.isArray(p) || p.length !== 2 || !p.every((x) => Number.isInteger(x) && x > 0)) {
      this.malformed(key, v, 'two positive integers');
    }
    return [p[0], p[1]];
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], fallback?: T): T {
    const v = this.config[key] ?? fallback;
    if (!allowed.includes(v as T)) this.unsupported(key, v, `supported: ${allowed.join(', ')}`);
    return v as T;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.config[key] ?? fallback;
    if (typeof v !== 'boolean') this.malformed(key, v, 'true or false');
    return v;
  }

  number(key: string, fallback?: number): number {
    const v = this.config[key] ?? fallback;
    if (typeof v !== 'number' || !Number.isFinite(v)) this.malformed(key, v, 'a number');
    return v;
  }

  /** Settings that must keep one value (channels_last, dilation 1, ...); absent counts as the default. */
  require(key: string, ok: (v: unknown) => boolean, allowed: string): void {
    const v = this.config[key];
    if (v !== undefined && v !== null && !ok(v)) this.unsupported(key, v, allowed);
  }

  channelsLast(): void {
    this.require('data_format', (v) => v === 'channels_last', 'only channels_last');
  }
}

const isOnes = (v: unknown) => v === 1 || (Array.isArray(v) && v.every((x) => x === 1));

function parseLayer(json: LayerJson, inputs: string[]): KerasLayer {
  const name = String(json.config?.name ?? json.name);
  // Annotated so that calls to its `never`-returning methods narrow types.
  const c: ConfigReader = new ConfigReader(name, json.class_name, json.config ?? {});
  const base = { name, inputs };
  switch (json.class_name) {
    case 'InputLayer': {
      const shape = (json.config.batch_input_shape ?? json.config.batch_shape) as (number | null)[] | undefined;
      if (!Array.isArray(shape)) c.malformed('batch_input_shape', shape, 'a shape like [null, 224, 224, 3]');
      return { ...base, kind: 'InputLayer', shape: shape.slice(1) };
    }
    case 'ZeroPadding2D': {
      c.channelsLast();
      const v = json.config.padding;
      let p: number[] | undefined;
      if (typeof v === 'number') p = [v, v, v, v];
      else if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) p = [v[0], v[0], v[1], v[1]];
      else if (Array.isArray(v) && v.length === 2 && v.every((x) => Array.isArray(x) && x.length === 2)) {
        p = [v[0][0], v[0][1], v[1][0], v[1][1]];
      }
      if (!p || !p.every((x) => Number.isInteger(x) && x >= 0)) c.malformed('padding', v, '((top, bottom), (left, right))');
      return { ...base, kind: 'ZeroPadding2D', padding: p as [number, number, number, number] };
    }
    case 'Conv2D': {
      c.channelsLast();
      c.require('dilation_rate', isOnes, 'only dilation 1');
      c.require('groups', (v) => v === 1, 'only groups 1');
      return {
        ...base,
        kind: 'Conv2D',
        filters: c.number('filters'),
        kernelSize: c.pair('kernel_size'),
        strides: c.pair('strides', [1, 1]),
        padding: c.oneOf('padding', ['same', 'valid'] as const, 'valid'),
        useBias: c.bool('use_bias', true),
        activation: c.oneOf('activation', ['linear', 'relu'] as const, 'linear'),
      };
    }
    case 'BatchNormalization': {
      let axis: unknown = json.config.axis ?? -1;
      if (Array.isArray(axis) && axis.length === 1) axis = axis[0];
      if (typeof axis !== 'number') c.unsupported('axis', json.config.axis, 'one axis, the channel axis');
      c.require('renorm', (v) => v === false, 'only renorm false');
      return {
        ...base,
        kind: 'BatchNormalization',
        axis,
        epsilon: c.number('epsilon', 1e-3),
        center: c.bool('center', true),
        scale: c.bool('scale', true),
      };
    }
    case 'Activation':
      return { ...base, kind: 'Activation', activation: c.oneOf('activation', ['linear', 'relu', 'softmax'] as const) };
    case 'ReLU':
      c.require('max_value', () => false, 'only no maximum');
      c.require('negative_slope', (v) => v === 0, 'only 0');
      c.require('threshold', (v) => v === 0, 'only 0');
      return { ...base, kind: 'Activation', activation: 'relu' };
    case 'MaxPooling2D':
    case 'AveragePooling2D': {
      c.channelsLast();
      const poolSize = c.pair('pool_size', [2, 2]);
      return {
        ...base,
        kind: json.class_name,
        poolSize,
        strides: c.pair('strides', poolSize),
        padding: c.oneOf('padding', ['same', 'valid'] as const, 'valid'),
      };
    }
    case 'Add':
      if (inputs.length < 2) c.malformed('inbound_nodes', inputs, 'at least two inputs to Add');
      return { ...base, kind: 'Add' };
    case 'GlobalAveragePooling2D':
      c.channelsLast();
      c.require('keepdims', (v) => v === false, 'only keepdims false');
      return { ...base, kind: 'GlobalAveragePooling2D' };
    case 'Flatten':
      c.channelsLast();
      return { ...base, kind: 'Flatten' };
    case 'Dense':
      return {
        ...base,
        kind: 'Dense',
        units: c.number('units'),
        useBias: c.bool('use_bias', true),
        activation: c.oneOf('activation', ['linear', 'relu', 'softmax'] as const, 'linear'),
      };
    default:
      throw new UnsupportedKerasError(
        `layer '${name}' (${json.class_name}): layer class ${json.class_name} is not supported ` +
          `(supported: ${SUPPORTED_LAYERS.join(', ')})`,
      );
  }
}

/** The layer names one layer was called on; a layer called more than once (shared weights) is refused. */
function inboundOf(json: LayerJson): string[] {
  const nodes = json.inbound_nodes ?? [];
  const name = String(json.config?.name ?? json.name);
  if (nodes.length > 1) {
    throw new UnsupportedKerasError(`layer '${name}' (${json.class_name}) is called ${nodes.length} times: shared layers are not supported`);
  }
  if (nodes.length === 0) return [];
  const refs = nodes[0] as unknown;
  if (!Array.isArray(refs) || !refs.every((r) => Array.isArray(r) && typeof r[0] === 'string')) {
    throw new KerasFormatError(
      `layer '${name}': inbound_nodes is not in the Keras 2 format [[name, node, tensor, kwargs], ...] (Keras 3 files are not supported)`,
    );
  }
  return (refs as InboundRef[]).map(([src, node, tensor]) => {
    if (node !== 0 || tensor !== 0) {
      throw new UnsupportedKerasError(`layer '${name}' takes output ${node}/${tensor} of '${src}': only single-output, single-call layers are supported`);
    }
    return src;
  });
}

/** Kahn's algorithm, keeping file order among ready layers; refuses cycles and dangling references. */
function topoSort(layers: KerasLayer[]): KerasLayer[] {
  const byName = new Map(layers.map((l) => [l.name, l]));
  if (byName.size !== layers.length) throw new KerasFormatError('two layers share a name');
  for (const l of layers) {
    for (const i of l.inputs) {
      if (!byName.has(i)) throw new KerasFormatError(`layer '${l.name}' takes input from unknown layer '${i}'`);
    }
  }
  const done = new Set<string>();
  const order: KerasLayer[] = [];
  while (order.length < layers.length) {
    const ready = layers.find((l) => !done.has(l.name) && l.inputs.every((i) => done.has(i)));
    if (!ready) throw new KerasFormatError('the layer graph has a cycle');
    done.add(ready.name);
    order.push(ready);
  }
  return order;
}

/** Parses a model config. Sequential models get an input layer named `<first layer>_input` if they lack one. */
export function parseTopology(model: ModelConfigJson): KerasGraph {
  const cls = model.class_name;
  if (cls === 'Sequential') {
    const cfg = model.config;
    const list = Array.isArray(cfg) ? cfg : cfg.layers;
    const name = Array.isArray(cfg) ? 'sequential' : (cfg.name ?? 'sequential');
    const layers: KerasLayer[] = [];
    let prev: string | undefined;
    for (const json of list) {
      if (!prev && json.class_name !== 'InputLayer') {
        const shape = json.config.batch_input_shape as (number | null)[] | undefined;
        if (!Array.isArray(shape)) {
          throw new KerasFormatError(`Sequential model '${name}': first layer '${json.config.name}' has no batch_input_shape`);
        }
        prev = `${json.config.name}_input`;
        layers.push({ kind: 'InputLayer', name: prev, inputs: [], shape: shape.slice(1) });
      }
      const layer = parseLayer(json, prev ? [prev] : []);
      layers.push(layer);
      prev = layer.name;
    }
    return { name, layers, inputs: [layers[0].name], outputs: [layers[layers.length - 1].name] };
  }
  if (cls !== 'Model' && cls !== 'Functional') {
    throw new UnsupportedKerasError(`model class ${cls} is not supported (supported: Model, Functional, Sequential)`);
  }
  if (Array.isArray(model.config)) throw new KerasFormatError(`${cls} model config must be an object`);
  const cfg = model.config;
  const layers = cfg.layers.map((json) => parseLayer(json, inboundOf(json)));
  const ends = (refs: [string, number, number][] | undefined, what: string) => {
    if (!refs?.length) throw new KerasFormatError(`model '${cfg.name}' lists no ${what}`);
    return refs.map(([n]) => n);
  };
  const sorted = topoSort(layers);
  return { name: cfg.name ?? 'model', layers: sorted, inputs: ends(cfg.input_layers, 'input_layers'), outputs: ends(cfg.output_layers, 'output_layers') };
}
