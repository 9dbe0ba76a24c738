// The folder-per-class loader and the decoders: both layouts, masks, a corrupt JPEG, a zero-filled photo, a
// non-image file, an empty class, one class, a missing folder, and the real KTH-ANIMALS listing when present.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { GraftError } from '../src/gpu/errors.ts';
import { dropFailed, listImageFolder, listingWarning, KTH_DOWNLOAD_URL } from '../src/train/data/loader.ts';
import { decodeImage, decodeImageFile, decodeMaskFile } from '../src/train/data/decode.ts';
import { PNG } from 'pngjs';
import { jpegBytes, kthMaskBytes, pngBytes, put, rgbaPicture, tempDir } from './helpers/data-images.ts';

const dirs: string[] = [];
function scratch(): string {
  const d = tempDir();
  dirs.push(d);
  return d;
}

test('flat layout: classes sorted, jpg/jpeg/png listed, non-images and zero-filled photos skipped in one warning', () => {
  const root = scratch();
  put(join(root, 'zebra', 'a.jpg'), jpegBytes(20, 10, 1));
  put(join(root, 'zebra', 'b.JPEG'), jpegBytes(20, 10, 2));
  put(join(root, 'ant', 'x.png'), pngBytes(8, 9, 3));
  put(join(root, 'ant', 'notes.txt'), 'not an image');
  put(join(root, 'ant', 'zero.jpg'), new Uint8Array(500));
  put(join(root, 'ant', 'empty.png'), new Uint8Array(0));
  put(join(root, 'ant', '.hidden.jpg'), 'ignored');
  const f = listImageFolder(root);
  assert.is(f.layout, 'flat');
  assert.equal(f.classes, ['ant', 'zebra']);
  assert.equal(
    f.items.map((it) => [it.className, it.classIndex, it.path.slice(root.length + 1), it.maskPath]),
    [
      ['ant', 0, join('ant', 'x.png'), null],
      ['zebra', 1, join('zebra', 'a.jpg'), null],
      ['zebra', 1, join('zebra', 'b.JPEG'), null],
    ],
  );
  assert.equal(f.skipped.map((s) => s.path.slice(root.length + 1)).sort(), [join('ant', 'empty.png'), join('ant', 'notes.txt'), join('ant', 'zero.jpg')]);
  const w = listingWarning(f)!;
  assert.ok(/skipped 3 files/.test(w) && w.includes('notes.txt') && w.includes('zero.jpg') && w.includes('empty file'), w);
  assert.is(w.split('\n').length, 1, 'one warning line');
});

test('KTH layout: photos from original/, masks matched by base name, masks without a photo reported', () => {
  const root = scratch();
  for (const c of ['cow', 'bear']) {
    put(join(root, c, 'original', '1_1.jpg'), jpegBytes(16, 12, 1));
    put(join(root, c, 'original', '1_2.jpg'), jpegBytes(16, 12, 2));
    put(join(root, c, 'segment', '1_1.png'), kthMaskBytes(16, 12, [2, 10, 3, 9]));
  }
  put(join(root, 'cow', 'segment', '9_9.png'), kthMaskBytes(16, 12, [0, 1, 0, 1]));
  const f = listImageFolder(root, { kth: true });
  assert.is(f.layout, 'kth');
  assert.equal(f.classes, ['bear', 'cow']);
  assert.is(f.items.length, 4);
  assert.ok(f.items[0].maskPath!.endsWith(join('bear', 'segment', '1_1.png')));
  assert.is(f.items[1].maskPath, null);
  assert.equal(f.orphanMasks.map((m) => m.slice(root.length + 1)), [join('cow', 'segment', '9_9.png')]);
  assert.ok(/1 mask has no photo: cow\/segment\/9_9\.png/.test(listingWarning(f)!), listingWarning(f)!);
});

