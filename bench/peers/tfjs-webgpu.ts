// @tensorflow/tfjs-backend-webgpu on graft's own Dawn instance, so it runs on the very adapter graft uses.
// Two engines from one backend: as shipped (Dawn's Node binding busy-polls a core while tfjs waits for the GPU,
// which on a software adapter is a core taken from the driver's workers), and under the polite waiting policy
// graft uses on software adapters (withPoliteWaits around each run), so the table separates kernel speed from
// scheduling.
//
// tfjs-webgpu registers itself at import time only if navigator.gpu exists, and Node 20 has no navigator:
// setup() installs Dawn's GPU object there first, then imports the backend.

import * as tf from '@tensorflow/tfjs-core';
import { dawnGpu } from '../../src/gpu/device.ts';
import { packageVersion } from '../environment.ts';
import type { Engine } from './engine.ts';
import { tfjsEngine } from './tfjs-common.ts';

interface WebGpuBackendLike {
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  device: GPUDevice;
  adapterInfo?: { vendor?: string; architecture?: string; description?: string };
}

async function finish(): Promise<void> {
  const backend = tf.backend() as unknown as WebGpuBackendLike;
  // What tfjs itself does before a read: an encoder to finish (submitQueue throws on none), its pass ended.
  backend.ensureCommandEncoderReady();
  backend.endComputePassEncoder();
  backend.submitQueue();
  await backend.device.queue.onSubmittedWorkDone();
}

/** Installs navigator.gpu (graft's Dawn instance), imports the backend and checks it initialises. */
export async function setupTfjsWebgpu(): Promise<{ version: string; adapter: string }> {
  const g = globalThis as unknown as { navigator?: { gpu?: GPU } };
  if (!g.navigator) Object.defineProperty(globalThis, 'navigator', { value: {}, configurable: true, writable: true });
  g.navigator!.gpu = dawnGpu();
  await import('@tensorflow/tfjs-backend-webgpu');
  if (!(await tf.setBackend('webgpu'))) throw new Error('tfjs-backend-webgpu did not initialise on the Dawn adapter');
  const info = (tf.backend() as unknown as WebGpuBackendLike).adapterInfo;
  const adapter = [info?.vendor, info?.architecture, info?.description].filter(Boolean).join(' ');
  return { version: packageVersion('@tensorflow/tfjs-backend-webgpu'), adapter };
}

export function tfjsWebgpuEngines(version: string, adapter: string): Engine[] {
  const base = `@tensorflow/tfjs-backend-webgpu ${version} (adapter: ${adapter || 'unknown'})`;
  return [
    tfjsEngine({ id: 'tfjs-webgpu', label: `${base}, waits as shipped (busy-poll)`, backend: 'webgpu', polite: false, finish }),
    tfjsEngine({ id: 'tfjs-webgpu-polite', label: `${base}, under polite waits (graft's on software adapters)`, backend: 'webgpu', polite: true, finish }),
  ];
}
