// Compute pipelines, created once per distinct shader and set of override constants, and kept for the life of
// the process (Mesa's on-disk shader cache is off on the machines we target, and compiling a tiled kernel costs
// 7-130 ms). Shader text comes from `shaders/<name>.wgsl`; only what changes the compiled code (tile sizes,
// flags) goes into `constants` as WGSL `override`s. Sizes travel in a uniform, never in the key.
// WGSL has no includes, so a line `// #include parts/<file>.wgsl` is replaced by that file (relative to shaders/,
// indented like the line): kernels that share a written-out block (the octet kernels' accumulators, FMA step and
// epilogues) keep one copy of it.
//
// Pipelines are created with createComputePipeline: the async variant never resolves in Dawn's Node binding.
// A kernel that declares a `var` without an initializer inside a loop is refused (src/gpu/wgsl-loop-vars.ts says why).

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorTracker } from './error-scope.ts';
import { GraftError } from './errors.ts';
import { uninitializedLoopVars } from './wgsl-loop-vars.ts';

export const SHADER_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shaders');

export type OverrideConstants = Record<string, number | boolean>;

export interface Kernel {
  readonly name: string;
  readonly pipeline: GPUComputePipeline;
  readonly layout: GPUBindGroupLayout;
  /** Binding indices the kernel may write (`var<storage, read_write>`): the batcher stamps those buffers. */
  readonly writes: ReadonlySet<number>;
}

export class PipelineCache {
  private readonly sources = new Map<string, string>();
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly kernels = new Map<string, Kernel>();
  readonly errors: ErrorTracker;
  /** Milliseconds spent creating pipelines so far (reported by the bench and training progress). */
  compileMs = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly features: ReadonlySet<string>,
    errors: ErrorTracker,
  ) {
    this.errors = errors;
  }

  /** The WGSL text of `shaders/<name>.wgsl`, its `// #include` lines replaced. */
  source(name: string): string {
    let text = this.sources.get(name);
    if (text === undefined) {
      text = expandIncludes(`${name}.wgsl`, readShaderFile);
      this.sources.set(name, text);
    }
    return text;
  }

  /** The kernel for `shaders/<name>.wgsl` with these override constants, entry point `main`. */
  get(name: string, constants: OverrideConstants = {}): Kernel {
    return this.fromCode(name, this.source(name), constants);
  }

  /** The kernel for WGSL text that does not live in a file (generated code, tests). */
  fromCode(name: string, code: string, constants: OverrideConstants = {}): Kernel {
    const keys = Object.keys(constants).sort();
    const constantText = keys.map((k) => `${k}=${Number(constants[k])}`).join(',');
    // The whole text is part of the key: two shaders never share a pipeline by accident of their names.
    const key = `${name}\0${constantText}\0${code}`;
    let kernel = this.kernels.get(key);
    if (kernel) return kernel;

    if (/^\s*enable\s+f16\s*;/m.test(code) && !this.features.has('shader-f16')) {
      throw new GraftError(`kernel ${name} needs the 'shader-f16' feature, which this adapter lacks`);
    }
    if (/^\s*enable\s+subgroups\s*;/m.test(code) && !this.features.has('subgroups')) {
      throw new GraftError(`kernel ${name} needs the 'subgroups' feature, which this adapter lacks`);
    }
    const loopVars = uninitializedLoopVars(code);
    if (loopVars.length) {
      const where = loopVars.map((v) => `line ${v.line}: ${v.declaration}`).join('; ');
      throw new GraftError(`kernel ${name} declares a var without an initializer inside a loop (${where}): WGSL zeroes it ` +
        'on every iteration, but Dawn on lavapipe keeps the previous iteration\'s value; write `var x = T();` instead');
    }
    const started = performance.now();
    const done = this.errors.open();
    let module = this.modules.get(code);
    if (!module) {
      module = this.device.createShaderModule({ code, label: name });
      this.modules.set(code, module);
    }
    const pipeline = this.device.createComputePipeline({
      label: name,
      layout: 'auto',
      compute: { module, entryPoint: 'main', constants: Object.fromEntries(keys.map((k) => [k, Number(constants[k])])) },
    });
    done(() => `creating the pipeline for kernel '${name}'${keys.length ? ` (${constantText})` : ''}`);
    this.compileMs += performance.now() - started;
    kernel = { name, pipeline, layout: pipeline.getBindGroupLayout(0), writes: writableBindings(code) };
    this.kernels.set(key, kernel);
    return kernel;
  }

  get size(): number {
    return this.kernels.size;
  }
}

/** The @binding indices of a shader's `var<storage, read_write>` declarations (all kernels use group 0). */
export function writableBindings(code: string): Set<number> {
  const out = new Set<number>();
  for (const m of code.matchAll(/@binding\((\d+)\)\s*var\s*<\s*storage\s*,\s*read_write\s*>/g)) out.add(Number(m[1]));
  return out;
}

function readShaderFile(file: string): string {
  try {
    return readFileSync(join(SHADER_DIR, file), 'utf8');
  } catch {
    throw new GraftError(`shader '${file.replace(/\.wgsl$/, '')}' not found: expected ${join(SHADER_DIR, file)}`);
  }
}

const INCLUDE = /^(\s*)\/\/ #include (\S+)\s*$/;

/**
 * `file`'s text with every line `// #include <other file>` replaced by that file's (expanded) text, each line
 * indented like the directive. `read` gives a file's text by its path under shaders/. A missing included file is
 * an error naming the file that includes it; an include cycle, one naming the chain.
 */
export function expandIncludes(file: string, read: (file: string) => string, chain: readonly string[] = []): string {
  if (chain.includes(file)) throw new GraftError(`shader include cycle: ${[...chain, file].join(' -> ')}`);
  let text: string;
  try {
    text = read(file);
  } catch (err) {
    if (!chain.length) throw err;
    throw new GraftError(`${(err as Error).message} (included by ${chain[chain.length - 1]})`);
  }
  return text.split('\n').map((line) => {
    const m = INCLUDE.exec(line);
    if (!m) return line;
    const inner = expandIncludes(m[2], read, [...chain, file]);
    return inner.split('\n').map((l) => (l ? m[1] + l : l)).join('\n');
  }).join('\n');
}
