// The seeded, stratified train/validation/test split, saved in the run folder so every stage and every rerun
// uses the same photos for the same purpose.
//
// Proportions default to the study's: 1460 train and 180 validation out of KTH's 1737 photos, the rest test.
// Totals are the rounded fractions of the whole set; each class gets its share by largest-remainder rounding
// (per-class quotas n_c * total / N, floors first, then one more to the classes with the largest fractional
// parts), so on KTH the totals are exactly 1460 / 180 / 97 and every class is represented in proportion.
// Within a class, photos are sorted by path and shuffled with the seeded Rng, so the split depends only on the
// file names, the seed and the fractions, not on the order the file system lists them.

import { existsSync, readFileSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { GraftError } from '../../gpu/errors.ts';
import { Rng } from '../../util/rng.ts';
import { writeFileAtomic } from '../checkpoint-io.ts';
import type { ImageFolder, ImageItem } from './loader.ts';

/** The study's proportions: 1460 train and 180 validation of 1737 photos (the rest, 97, test). */
export const STUDY_TRAIN_FRACTION = 1460 / 1737;
export const STUDY_VAL_FRACTION = 180 / 1737;

export const SPLIT_FILE = 'split.json';

export interface SplitOptions {
  seed: number;
  /** Default STUDY_TRAIN_FRACTION. */
  trainFraction?: number;
  /** Default STUDY_VAL_FRACTION. */
  valFraction?: number;
}

export interface Split {
  seed: number;
  trainFraction: number;
  valFraction: number;
  classes: string[];
  train: ImageItem[];
  val: ImageItem[];
  test: ImageItem[];
}

/** What split.json holds: paths relative to the data root, '/'-separated, so the data folder can move. */
export interface SplitFile {
  version: 1;
  seed: number;
  trainFraction: number;
  valFraction: number;
  classes: string[];
  train: string[];
  val: string[];
  test: string[];
}

/** Splits a listing. Deterministic in (file names, seed, fractions). */
export function makeSplit(folder: ImageFolder, options: SplitOptions): Split {
  const trainFraction = options.trainFraction ?? STUDY_TRAIN_FRACTION;
  const valFraction = options.valFraction ?? STUDY_VAL_FRACTION;
  if (!(trainFraction > 0 && valFraction >= 0 && trainFraction + valFraction <= 1)) {
    throw new GraftError(`split: fractions train ${trainFraction}, validation ${valFraction} must be > 0, >= 0 and sum to at most 1`);
  }
  const byClass = folder.classes.map((_, c) =>
    folder.items.filter((it) => it.classIndex === c).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  );
  const sizes = byClass.map((list) => list.length);
  const n = sizes.reduce((a, b) => a + b, 0);
  const trainCounts = largestRemainder(sizes, Math.round(n * trainFraction), sizes);
  const room = sizes.map((s, c) => s - trainCounts[c]);
  const valCounts = largestRemainder(sizes, Math.round(n * valFraction), room);

  const rng = new Rng(options.seed);
  const split: Split = { seed: options.seed, trainFraction, valFraction, classes: [...folder.classes], train: [], val: [], test: [] };
  byClass.forEach((list, c) => {
    const shuffled = rng.shuffle([...list]);
    split.train.push(...shuffled.slice(0, trainCounts[c]));
    split.val.push(...shuffled.slice(trainCounts[c], trainCounts[c] + valCounts[c]));
    split.test.push(...shuffled.slice(trainCounts[c] + valCounts[c]));
  });
  return split;
}

/**
 * Integer counts per class summing to `total`, each at most `cap[c]`: quotas sizes[c] * total / sum(sizes),
 * floors first, the remainder handed out by largest fractional part (ties to the lower class index).
 */
function largestRemainder(sizes: number[], total: number, cap: number[]): number[] {
  const sum = sizes.reduce((a, b) => a + b, 0);
  const quotas = sizes.map((s) => (sum > 0 ? (s * total) / sum : 0));
  const counts = quotas.map((q, c) => Math.min(Math.floor(q + 1e-9), cap[c]));
  let left = total - counts.reduce((a, b) => a + b, 0);
  const order = quotas.map((q, c) => ({ c, frac: q - Math.floor(q + 1e-9) })).sort((a, b) => b.frac - a.frac || a.c - b.c);
  // Several passes only when capacity stops a class from taking its extra one.
  while (left > 0) {
    let gave = false;
    for (const { c } of order) {
      if (left === 0) break;
      if (counts[c] < cap[c]) {
        counts[c]++;
        left--;
        gave = true;
      }
    }
    if (!gave) break;
  }
  return counts;
}

/** Sizes of each split, for reports. */
export function splitSizes(split: Split): { train: number; val: number; test: number } {
  return { train: split.train.length, val: split.val.length, test: split.test.length };
}

/** The JSON form of a split (paths relative to the data root). */
export function splitToFile(split: Split, root: string): SplitFile {
  const rel = (items: ImageItem[]) => items.map((it) => relative(root, it.path).split(sep).join('/'));
  return {
    version: 1,
    seed: split.seed,
    trainFraction: split.trainFraction,
    valFraction: split.valFraction,
    classes: split.classes,
    train: rel(split.train),
    val: rel(split.val),
    test: rel(split.test),
  };
}

/** Rebuilds a split from its JSON form against the current listing; throws if the data no longer matches. */
export function splitFromFile(file: SplitFile, folder: ImageFolder, where = SPLIT_FILE): Split {
  if (file.version !== 1) throw new GraftError(`${where}: unknown split file version ${String(file.version)}`);
  if (file.classes.join('\n') !== folder.classes.join('\n')) {
    throw new GraftError(
      `${where}: the saved split has classes [${file.classes.join(', ')}] but ${folder.root} has [${folder.classes.join(', ')}]. ` +
        'Use the data folder the run was made with, or start a new run folder.',
    );
  }
  const byPath = new Map(folder.items.map((it) => [relative(folder.root, it.path).split(sep).join('/'), it]));
  const missing: string[] = [];
  const take = (paths: string[]) =>
    paths.flatMap((p) => {
      const it = byPath.get(p);
      if (!it) missing.push(p);
      return it ? [it] : [];
    });
  const split: Split = {
    seed: file.seed,
    trainFraction: file.trainFraction,
    valFraction: file.valFraction,
    classes: [...file.classes],
    train: take(file.train),
    val: take(file.val),
    test: take(file.test),
  };
  if (missing.length) {
    throw new GraftError(
      `${where}: ${missing.length} photo${missing.length === 1 ? '' : 's'} of the saved split ${missing.length === 1 ? 'is' : 'are'} ` +
        `missing or unreadable in ${folder.root} (${missing.slice(0, 5).join(', ')}${missing.length > 5 ? ', ...' : ''}). ` +
        'Use the data folder the run was made with, or start a new run folder.',
    );
  }
  return split;
}

export interface RunSplit {
  split: Split;
  /** True when split.json was read from the run folder rather than made now. */
  loaded: boolean;
  /** A warning when the listing has photos the saved split does not know (they are left out), else null. */
  warning: string | null;
}

/**
 * The run's split: RUNDIR/split.json if it exists (the seed and fractions given are then ignored, and a
 * different seed is reported in the warning), otherwise made now and saved there atomically.
 */
export function loadOrMakeSplit(runDir: string, folder: ImageFolder, options: SplitOptions): RunSplit {
  const path = join(resolve(runDir), SPLIT_FILE);
  if (existsSync(path)) {
    let file: SplitFile;
    try {
      file = JSON.parse(readFileSync(path, 'utf8')) as SplitFile;
    } catch (err) {
      throw new GraftError(`${path}: not a readable split file (${(err as Error).message}); remove it to make a new split`);
    }
    const split = splitFromFile(file, folder, path);
    const known = new Set([...file.train, ...file.val, ...file.test]);
    const extra = folder.items.filter((it) => !known.has(relative(folder.root, it.path).split(sep).join('/')));
    const notes: string[] = [];
    if (extra.length) notes.push(`${extra.length} photo${extra.length === 1 ? ' is' : 's are'} not in the saved split and left out`);
    if (file.seed !== options.seed) notes.push(`the saved split was made with seed ${file.seed}, which is kept (seed ${options.seed} ignored)`);
    return { split, loaded: true, warning: notes.length ? `${path}: ${notes.join('; ')}` : null };
  }
  const split = makeSplit(folder, options);
  writeFileAtomic(path, JSON.stringify(splitToFile(split, folder.root), null, 1) + '\n');
  return { split, loaded: false, warning: null };
}
