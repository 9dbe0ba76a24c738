// What the bench ran on, for the report: CPU model and cores, memory, Node and package versions, and the load
// average before and after, with a warning when other processes were busy (timings then mean less).

import { createRequire } from 'node:module';
import os from 'node:os';

const require = createRequire(import.meta.url);

export function packageVersion(name: string): string {
  try {
    return (require(`${name}/package.json`) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  platform: string;
  node: string;
  packages: Record<string, string>;
  /** 1-minute load average when the bench started and ended. */
  loadBefore: number;
  loadAfter?: number;
}

/** Load per core above which the machine counts as busy. */
export const BUSY_LOAD_PER_CORE = 0.5;

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus.length,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    packages: Object.fromEntries(
      ['webgpu', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-webgpu', '@tensorflow/tfjs-backend-wasm',
        '@tensorflow/tfjs-backend-cpu', 'onnxruntime-node'].map((p) => [p, packageVersion(p)]),
    ),
    loadBefore: os.loadavg()[0],
  };
}

export function currentLoad(): number {
  return os.loadavg()[0];
}

/** A warning line when the load average says other work shared the cores, else null. */
export function busyWarning(load: number, cores: number, when: string): string | null {
  if (load <= BUSY_LOAD_PER_CORE * cores) return null;
  return `WARNING: the machine was busy ${when} (load average ${load.toFixed(2)} on ${cores} cores): ` +
    'other processes shared the CPU, so these timings are noisy and probably slow; rerun on an idle machine to quote them.';
}