test('decoding: JPEG and PNG to RGB, alpha dropped, grey copied to three channels; KTH label masks', () => {
  const root = scratch();
  const rgba = rgbaPicture(7, 5, 4);
  const rgb = decodeImage(pngBytes(7, 5, 4, 6), 'rgba.png');
  assert.is(rgb.data.length, 7 * 5 * 3);
  for (let i = 0; i < 35; i++) for (let k = 0; k < 3; k++) assert.is(rgb.data[i * 3 + k], rgba[i * 4 + k]);
  const grey = decodeImage(pngBytes(7, 5, 4, 0), 'grey.png');
  for (let i = 0; i < 35; i++) assert.ok(grey.data[i * 3] === grey.data[i * 3 + 1] && grey.data[i * 3] === grey.data[i * 3 + 2]);
  const j = decodeImage(jpegBytes(33, 17, 5, 100), 'photo.jpg');
  assert.is(j.width, 33);
  assert.is(j.height, 17);
  // JPEG is lossy: compare loosely with the source picture.
  const src = rgbaPicture(33, 17, 5);
  let err = 0;
  for (let i = 0; i < 33 * 17; i++) for (let k = 0; k < 3; k++) err += Math.abs(j.data[i * 3 + k] - src[i * 4 + k]);
  assert.ok(err / (33 * 17 * 3) < 6, `mean JPEG error ${err / (33 * 17 * 3)}`);

  const maskPath = join(root, 'm.png');
  put(maskPath, kthMaskBytes(6, 4, [1, 3, 0, 2]));
  const m = decodeMaskFile(maskPath);
  assert.equal(Array.from(m.data), [0, 1, 1, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  // A 0/255 mask: non-zero is the animal.
  const binary = join(root, 'b.png');
  const png = new PNG({ width: 3, height: 1 });
  png.data = Buffer.from([0, 0, 0, 255, 255, 255, 255, 255, 0, 0, 0, 255]);
  put(binary, PNG.sync.write(png, { colorType: 0 }));
  assert.equal(Array.from(decodeMaskFile(binary).data), [0, 1, 0]);
});

test('a truncated JPEG fails to decode with its path; dropFailed leaves it out and reports it', () => {
  const root = scratch();
  put(join(root, 'a', '1.jpg'), jpegBytes(40, 30, 1));
  put(join(root, 'a', '2.jpg'), jpegBytes(40, 30, 2).subarray(0, 300));
  put(join(root, 'b', '1.jpg'), jpegBytes(40, 30, 3));
  const f = listImageFolder(root);
  assert.is(f.items.length, 3, 'the truncated file still starts like a JPEG');
  const bad = f.items[1].path;
  assert.throws(() => decodeImageFile(bad), (e: Error) => e instanceof GraftError && e.message.includes(bad) && /cannot decode JPEG/.test(e.message));
  const g = dropFailed(f, [{ path: bad, reason: 'cannot decode JPEG' }]);
  assert.is(g.items.length, 2);
  assert.ok(listingWarning(g)!.includes(join('a', '2.jpg')));
  // If that was the class's only photo, the class is empty: an error.
  assert.throws(
    () => dropFailed(g, g.items.filter((it) => it.className === 'b').map((it) => ({ path: it.path, reason: 'x' }))),
    (e: Error) => e instanceof GraftError && /class b has no photo that decodes/.test(e.message),
  );
});

test('errors: missing folder (with the KTH download hint), one class, an empty class, mixed layouts, many empty folders', () => {
  const root = scratch();
  assert.throws(
    () => listImageFolder(join(root, 'nope'), { kth: true }),
    (e: Error) => e instanceof GraftError && e.message.includes(KTH_DOWNLOAD_URL) && /--data or \$KTH_ANIMALS_DIR/.test(e.message),
  );
  assert.throws(() => listImageFolder(join(root, 'nope')), (e: Error) => e instanceof GraftError && /data folder not found/.test(e.message));
  put(join(root, 'one', 'cat', 'a.jpg'), jpegBytes(8, 8, 1));
  assert.throws(() => listImageFolder(join(root, 'one')), (e: Error) => e instanceof GraftError && /1 class folder \(cat\).*at least two/.test(e.message));
  put(join(root, 'two', 'cat', 'a.jpg'), jpegBytes(8, 8, 1));
  put(join(root, 'two', 'dog', 'readme.txt'), 'no photos here');
  assert.throws(
    () => listImageFolder(join(root, 'two')),
    (e: Error) => e instanceof GraftError && /class folder dog has no readable JPEG or PNG photos/.test(e.message) && e.message.includes('readme.txt'),
  );
  put(join(root, 'mixed', 'cat', 'original', 'a.jpg'), jpegBytes(8, 8, 1));
  put(join(root, 'mixed', 'dog', 'a.jpg'), jpegBytes(8, 8, 1));
  assert.throws(() => listImageFolder(join(root, 'mixed')), (e: Error) => e instanceof GraftError && /mixed layouts/.test(e.message));
  // --data pointed at the wrong folder (a home or /tmp): the empty "classes" are named up to 20, then counted
  put(join(root, 'wrong', 'cat', 'a.jpg'), jpegBytes(8, 8, 1));
  for (let i = 0; i < 25; i++) put(join(root, 'wrong', `dir${String(i).padStart(2, '0')}`, 'notes.txt'), 'x');
  assert.throws(
    () => listImageFolder(join(root, 'wrong')),
    (e: Error) => e instanceof GraftError && /class folders dir00, dir01, .*dir19, \.\.\. and 5 more have no readable/.test(e.message),
  );
});

const KTH = process.env.KTH_ANIMALS_DIR ?? resolve('../shared/data/kth-animals');

test('the real KTH-ANIMALS folder, when present: 19 classes, 1737 photos, 3 masks without a photo', () => {
  if (!existsSync(KTH)) {
    console.log(`  (KTH-ANIMALS not found at ${KTH}: skipped)`);
    return;
  }
  const f = listImageFolder(KTH, { kth: true });
  assert.is(f.classes.length, 19);
  assert.is(f.items.length, 1737);
  assert.is(f.classes[14], 'penquin');
  assert.ok(f.items.every((it) => it.maskPath !== null));
  assert.ok(f.orphanMasks.some((m) => m.endsWith(join('kangaroo', 'segment', '5_16.png'))));
  const counts = f.classes.map((_, c) => f.items.filter((it) => it.classIndex === c).length);
  assert.equal(counts, [105, 100, 97, 100, 100, 99, 83, 99, 83, 100, 89, 100, 98, 97, 80, 68, 62, 100, 77]);
  const m = decodeMaskFile(f.items[0].maskPath!);
  const inside = m.data.reduce((a, b) => a + b, 0) / m.data.length;
  assert.ok(inside > 0.05 && inside < 0.5, `bear/1_1 mask covers ${inside}`);
});

test.after(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

test.run();
