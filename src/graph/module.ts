// The layer base class: parameters and sub-layers by name, freezing, train/eval mode, and state dicts.
//
// Parameter names are dotted paths ("block5.conv1.weight"): a container renames its children when they are
// added, so the names are right however the model was assembled, and they are the keys of checkpoints, weight
// import, and optimizer state.

import { GpuTensor } from '../gpu/tensor.ts';
import { GraftError, ShapeError, fmtShape } from '../gpu/errors.ts';
import type { Gpu } from '../gpu/device.ts';
import type { Context } from './context.ts';
import { Parameter, type Tensor } from './tensor.ts';

/** Weights by parameter name: the values with their shapes (checkpoints, weight import). */
export type StateDict = Record<string, { shape: readonly number[]; data: Float32Array }>;
/** What loadStateDict accepts: a bare array is checked by length, a shaped entry by shape. */
export type StateDictInput = Record<string, Float32Array | { shape: readonly number[]; data: Float32Array }>;

export abstract class Module {
  /** Training mode (dropout active). Set for a whole tree with train() / eval(). */
  training = true;
  /** This module's dotted path in its model ('' at the root). */
  path = '';
  private readonly ownParams = new Map<string, Parameter>();
  private readonly childModules = new Map<string, Module>();

  abstract forward(x: Tensor, ctx: Context): Tensor;

  /** "Conv2d 'block1.conv1'" for messages. */
  protected label(kind: string): string {
    return this.path ? `${kind} '${this.path}'` : kind;
  }

  /** Creates and registers a parameter with initial contents. */
  protected addParameter(gpu: Gpu, localName: string, shape: readonly number[], data: Float32Array): Parameter {
    const p = new Parameter(this.qualify(localName), GpuTensor.from(gpu, shape, data, 'f32', localName));
    this.ownParams.set(localName, p);
    return p;
  }

  protected addChild<M extends Module>(name: string, child: M): M {
    if (this.childModules.has(name)) throw new GraftError(`${this.label('module')}: two children named '${name}'`);
    this.childModules.set(name, child);
    child.setPath(this.qualify(name));
    return child;
  }

  private qualify(local: string): string {
    return this.path ? `${this.path}.${local}` : local;
  }

  /** Re-roots this module's names under `path`. */
  setPath(path: string): void {
    this.path = path;
    for (const [local, p] of this.ownParams) p.name = this.qualify(local);
    for (const [name, child] of this.childModules) child.setPath(this.qualify(name));
  }

  /** Direct children by name. */
  children(): [string, Module][] {
    return [...this.childModules];
  }

  /** A descendant by dotted path relative to this module ("block5.conv1"). */
  get(path: string): Module {
    let m: Module = this;
    for (const part of path.split('.')) {
      const next = m.childModules.get(part);
      if (!next) throw new GraftError(`${this.label('module')}: no submodule '${path}' (no '${part}' in ${m.path || 'the root'})`);
      m = next;
    }
    return m;
  }

  /** Every parameter below this module with its full name, in definition order. */
  namedParameters(): [string, Parameter][] {
    const out: [string, Parameter][] = [];
    for (const p of this.ownParams.values()) out.push([p.name, p]);
    for (const child of this.childModules.values()) out.push(...child.namedParameters());
    return out;
  }

  parameters(): Parameter[] {
    return this.namedParameters().map(([, p]) => p);
  }

  trainableParameters(): Parameter[] {
    return this.parameters().filter((p) => p.trainable);
  }

  /** Number of weights below this module (all, or only trainable ones). */
  countParameters({ trainableOnly = false }: { trainableOnly?: boolean } = {}): number {
    return this.parameters()
      .filter((p) => !trainableOnly || p.trainable)
      .reduce((n, p) => n + p.value.size, 0);
  }

  /** Freezes every parameter below this module: no gradients, no updates, and no backward below it. */
  freeze(): this {
    for (const p of this.parameters()) p.trainable = false;
    return this;
  }

  unfreeze(): this {
    for (const p of this.parameters()) p.trainable = true;
    return this;
  }

  train(on = true): this {
    this.training = on;
    for (const child of this.childModules.values()) child.train(on);
    return this;
  }

  eval(): this {
    return this.train(false);
  }

  /** Reads every parameter back to the CPU. */
  async stateDict(): Promise<StateDict> {
    const out: StateDict = {};
    for (const [name, p] of this.namedParameters()) {
      out[name] = { shape: [...p.shape], data: (await p.value.read()) as Float32Array };
    }
    return out;
  }

  /**
   * Loads parameters by name. With `strict` (the default) every parameter must be present and no other name
   * may appear; shapes (or, for bare arrays, lengths) must match exactly.
   */
  loadStateDict(dict: StateDictInput, { strict = true }: { strict?: boolean } = {}): void {
    const params = new Map(this.namedParameters());
    if (strict) {
      const missing = [...params.keys()].filter((k) => !(k in dict));
      const unexpected = Object.keys(dict).filter((k) => !params.has(k));
      if (missing.length || unexpected.length) {
        throw new GraftError(
          `loadStateDict: ${missing.length ? `missing ${missing.join(', ')}` : ''}` +
            `${missing.length && unexpected.length ? '; ' : ''}${unexpected.length ? `unexpected ${unexpected.join(', ')}` : ''}`,
        );
      }
    }
    for (const [name, entry] of Object.entries(dict)) {
      const p = params.get(name);
      if (!p) continue;
      const data = entry instanceof Float32Array ? entry : entry.data;
      const shapeOk =
        entry instanceof Float32Array
          ? data.length === p.value.size
          : entry.shape.length === p.shape.length && entry.shape.every((d, i) => d === p.shape[i]) && data.length === p.value.size;
      if (!shapeOk) {
        const given = entry instanceof Float32Array ? `${data.length} values` : `shape ${fmtShape(entry.shape)} (${data.length} values)`;
        throw new ShapeError(`loadStateDict: ${name} has shape ${fmtShape(p.shape)} (${p.value.size} values), got ${given}`);
      }
      p.load(data);
    }
  }

  /** Frees every parameter's GPU memory (the module is unusable afterwards). */
  release(): void {
    for (const p of this.parameters()) p.release();
  }
}
