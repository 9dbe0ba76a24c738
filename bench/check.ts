// The cross-check run before any timing: each engine's outputs on the shared input and weights against graft's.
// The error of one output is max |theirs - ours| / max |ours| (relative to the output's scale, so it reads the
// same for a logit and for a 224x224x64 activation map); trained weights are compared by their change over the
// run (after - before), since the weights themselves hardly move in one SGD step. NaN or a missing output fails.

import type { Outputs } from './peers/engine.ts';
import type { Workload, WorkloadData } from './workloads/types.ts';

/** Tolerance per output: float32 engines summing in different orders agree to ~1e-5 here; these leave margin. */
const TOLERANCE: Record<string, number> = {
  y: 2e-3,
  dx: 2e-3,
  dw: 2e-3,
  logits0: 2e-3,
  loss: 2e-3,
  'conv0.w': 1e-2,
  'dense.w': 1e-2,
};

export interface CheckResult {
  ok: boolean;
  /** The largest error relative to its tolerance's output, and which output. */
  worst: number;
  worstKey: string;
  detail: string;
}

export function relativeError(theirs: ArrayLike<number>, ours: ArrayLike<number>): number {
  if (theirs.length !== ours.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < ours.length; i++) {
    const d = Math.abs(theirs[i] - ours[i]);
    if (!(d <= diff)) diff = Number.isNaN(d) ? Infinity : d; // NaN anywhere fails
    scale = Math.max(scale, Math.abs(ours[i]));
  }
  return diff === 0 ? 0 : diff / Math.max(scale, 1e-30);
}

/** Initial values of trained weights, to compare their change. */
function initialOf(key: string, data: WorkloadData): Float32Array | undefined {
  if (key === 'conv0.w') return data.convs[0]?.w;
  if (key === 'dense.w') return data.dense?.w;
  return undefined;
}

function delta(after: Float32Array, before: Float32Array): Float32Array {
  const out = new Float32Array(after.length);
  for (let i = 0; i < after.length; i++) out[i] = after[i] - before[i];
  return out;
}

/** Outputs an engine must give for a workload (forward-only engines: the forward outputs alone). */
export function expectedKeys(w: Workload, forwardOnly: boolean): string[] {
  if (w.kind === 'forward') return ['y'];
  if (w.kind === 'convGrad') return ['dx', 'dw'];
  if (forwardOnly) return ['logits0'];
  return ['logits0', 'loss', ...(w.layers.some((l) => l.kind === 'conv') ? ['conv0.w'] : []), 'dense.w'];
}

export function compareOutputs(
  w: Workload, data: WorkloadData, ours: Outputs, theirs: Outputs, forwardOnly: boolean, tolerance?: number,
): CheckResult {
  let worst = 0;
  let worstKey = '';
  let ok = true;
  const parts: string[] = [];
  for (const key of expectedKeys(w, forwardOnly)) {
    const a = theirs[key];
    const b = ours[key];
    if (!a || !b) {
      ok = false;
      parts.push(`${key}: missing`);
      continue;
    }
    const before = initialOf(key, data);
    const err = before ? relativeError(delta(a, before), delta(b, before)) : relativeError(a, b);
    const tol = tolerance ?? TOLERANCE[key] ?? 2e-3;
    if (!(err <= tol)) ok = false;
    if (!(err <= worst)) {
      worst = err;
      worstKey = key;
    }
    parts.push(`${before ? 'Δ' : ''}${key} ${err.toExponential(1)}${err <= tol ? '' : ` > ${tol}`}`);
  }
  return { ok, worst, worstKey, detail: parts.join(', ') };
}
