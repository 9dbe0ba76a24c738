// The stratified, seeded split: exact study totals on KTH's class sizes, proportional per class, stable across
// runs and listing orders, saved in the run folder and reloaded, and refusing data that no longer matches.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GraftError } from '../src/gpu/errors.ts';
import type { ImageFolder, ImageItem } from '../src/train/data/loader.ts';
import { listImageFolder } from '../src/train/data/loader.ts';
import { SPLIT_FILE, loadOrMakeSplit, makeSplit, splitSizes } from '../src/train/data/split.ts';
import { tempDir } from './helpers/data-images.ts';

const KTH_COUNTS = [105, 100, 97, 100, 100, 99, 83, 99, 83, 100, 89, 100, 98, 97, 80, 68, 62, 100, 77];

/** A listing without files (makeSplit only looks at paths and classes). */
function fakeFolder(counts: number[], root = '/data'): ImageFolder {
  const classes = counts.map((_, c) => `class${String(c).padStart(2, '0')}`);
  const items: ImageItem[] = [];
  counts.forEach((n, c) => {
    for (let i = 0; i < n; i++) items.push({ path: `${root}/${classes[c]}/${i}.jpg`, classIndex: c, className: classes[c], maskPath: null });
  });
  return { root, layout: 'flat', classes, items, skipped: [], orphanMasks: [] };
}

const paths = (items: ImageItem[]) => items.map((it) => it.path);

test("KTH's class sizes give exactly 1460 / 180 / 97, each class in proportion", () => {
  const folder = fakeFolder(KTH_COUNTS);
  const s = makeSplit(folder, { seed: 1 });
  assert.equal(splitSizes(s), { train: 1460, val: 180, test: 97 });
  KTH_COUNTS.forEach((n, c) => {
    const tr = s.train.filter((it) => it.classIndex === c).length;
    const va = s.val.filter((it) => it.classIndex === c).length;
    const te = s.test.filter((it) => it.classIndex === c).length;
    assert.is(tr + va + te, n);
    assert.ok(Math.abs(tr - (n * 1460) / 1737) < 1, `class ${c}: ${tr} train of ${n}`);
    assert.ok(Math.abs(va - (n * 180) / 1737) < 1, `class ${c}: ${va} validation of ${n}`);
  });
  const all = [...paths(s.train), ...paths(s.val), ...paths(s.test)];
  assert.is(new Set(all).size, 1737, 'every photo in exactly one split');
});

test('seeded and stable: same seed same split whatever the listing order; another seed differs', () => {
  const folder = fakeFolder([30, 41, 17]);
  const a = makeSplit(folder, { seed: 9 });
  const shuffled = { ...folder, items: [...folder.items].reverse() };
  const b = makeSplit(shuffled, { seed: 9 });
  assert.equal(paths(a.train), paths(b.train));
  assert.equal(paths(a.val), paths(b.val));
  assert.equal(paths(a.test), paths(b.test));
  const c = makeSplit(folder, { seed: 10 });
  assert.not.equal(paths(a.test), paths(c.test));
  assert.equal(splitSizes(a), splitSizes(c));
});

test('custom fractions, small classes, and bad fractions', () => {
  const s = makeSplit(fakeFolder([10, 10, 3]), { seed: 2, trainFraction: 0.6, valFraction: 0.2 });
  assert.equal(splitSizes(s), { train: 14, val: 5, test: 4 });
  assert.throws(() => makeSplit(fakeFolder([5, 5]), { seed: 1, trainFraction: 0.9, valFraction: 0.2 }), (e: Error) => e instanceof GraftError);
});

test('saved in the run folder and reloaded on rerun; a changed data set is refused', () => {
  const run = tempDir('graft-run-');
  try {
    const folder = fakeFolder([20, 25]);
    const first = loadOrMakeSplit(run, folder, { seed: 4 });
    assert.is(first.loaded, false);
    assert.ok(existsSync(join(run, SPLIT_FILE)));
    const saved = JSON.parse(readFileSync(join(run, SPLIT_FILE), 'utf8'));
    assert.is(saved.version, 1);
    assert.ok(saved.train.every((p: string) => !p.startsWith('/')), 'paths relative to the data root');
    // Rerun with another seed: the saved split wins, and the warning says so.
    const again = loadOrMakeSplit(run, folder, { seed: 5 });
    assert.is(again.loaded, true);
    assert.equal(paths(again.split.test), paths(first.split.test));
    assert.ok(/seed 4, which is kept/.test(again.warning!), again.warning!);
    // The data folder moved: relative paths still resolve.
    const moved = loadOrMakeSplit(run, fakeFolder([20, 25], '/elsewhere'), { seed: 4 });
    assert.equal(moved.split.test.map((it) => it.path.replace('/elsewhere', '/data')), paths(first.split.test));
    // A photo of the split vanished: refused.
    const fewer = { ...folder, items: folder.items.filter((it) => it.path !== first.split.test[0].path) };
    assert.throws(() => loadOrMakeSplit(run, fewer, { seed: 4 }), (e: Error) => e instanceof GraftError && /missing or unreadable/.test(e.message));
    // New photos: used split unchanged, reported.
    const more = fakeFolder([21, 25]);
    assert.ok(/1 photo is not in the saved split/.test(loadOrMakeSplit(run, more, { seed: 4 }).warning!));
    // Other classes: refused.
    assert.throws(() => loadOrMakeSplit(run, fakeFolder([20, 25, 3]), { seed: 4 }), (e: Error) => e instanceof GraftError && /classes/.test(e.message));
  } finally {
    rmSync(run, { recursive: true, force: true });
  }
});

const KTH = process.env.KTH_ANIMALS_DIR ?? resolve('../shared/data/kth-animals');

test('on the real KTH folder, when present: 1460 / 180 / 97', () => {
  if (!existsSync(KTH)) return;
  const s = makeSplit(listImageFolder(KTH, { kth: true }), { seed: 2017 });
  assert.equal(splitSizes(s), { train: 1460, val: 180, test: 97 });
});

test.run();
