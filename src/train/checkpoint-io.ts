// Atomic file writing for checkpoints, splits, caches and results: the bytes go to a temporary file in the same
// folder, are flushed to disk (fsync), and the temporary file is renamed over the target. A rename within one
// file system is atomic, so a reader (or a resumed run after a crash) sees either the previous file or the new
// one, never half of one. The folder is fsynced too, so the rename itself survives a power cut where the OS
// allows it.
//
// If writing fails part-way (disk full, a thrown error, the process killed), the previous file is untouched;
// the temporary file is removed when the failure is an exception, and `.tmp-*` leftovers from a killed process
// are ignored by readers and removed by `removeStaleTemps`.

import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';

/** The prefix of temporary files, so leftovers can be recognised. */
export const TEMP_PREFIX = '.tmp-';

export type WriteChunks = Iterable<Uint8Array | string>;

/**
 * Writes `data` (bytes, text, or an iterable of chunks, written in order so a large checkpoint need not be
 * concatenated in memory) to `path` atomically. Creates the folder if needed.
 */
export function writeFileAtomic(path: string, data: Uint8Array | string | WriteChunks): void {
  const target = resolve(path);
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `${TEMP_PREFIX}${basename(target)}.${process.pid}.${Date.now().toString(36)}${Math.random().toString(36).slice(2, 8)}`);
  const fd = openSync(temp, 'wx', 0o644);
  let closed = false;
  try {
    const chunks: WriteChunks = typeof data === 'string' || data instanceof Uint8Array ? [data] : data;
    for (const chunk of chunks) writeAll(fd, typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk);
    fsyncSync(fd);
    closeSync(fd);
    closed = true;
    renameSync(temp, target);
  } catch (err) {
    if (!closed) {
      try {
        closeSync(fd);
      } catch {
        // already failing; the original error is the one to report
      }
    }
    rmSync(temp, { force: true });
    throw err;
  }
  syncDir(dir);
}

/** Removes temporary files left in `dir` by a writer that was killed; returns their names. */
export function removeStaleTemps(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.startsWith(TEMP_PREFIX));
  } catch {
    return [];
  }
  for (const n of names) rmSync(join(dir, n), { force: true });
  return names;
}

function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  while (offset < bytes.byteLength) offset += writeSync(fd, bytes, offset, bytes.byteLength - offset);
}

function syncDir(dir: string): void {
  // Not every platform lets a folder be opened for fsync (Windows does not); the rename is still atomic there.
  let fd: number | undefined;
  try {
    fd = openSync(dir, 'r');
    fsyncSync(fd);
  } catch {
    // best effort
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
