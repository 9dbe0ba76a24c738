// @tensorflow/tfjs-backend-cpu: plain JavaScript kernels, one thread. Very slow on the big workloads (VGG19:
// about 25 s per image here), so the bench runs it only on the small ones unless --all or --only ask.

import * as tf from '@tensorflow/tfjs-core';
import type { Engine } from './engine.ts';
import { tfjsEngine } from './tfjs-common.ts';

export async function tfjsCpuEngine(): Promise<Engine> {
  const cpu = await import('@tensorflow/tfjs-backend-cpu');
  // The cpu backend prints a banner recommending tfjs-node on first use in Node; PROD only silences tfjs warnings.
  tf.env().set('PROD', true);
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs-backend-cpu did not initialise');
  return tfjsEngine({
    id: 'tfjs-cpu',
    label: `@tensorflow/tfjs-backend-cpu ${cpu.version_cpu}, JavaScript, 1 thread`,
    backend: 'cpu',
    polite: false,
    finish: async () => {},
  });
}
