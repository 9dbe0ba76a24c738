// The data side of a training run in one call: list the folder, decode and resize every photo once (the cache,
// saved in the run folder), leave out what failed, make or reload the split, and map each split onto cache
// indices. Everything the loader skipped, and anything odd about a reloaded split, comes back as ONE warning
// for the caller to print once.

import { join } from 'node:path';
import type { Gpu } from '../../gpu/device.ts';
import { buildImageCache, cacheIndex, type ImageCache } from './cache.ts';
import { dropFailed, listImageFolder, listingWarning, type ImageFolder } from './loader.ts';
import { loadOrMakeSplit, makeSplit, type Split } from './split.ts';

export interface PrepareOptions {
  dataDir: string;
  /** Run folder for split.json and the image cache; without one nothing is saved. */
  runDir?: string;
  /** Side of the square network input. */
  size: number;
  seed: number;
  /** Mention KTH-ANIMALS and where to download it in a missing-folder error. */
  kth?: boolean;
  trainFraction?: number;
  valFraction?: number;
  /** Cache file; default RUNDIR/images-<size>.cache; false for none. */
  cacheFile?: string | false;
  onProgress?: (done: number, total: number) => void;
}

export interface PreparedData {
  folder: ImageFolder;
  cache: ImageCache;
  split: Split;
  /** Indices into cache.items (and cache.pixels) of each split's photos. */
  indices: { train: number[]; val: number[]; test: number[] };
  /** One warning for the caller to print, or null. */
  warning: string | null;
  cacheLoaded: boolean;
  splitLoaded: boolean;
}

export async function prepareData(gpu: Gpu, o: PrepareOptions): Promise<PreparedData> {
  const listed = listImageFolder(o.dataDir, { kth: o.kth });
  const file = o.cacheFile === false ? undefined : (o.cacheFile ?? (o.runDir ? join(o.runDir, `images-${o.size}.cache`) : undefined));
  const built = await buildImageCache(gpu, listed.items, { size: o.size, root: listed.root, file, onProgress: o.onProgress });
  const folder = dropFailed(listed, built.failures);
  const splitOptions = { seed: o.seed, trainFraction: o.trainFraction, valFraction: o.valFraction };
  const made = o.runDir ? loadOrMakeSplit(o.runDir, folder, splitOptions) : { split: makeSplit(folder, splitOptions), loaded: false, warning: null };
  const index = cacheIndex(built.cache);
  const toIndices = (items: Split['train']) => items.map((it) => index.get(it.path)!);
  const warnings = [listingWarning(folder), made.warning].filter((w): w is string => !!w);
  return {
    folder,
    cache: built.cache,
    split: made.split,
    indices: { train: toIndices(made.split.train), val: toIndices(made.split.val), test: toIndices(made.split.test) },
    warning: warnings.length ? warnings.join('; ') : null,
    cacheLoaded: built.loaded,
    splitLoaded: made.loaded,
  };
}

/** Class labels of cached photos. */
export function labelsOf(cache: ImageCache, indices: readonly number[]): number[] {
  return indices.map((i) => cache.items[i].classIndex);
}
