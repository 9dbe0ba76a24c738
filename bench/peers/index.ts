// Creates the bench's engines in a fixed order (graft first: it is the reference the others are checked
// against). An engine that fails to start is reported with its error instead of stopping the bench.

import { readFileSync } from 'node:fs';
import type { Gpu } from '../../src/gpu/device.ts';
import { packageVersion } from '../environment.ts';
import type { Engine } from './engine.ts';
import { graftEngine, graftF16Engine } from './graft.ts';
import { ortEngine } from './ort.ts';
import { tfjsCpuEngine } from './tfjs-cpu.ts';
import { tfjsWasmEngine } from './tfjs-wasm.ts';
import { setupTfjsWebgpu, tfjsWebgpuEngines } from './tfjs-webgpu.ts';

export const ENGINE_IDS = ['graft', 'graft-f16', 'ort-cpu', 'tfjs-wasm', 'tfjs-webgpu-polite', 'tfjs-webgpu', 'tfjs-cpu'] as const;

export interface EngineSet {
  engines: Engine[];
  /** Engines that could not start, with the error. */
  failed: Array<{ id: string; error: string }>;
}

function graftVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export async function createEngines(gpu: Gpu, wanted: ReadonlySet<string>): Promise<EngineSet> {
  const version = graftVersion();
  const engines: Engine[] = [graftEngine(gpu, version)];
  if (wanted.has('graft-f16')) engines.push(graftF16Engine(gpu, version));
  const failed: EngineSet['failed'] = [];
  const attempt = async (ids: string[], make: () => Promise<Engine[]>) => {
    if (!ids.some((id) => wanted.has(id))) return;
    try {
      engines.push(...(await make()).filter((e) => wanted.has(e.id)));
    } catch (err) {
      for (const id of ids) if (wanted.has(id)) failed.push({ id, error: (err as Error).message.split('\n')[0] });
    }
  };
  await attempt(['ort-cpu'], async () => [ortEngine(packageVersion('onnxruntime-node'))]);
  await attempt(['tfjs-wasm'], async () => [await tfjsWasmEngine()]);
  await attempt(['tfjs-webgpu-polite', 'tfjs-webgpu'], async () => {
    const { version, adapter } = await setupTfjsWebgpu();
    return tfjsWebgpuEngines(version, adapter);
  });
  await attempt(['tfjs-cpu'], async () => [await tfjsCpuEngine()]);
  const order = ENGINE_IDS as readonly string[];
  engines.sort((a, b) => order.indexOf(a.id) - order.indexOf(b.id));
  return { engines, failed };
}
