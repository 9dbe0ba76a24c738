// What the bench ran on, for the report: CPU model and cores, memory, Node and package versions, and the load
// average before and after, with a warning when other processes were busy (timings then mean less).

import { readFileSync } from 'node:fs';
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
  /** Family, model and widest vector extension, from /proc/cpuinfo (null elsewhere): see cpuDetail. */
  cpuDetail: string | null;
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
    cpuDetail: cpuDetail(),
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

/**
 * A VM's CPU often names itself only "AMD EPYC" while the host under it differs (the platform notes' figures came
 * from an AVX-512 EPYC, this project's README figures from a family 25 model 1 EPYC with AVX2 only), and on a
 * software adapter those cores are what runs the "GPU" code: figures are comparable only on the same family,
 * model and extensions. Linux only; null where /proc/cpuinfo cannot be read.
 */
export function cpuDetail(cpuinfo?: string): string | null {
  let text = cpuinfo;
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return null;
    }
  }
  const field = (name: string) => new RegExp(`^${name}\\s*:\\s*(.*)$`, 'm').exec(text!)?.[1]?.trim();
  const flags = new Set((field('flags') ?? '').split(/\s+/));
  const family = field('cpu family');
  const model = field('model');
  if (family === undefined || model === undefined) return null;
  const vector = flags.has('avx512f') ? 'AVX-512' : flags.has('avx2') ? 'AVX2 (no AVX-512)' : flags.has('avx') ? 'AVX' : 'SSE';
  const fma = flags.has('fma') ? ', FMA' : '';
  const mhz = field('cpu MHz');
  return `family ${family} model ${model}, ${vector}${fma}${mhz ? `, ${Math.round(Number(mhz))} MHz reported` : ''}`;
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
