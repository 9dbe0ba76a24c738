// The GPU bilinear resize (shaders/resize_bilinear.wgsl) against TensorFlow's half-pixel resize in float64,
// and the decoded-photo cache: built from files (a corrupt one left out), saved, reloaded, rebuilt when stale.
//
// The resize rounds to uint8; float32 on the GPU and float64 on the CPU may round a value lying within ~1e-3
// of x.5 differently, so such values may differ by one (and only such values; at most 1% of them).

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { testGpu } from './helpers/gpu.ts';
import { Rng } from '../src/util/rng.ts';
import { readImagesU8, resizeBilinearU8, uploadImagesU8 } from '../src/kernels/image.ts';
import { buildImageCache, cacheBatch, imageCacheKey } from '../src/train/data/cache.ts';
import { decodeImageFile } from '../src/train/data/decode.ts';
import { dropFailed, listImageFolder, listingWarning } from '../src/train/data/loader.ts';
import { prepareData, labelsOf } from '../src/train/data/prepare.ts';
import { resizeBilinear } from './reference/augment.ts';
import { jpegBytes, pngBytes, put, tempDir } from './helpers/data-images.ts';

function compareResize(got: Uint8Array, ref: { out: Uint8Array; exact: Float64Array }, what: string): number {
  let boundary = 0;
  const bad: string[] = [];
  for (let i = 0; i < ref.out.length; i++) {
    if (got[i] === ref.out[i]) continue;
    const frac = ref.exact[i] - Math.floor(ref.exact[i]);
    if (Math.abs(got[i] - ref.out[i]) === 1 && Math.abs(frac - 0.5) < 1e-3) boundary++;
    else if (bad.length < 5) bad.push(`[${i}] got ${got[i]}, want ${ref.out[i]} (${ref.exact[i]})`);
  }
  assert.is(bad.length, 0, `${what}: ${bad.join('; ')}`);
  assert.ok(boundary <= Math.ceil(ref.out.length / 100), `${what}: ${boundary} values rounded apart at x.5`);
  return boundary;
}

test('GPU bilinear resize matches the half-pixel reference: shrink, enlarge, odd sizes, batches', async () => {
  const gpu = await testGpu();
  const rng = new Rng(21);
  let boundary = 0;
  for (const [n, h, w, oh, ow] of [
    [1, 37, 53, 16, 16],
    [2, 10, 7, 23, 31],
    [3, 5, 5, 5, 5],
    [1, 288, 384, 64, 64],
    [2, 9, 13, 1, 3],
  ]) {
    const bytes = new Uint8Array(n * h * w * 3);
    for (let i = 0; i < bytes.length; i++) bytes[i] = rng.int(256);
    const src = uploadImagesU8(gpu, bytes, [n, h, w, 3]);
    const out = resizeBilinearU8(gpu, src, oh, ow);
    assert.equal(out.shape, [n, oh, ow, 3]);
    const got = await readImagesU8(out);
    for (let i = 0; i < n; i++) {
      const ref = resizeBilinear(bytes.subarray(i * h * w * 3, (i + 1) * h * w * 3), h, w, oh, ow);
      boundary += compareResize(got.subarray(i * oh * ow * 3, (i + 1) * oh * ow * 3), ref, `resize ${h}x${w} -> ${oh}x${ow} image ${i}`);
    }
    if (h === oh && w === ow) assert.equal(Array.from(got), Array.from(bytes), 'same size is the identity');
    src.data.release();
    out.data.release();
  }
  if (boundary) console.log(`  (resize: ${boundary} values rounded apart at x.5, allowed)`);
});

