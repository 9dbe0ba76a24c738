// @tensorflow/tfjs-backend-wasm with SIMD. In Node its multithreading is switched off as shipped (tfjs issue
// #3830), so it runs on one thread: the label says how many it got. Version 4.22 has no Conv2DBackpropFilter
// kernel, so workloads that train a convolution are reported as unsupported for it.

import * as tf from '@tensorflow/tfjs-core';
import type { Engine } from './engine.ts';
import { tfjsEngine } from './tfjs-common.ts';

export async function tfjsWasmEngine(): Promise<Engine> {
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs-backend-wasm did not initialise');
  const simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  const threads = wasm.getThreadsCount();
  return tfjsEngine({
    id: 'tfjs-wasm',
    label: `@tensorflow/tfjs-backend-wasm ${wasm.version_wasm}, ${simd ? 'SIMD' : 'no SIMD'}, ${threads} thread${threads === 1 ? '' : 's'}`,
    backend: 'wasm',
    polite: false,
    finish: async () => {},
  });
}
