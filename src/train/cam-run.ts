// Class activation maps of a trained run: the network split into its convolutional part (frozen base + tail,
// giving the last conv features the top model's GAP reads) and its head, run on photos in inference mode, and
// the maps made from the head's dense weights (src/kernels/cam.ts). Used by the training run (a CAM section in
// the report, scored against the KTH masks) and by `npm run cam`.

import { join } from 'node:path';
import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import type { Module, Sequential } from '../graph/index.ts';
import type { Preprocess } from '../kernels/image.ts';
import { camMaps } from '../kernels/cam.ts';
import { preprocessBatch } from './augment.ts';
import { writeFileAtomic } from './checkpoint-io.ts';
import { uploadCacheBatch, type ImageCache } from './data/cache.ts';
import type { ImageItem } from './data/loader.ts';
import { softmaxRows } from './fit.ts';
import { camGridPng, camLabel, camReportOf, scoreCamFiles, topKBatch, type CamScoreResult } from './cam.ts';
import { classWeightsOf } from './models/top-model.ts';
import type { CamReport } from './report.ts';
import { forwardNoGrad } from './sources.ts';
import { argmaxRows } from './metrics.ts';

/** A network whose head is GAP + dense: the CAM is exact for it. */
export interface CamNetwork {
  /** Preprocessed images (N, S, S, 3) -> last conv features (N, h, w, C). */
  convolutional: Module[];
  /** The top model (gap, dropout, predictions). */
  top: Sequential;
  preprocess: Preprocess;
}

export interface CamBatch {
  /** (N, k, h, w) low-resolution maps, or (N, h, w) when k = 1. */
  maps: GpuTensor;
  /** (N, classes) probabilities. */
  probs: Float32Array;
  /** (N, k) class index of each map. */
  classes: Int32Array;
}

/** CAMs of one batch of preprocessed images (released): for the `k` most probable classes, or for `forced`. */
export async function camBatch(gpu: Gpu, net: CamNetwork, images: GpuTensor, k = 1, forced?: number): Promise<CamBatch> {
  let x = images;
  for (const m of net.convolutional) x = await forwardNoGrad(gpu, m, x);
  const features = x; // (N, h, w, C)
  const logits = await forwardNoGrad(gpu, net.top, features.clone());
  const n = features.shape[0];
  const numClasses = logits.shape[1];
  const probs = softmaxRows((await logits.read()) as Float32Array, numClasses);
  logits.release();
  const chosen = forced === undefined ? topKBatch(probs, n, k) : new Int32Array(n * k).fill(forced);
  const idx = GpuTensor.from(gpu, k === 1 ? [n] : [n, k], chosen, 'i32', 'cam.classes');
  const maps = camMaps(gpu, features, classWeightsOf(net.top).weight.value, idx);
  idx.release();
  features.release();
  return { maps, probs, classes: chosen };
}

/**
 * Scores the predicted class's CAM of every photo of a split against its mask (and the centred-blob baseline),
 * writes a grid of the first `gridTiles` overlays to RUNDIR/cam-grid.png, and returns the report section.
 * `onProgress` hears of each batch of photos whose maps are computed (done of total).
 */
export async function camScoresForSplit(
  gpu: Gpu,
  net: CamNetwork,
  cache: ImageCache,
  indices: readonly number[],
  classNames: readonly string[],
  runDir: string,
  batch: number,
  { gridTiles = 16, onProgress }: { gridTiles?: number; onProgress?: (done: number, total: number) => void } = {},
): Promise<{ report: CamReport; result: CamScoreResult }> {
  const items: ImageItem[] = indices.map((i) => cache.items[i]);
  let all: GpuTensor | null = null;
  const labels: string[] = [];
  for (let b = 0; b < indices.length; b += batch) {
    const part = indices.slice(b, b + batch);
    const packed = uploadCacheBatch(gpu, cache, part);
    const images = preprocessBatch(gpu, packed, net.preprocess);
    packed.data.release();
    const { maps, probs } = await camBatch(gpu, net, images);
    const [, h, w] = maps.shape;
    all ??= GpuTensor.empty(gpu, [indices.length, h, w], 'f32', 'cam.maps');
    gpu.batcher.copy(maps.buffer, 0, all.buffer, b * h * w * 4, maps.byteLength);
    maps.release();
    const predicted = argmaxRows(probs, classNames.length);
    predicted.forEach((c, i) => labels.push(camLabel(classNames[c], probs[i * classNames.length + c])));
    onProgress?.(b + part.length, indices.length);
  }
  if (!all) throw new Error('CAM scores: empty split');
  const result = await scoreCamFiles(gpu, all, items, classNames, { gridTiles, labels });
  all.release();
  const gridFile = 'cam-grid.png';
  writeFileAtomic(join(runDir, gridFile), camGridPng(result.tiles, 4));
  return { report: camReportOf(result, gridFile), result };
}