test('cache: decode once, resize, corrupt photo left out, saved and reloaded, rebuilt when stale', async () => {
  const gpu = await testGpu();
  const root = tempDir();
  const run = tempDir('graft-run-');
  try {
    put(join(root, 'a', '1.jpg'), jpegBytes(40, 30, 1));
    put(join(root, 'a', '2.png'), pngBytes(25, 33, 2));
    put(join(root, 'a', '3.jpg'), jpegBytes(40, 30, 3).subarray(0, 200));
    put(join(root, 'b', '1.jpg'), jpegBytes(31, 47, 4));
    const folder = listImageFolder(root);
    const file = join(run, 'images-24.cache');
    let calls = 0;
    const built = await buildImageCache(gpu, folder.items, { size: 24, root, file, onProgress: () => calls++ });
    assert.is(built.loaded, false);
    assert.is(calls, 4);
    assert.equal(built.failures.map((f) => f.path.slice(root.length + 1)), [join('a', '3.jpg')]);
    assert.ok(/cannot decode JPEG/.test(built.failures[0].reason));
    const cache = built.cache;
    assert.is(cache.items.length, 3);
    assert.is(cache.pixels.length, 3 * 24 * 24 * 3);
    // Each cached photo is the reference resize of its decoded pixels.
    cache.items.forEach((it, i) => {
      const img = decodeImageFile(it.path);
      const ref = resizeBilinear(img.data, img.height, img.width, 24, 24);
      compareResize(cache.pixels.subarray(i * 24 * 24 * 3, (i + 1) * 24 * 24 * 3), ref, it.path);
    });
    const warning = listingWarning(dropFailed(folder, built.failures))!;
    assert.ok(warning.includes(join('a', '3.jpg')), warning);
    assert.equal(Array.from(cacheBatch(cache, [2, 0])), [...cache.pixels.subarray(2 * 1728, 3 * 1728), ...cache.pixels.subarray(0, 1728)]);

    const again = await buildImageCache(gpu, folder.items, { size: 24, root, file });
    assert.is(again.loaded, true);
    assert.equal(Array.from(again.cache.pixels), Array.from(cache.pixels));
    assert.equal(again.cache.items.map((it) => it.path), cache.items.map((it) => it.path));
    assert.equal(again.failures.map((f) => f.path), built.failures.map((f) => f.path));

    // Another size or another file list: another key, and a stale file is rebuilt rather than trusted.
    assert.is.not(imageCacheKey(folder.items, 32, root), cache.key);
    assert.is.not(imageCacheKey(folder.items.slice(1), 24, root), cache.key);
    const fewer = await buildImageCache(gpu, folder.items.slice(1), { size: 24, root, file });
    assert.is(fewer.loaded, false);
    assert.is(fewer.cache.items.length, 2);
    assert.ok(statSync(file).size > 2 * 1728);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(run, { recursive: true, force: true });
  }
});

test('prepareData: list, cache, split and indices in one call; a rerun reloads both; one warning', async () => {
  const gpu = await testGpu();
  const root = tempDir();
  const run = tempDir('graft-run-');
  try {
    for (const c of ['cat', 'dog', 'eel']) for (let i = 0; i < 7; i++) put(join(root, c, `${i}.jpg`), jpegBytes(20 + i, 16, i + c.length));
    put(join(root, 'dog', 'broken.jpg'), jpegBytes(20, 16, 1).subarray(0, 150));
    put(join(root, 'eel', 'readme.md'), '# not a photo');
    const first = await prepareData(gpu, { dataDir: root, runDir: run, size: 16, seed: 3, trainFraction: 0.6, valFraction: 0.2 });
    assert.is(first.cache.items.length, 21);
    assert.equal(
      [first.indices.train.length, first.indices.val.length, first.indices.test.length],
      [13, 4, 4],
    );
    const all = [...first.indices.train, ...first.indices.val, ...first.indices.test].sort((a, b) => a - b);
    assert.equal(all, Array.from({ length: 21 }, (_, i) => i), 'every cached photo in exactly one split');
    assert.equal(labelsOf(first.cache, first.indices.test), first.split.test.map((it) => it.classIndex));
    assert.ok(/broken\.jpg/.test(first.warning!) && /readme\.md/.test(first.warning!), first.warning!);
    const again = await prepareData(gpu, { dataDir: root, runDir: run, size: 16, seed: 3, trainFraction: 0.6, valFraction: 0.2 });
    assert.ok(again.cacheLoaded && again.splitLoaded);
    assert.equal(again.indices, first.indices);
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(run, { recursive: true, force: true });
  }
});

test.run();
