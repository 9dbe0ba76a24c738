// Training checkpoints: the model's parameters, the optimizer's state and the loop's own state (epoch, RNG
// states, history, early-stopping counters) in one safetensors file, written to a temporary file and renamed
// into place, so a run killed at any moment leaves either the previous checkpoint or the new one, never half.
//
// Tensor names: `model/<parameter name>`, `optim/<parameter name>/<slot>`; the loop state is the JSON string
// `__metadata__.state`.

import { existsSync } from 'node:fs';
import type { Module, Optimizer, OptimizerState, StateDict } from '../graph/index.ts';
import { readSafetensors, writeSafetensors, type SafetensorsEntry } from '../onnx/safetensors.ts';
import { typedValues } from '../onnx/tensor.ts';
import { GraftError } from '../gpu/errors.ts';

export interface LoopState {
  /** Epochs completed. */
  epoch: number;
  /** The loop's Rng state (shuffles, augmentation) after `epoch` epochs. */
  rng: number;
  /** Dropout mask generators' states by module path. */
  dropout: Record<string, number>;
  history: import('./plot.ts').EpochRecord[];
  bestEpoch: number;
  bestValLoss: number;
  badEpochs: number;
  /** Seconds of training (not evaluation) per completed epoch. */
  epochSeconds: number[];
  done: boolean;
}

export async function saveCheckpoint(path: string, model: Module, optimizer: Optimizer, state: LoopState): Promise<void> {
  const entries: SafetensorsEntry[] = [];
  const weights = await model.stateDict();
  for (const [name, t] of Object.entries(weights)) entries.push({ name: `model/${name}`, dtype: 'float32', shape: [...t.shape], data: t.data });
  const opt = await optimizer.stateDict();
  for (const [name, t] of Object.entries(opt.slots)) entries.push({ name: `optim/${name}`, dtype: 'float32', shape: [...t.shape], data: t.data });
  writeSafetensors(path, entries, {
    format: 'graft-checkpoint/1',
    state: JSON.stringify(state),
    optimizer: JSON.stringify({ kind: opt.kind, step: opt.step }),
  });
}

export interface LoadedCheckpoint {
  weights: StateDict;
  optimizer: OptimizerState;
  state: LoopState;
}

export function loadCheckpoint(path: string): LoadedCheckpoint {
  if (!existsSync(path)) throw new GraftError(`no checkpoint at ${path}`);
  const st = readSafetensors(path);
  if (st.metadata.format !== 'graft-checkpoint/1') throw new GraftError(`${path}: not a graft checkpoint`);
  const weights: StateDict = {};
  const opt = JSON.parse(st.metadata.optimizer) as { kind: string; step: number };
  const optimizer: OptimizerState = { kind: opt.kind, step: opt.step, slots: {} };
  for (const [name, t] of st.tensors) {
    const data = Float32Array.from(typedValues(t) as Float32Array);
    if (name.startsWith('model/')) weights[name.slice(6)] = { shape: t.dims, data };
    else if (name.startsWith('optim/')) optimizer.slots[name.slice(6)] = { shape: t.dims, data };
  }
  return { weights, optimizer, state: JSON.parse(st.metadata.state) as LoopState };
}

/** Saves only the weights (best epoch, final model) in the same format, without optimizer state. */
export async function saveWeights(path: string, model: Module, metadata: Record<string, string> = {}): Promise<void> {
  const weights = await model.stateDict();
  writeSafetensors(
    path,
    Object.entries(weights).map(([name, t]) => ({ name: `model/${name}`, dtype: 'float32' as const, shape: [...t.shape], data: t.data })),
    { format: 'graft-weights/1', ...metadata },
  );
}

export function loadWeights(path: string): { weights: StateDict; metadata: Record<string, string> } {
  if (!existsSync(path)) throw new GraftError(`no weights file at ${path}`);
  const st = readSafetensors(path);
  const weights: StateDict = {};
  for (const [name, t] of st.tensors) {
    if (name.startsWith('model/')) weights[name.slice(6)] = { shape: t.dims, data: Float32Array.from(typedValues(t) as Float32Array) };
  }
  return { weights, metadata: st.metadata };
}
