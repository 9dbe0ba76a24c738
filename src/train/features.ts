// Bottleneck features: a frozen module run once over a split (augmented copies for training, plain for
// validation and test), kept in CPU memory and cached on disk so a rerun loads them instead of recomputing.
//
// The cache key covers everything that changes the numbers: the weights' id, the exact file list of the split,
// the input size, the preprocessing, the augmentation seed and the number of copies, and which part of the
// network produced them. A file whose key differs is recomputed, never trusted.

import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { Gpu } from '../gpu/device.ts';
import type { Module } from '../graph/index.ts';
import { numel } from '../gpu/tensor.ts';
import { readSafetensors, writeSafetensors } from '../onnx/safetensors.ts';
import { typedValues } from '../onnx/tensor.ts';
import { Rng } from '../util/rng.ts';
import type { ExampleSource } from './fit.ts';
import { progressBar } from './progress.ts';
import { forwardNoGrad, type FeatureStore } from './sources.ts';

export interface FeatureJob {
  /** "stage 2 train features" for progress lines. */
  title: string;
  module: Module;
  source: ExampleSource;
  /** Number of versions per example: 1 for plain splits; augmented copies for training. */
  copies: number;
  /** Seed of the augmentation draws (each copy uses its own stream); null for plain inputs. */
  augmentSeed: number | null;
  batch: number;
  /** Everything else the numbers depend on (weights id, file list, input size, preprocessing, layer range). */
  keyParts: unknown[];
  /** Cache file; none when undefined. */
  file?: string;
}

export function featureKey(job: Pick<FeatureJob, 'keyParts' | 'copies' | 'augmentSeed'>): string {
  return createHash('sha256').update(JSON.stringify([job.keyParts, job.copies, job.augmentSeed])).digest('hex');
}

/** Computes (or loads from the cache) the module's outputs for every example of the source. */
export async function extractFeatures(gpu: Gpu, job: FeatureJob): Promise<FeatureStore & { loaded: boolean }> {
  const key = featureKey(job);
  if (job.file && existsSync(job.file)) {
    try {
      const st = readSafetensors(job.file);
      if (st.metadata.key === key) {
        const shape = JSON.parse(st.metadata.shape) as number[];
        const copies = [...Array(job.copies).keys()].map((k) => Float32Array.from(typedValues(st.tensors.get(`copy${k}`)!) as Float32Array));
        process.stderr.write(`${job.title}: loaded from ${job.file}\n`);
        return { shape, copies, labels: [...job.source.labels], loaded: true };
      }
    } catch {
      // An unreadable or foreign cache file is recomputed below and replaced.
    }
  }
  const copies: Float32Array[] = [];
  let shape: number[] = [];
  const total = job.copies * Math.ceil(job.source.size / job.batch);
  const bar = progressBar(job.title, total);
  let done = 0;
  for (let k = 0; k < job.copies; k++) {
    const rng = job.augmentSeed === null ? undefined : new Rng(job.augmentSeed + 7919 * k);
    let out: Float32Array | null = null;
    for (let b = 0; b < job.source.size; b += job.batch) {
      const indices = [...Array(Math.min(job.batch, job.source.size - b)).keys()].map((i) => b + i);
      const y = await forwardNoGrad(gpu, job.module, await job.source.inputs(indices, rng));
      const values = (await y.read()) as Float32Array;
      shape = [...y.shape.slice(1)];
      out ??= new Float32Array(job.source.size * numel(shape));
      out.set(values, b * numel(shape));
      y.release();
      bar.update(++done);
    }
    copies.push(out ?? new Float32Array(0));
  }
  bar.stop(`${job.copies} x ${job.source.size} examples -> [${shape.join(',')}] each`);
  if (job.file) {
    writeSafetensors(
      job.file,
      copies.map((data, k) => ({ name: `copy${k}`, dtype: 'float32' as const, shape: [job.source.size, ...shape], data })),
      { format: 'graft-features/1', key, shape: JSON.stringify(shape) },
    );
  }
  return { shape, copies, labels: [...job.source.labels], loaded: false };
}
