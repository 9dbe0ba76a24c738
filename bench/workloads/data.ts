// The shared random data of each workload, generated once per run from a seed derived from the workload's id,
// so every engine gets the same input, weights, labels and upstream gradient (each lays them out its own way).
// Conv weights are He-normal (std sqrt(2 / fan-in)) and inputs are of order 1, so activations stay of order 1
// through VGG19's 16 ReLU convolutions and the output comparison means something.

import { Rng } from '../../src/util/rng.ts';
import { convOutput } from './flops.ts';
import type { ConvLayer, ConvWeights, Workload, WorkloadData } from './types.ts';

function seedOf(id: string): number {
  let h = 0x811c9dc5; // FNV-1a
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

function normal(rng: Rng, n: number, std: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.normal() * std;
  return out;
}

function convWeights(rng: Rng, c: ConvLayer): ConvWeights {
  const fanIn = c.k * c.k * c.cin;
  return { w: normal(rng, c.k * c.k * c.cin * c.cout, Math.sqrt(2 / fanIn)), b: rng.uniformArray(c.cout, -0.05, 0.05) };
}

export function makeData(wl: Workload): WorkloadData {
  const rng = new Rng(seedOf(wl.id));
  const [H, W, C] = wl.input;
  const perStep = wl.batch * H * W * C;
  if (wl.kind === 'forward') {
    return {
      inputs: [rng.uniformArray(perStep, -1, 1)],
      convs: wl.layers.filter((l) => l.kind === 'conv').map((l) => convWeights(rng, l as ConvLayer)),
    };
  }
  if (wl.kind === 'convGrad') {
    const [oh, ow] = convOutput(H, W, wl.conv);
    return {
      inputs: [rng.uniformArray(perStep, -1, 1)],
      convs: [convWeights(rng, wl.conv)],
      dy: rng.uniformArray(wl.batch * oh * ow * wl.conv.cout, -1, 1),
    };
  }
  const convs = wl.layers.filter((l) => l.kind === 'conv').map((l) => convWeights(rng, l as ConvLayer));
  const lastConv = [...wl.layers].reverse().find((l) => l.kind === 'conv') as ConvLayer | undefined;
  const features = lastConv ? lastConv.cout : C;
  const limit = Math.sqrt(6 / (features + wl.classes)); // Glorot uniform, as Keras's Dense
  const inputs: Float32Array[] = [];
  const labels: Int32Array[] = [];
  for (let s = 0; s < wl.steps; s++) {
    // Inputs are post-ReLU, pooled feature maps (block4's output, or cached bottleneck features): non-negative.
    inputs.push(rng.uniformArray(perStep, 0, 1));
    labels.push(Int32Array.from({ length: wl.batch }, () => rng.int(wl.classes)));
  }
  return {
    inputs,
    convs,
    dense: { w: rng.uniformArray(features * wl.classes, -limit, limit), b: rng.uniformArray(wl.classes, -0.05, 0.05) },
    labels,
  };
}
