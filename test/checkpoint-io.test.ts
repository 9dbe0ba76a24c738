// Atomic writes: a failure part-way through writing (a thrown error, or the process killed) leaves the
// previous file intact and no partial file under the target's name.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { TEMP_PREFIX, removeStaleTemps, writeFileAtomic } from '../src/train/checkpoint-io.ts';
import { tempDir } from './helpers/data-images.ts';

test('writes bytes, text and chunks; creates the folder; replaces the previous file', () => {
  const dir = tempDir('graft-ckpt-');
  try {
    const path = join(dir, 'sub', 'ckpt.bin');
    writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    assert.equal(Array.from(readFileSync(path)), [1, 2, 3]);
    writeFileAtomic(path, ['ab', new Uint8Array([67]), 'd']);
    assert.is(readFileSync(path, 'utf8'), 'abCd');
    writeFileAtomic(path, 'text');
    assert.is(readFileSync(path, 'utf8'), 'text');
    assert.equal(readdirSync(join(dir, 'sub')), ['ckpt.bin'], 'no temporary files left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('an error thrown mid-write leaves the previous file intact and no partial file', () => {
  const dir = tempDir('graft-ckpt-');
  try {
    const path = join(dir, 'ckpt.bin');
    writeFileAtomic(path, 'epoch 3 weights');
    function* crashing(): Generator<Uint8Array> {
      yield new Uint8Array(1 << 20).fill(7); // a megabyte reaches the temporary file...
      throw new Error('simulated crash while writing');
    }
    assert.throws(() => writeFileAtomic(path, crashing()), /simulated crash/);
    assert.is(readFileSync(path, 'utf8'), 'epoch 3 weights');
    assert.equal(readdirSync(dir), ['ckpt.bin']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a process killed mid-write leaves the previous file intact; its temporary file is recognised and removed', () => {
  const dir = tempDir('graft-ckpt-');
  try {
    const path = join(dir, 'ckpt.bin');
    writeFileSync(path, 'epoch 3 weights');
    const script = join(dir, 'kill.ts');
    writeFileSync(
      script,
      `import { writeFileAtomic } from ${JSON.stringify(resolve('src/train/checkpoint-io.ts'))};\n` +
        `function* chunks() { yield new Uint8Array(1 << 20); process.kill(process.pid, 'SIGKILL'); yield new Uint8Array(1); }\n` +
        `writeFileAtomic(${JSON.stringify(path)}, chunks());\n`,
    );
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: resolve('.'), encoding: 'utf8' });
    assert.is(r.signal, 'SIGKILL', `child ended with ${r.status} ${r.signal} ${r.stderr}`);
    assert.is(readFileSync(path, 'utf8'), 'epoch 3 weights');
    const temps = readdirSync(dir).filter((n) => n.startsWith(TEMP_PREFIX));
    assert.is(temps.length, 1, 'the killed writer left only its temporary file');
    assert.equal(removeStaleTemps(dir), temps);
    assert.ok(!existsSync(join(dir, temps[0])));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
