// The decoded, resized photo cache: every photo decoded once (JPEG decoding in JavaScript costs ~10 ms a
// photo here, 15-25 s for KTH's 1737), resized on the GPU to the network's input (bilinear, half-pixel
// centres, shaders/resize_bilinear.wgsl) and kept in memory as one (N, S, S, 3) uint8 array, 4x smaller than
// f32 and what the augmentation kernel reads. Photos are stretched to a square, as Keras's
// load_img(target_size=...) did. Optionally saved to a file in the run folder, keyed by the file list (relative
// path, byte size, class) and the size, so a rerun or a later stage loads it in a second.
//
// File format: the line "GRAFT-IMAGE-CACHE 1", one line of JSON header, padding to a 16-byte boundary, then
// the pixels.

import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import type { Gpu } from '../../gpu/device.ts';
import { GraftError } from '../../gpu/errors.ts';
import { GpuTensor } from '../../gpu/tensor.ts';
import { readImagesU8, resizeBilinearU8, uploadImagesU8, wordsForImage, type PackedImages } from '../../kernels/image.ts';
import { writeFileAtomic } from '../checkpoint-io.ts';
import { decodeImageFile } from './decode.ts';
import type { ImageItem, SkippedFile } from './loader.ts';

const MAGIC = 'GRAFT-IMAGE-CACHE 1\n';
/** Photos resized between two readbacks while building. */
const RESIZE_CHUNK = 64;

export interface ImageCache {
  /** Side of the square images. */
  size: number;
  /** The photos held, in order (those that decoded). */
  items: ImageItem[];
  /** (N, size, size, 3) uint8 RGB */
  pixels: Uint8Array;
  /** Hash of the file list and size this cache was built for. */
  key: string;
}

export interface CacheOptions {
  /** Side of the square network input, e.g. 224, 160, 128. */
  size: number;
  /** Data set root, for the relative paths of the key and the file. */
  root: string;
  /** Cache file to load if it matches, and to write after building. */
  file?: string;
  /** Called after each photo while building. */
  onProgress?: (done: number, total: number) => void;
}

export interface CacheResult {
  cache: ImageCache;
  /** Photos that could not be decoded (left out of the cache; see dropFailed in loader.ts). */
  failures: SkippedFile[];
  /** True when the cache came from `file`. */
  loaded: boolean;
}

interface CacheHeader {
  key: string;
  size: number;
  items: string[];
  failures: { path: string; reason: string }[];
}

/** The key of a file list at a size: relative path, byte size and class of every photo, in order. */
export function imageCacheKey(items: readonly ImageItem[], size: number, root: string): string {
  const h = createHash('sha256');
  h.update(`size ${size}\n`);
  for (const it of items) {
    let bytes = -1;
    try {
      bytes = statSync(it.path).size;
    } catch {
      // an unreadable file still contributes its name; it will fail to decode and be reported
    }
    h.update(`${relPath(root, it.path)}\t${bytes}\t${it.classIndex}\n`);
  }
  return h.digest('hex').slice(0, 32);
}

/** Builds (or loads) the cache for `items`. */
export async function buildImageCache(gpu: Gpu, items: readonly ImageItem[], options: CacheOptions): Promise<CacheResult> {
  const { size, root } = options;
  if (!(Number.isInteger(size) && size > 0)) throw new GraftError(`image cache: size must be a positive integer, got ${size}`);
  const key = imageCacheKey(items, size, root);
  if (options.file && existsSync(options.file)) {
    const loaded = readCacheFile(options.file, key, items, root);
    if (loaded) return { ...loaded, loaded: true };
  }

  const perImage = size * size * 3;
  const wordsOut = wordsForImage(size, size);
  const kept: ImageItem[] = [];
  const failures: SkippedFile[] = [];
  // Photos are decoded on the CPU, resized on the GPU into one chunk buffer and read back a chunk at a time: one
  // wait per RESIZE_CHUNK photos instead of one per photo.
  const pixelsPerItem: Uint8Array[] = [];
  let chunk: GpuTensor<'u32'> | undefined;
  let inChunk = 0;
  const drain = async () => {
    if (!chunk) return;
    const words = await chunk.read();
    const bytes = new Uint8Array(words.buffer, words.byteOffset, words.byteLength);
    for (let k = 0; k < inChunk; k++) pixelsPerItem.push(bytes.slice(k * wordsOut * 4, k * wordsOut * 4 + perImage));
    chunk.release();
    chunk = undefined;
    inChunk = 0;
  };
  for (let i = 0; i < items.length; i++) {
    const it = items[i];
    let img;
    try {
      img = decodeImageFile(it.path);
    } catch (err) {
      failures.push({ path: it.path, reason: reasonOf(err) });
      options.onProgress?.(i + 1, items.length);
      continue;
    }
    chunk ??= GpuTensor.empty(gpu, [RESIZE_CHUNK * wordsOut], 'u32', 'cache.chunk');
    const src = uploadImagesU8(gpu, img.data, [1, img.height, img.width, 3], 'cache.photo');
    const out = resizeBilinearU8(gpu, src, size, size);
    gpu.batcher.copy(out.data.buffer, 0, chunk.buffer, inChunk * wordsOut * 4, wordsOut * 4);
    src.data.release();
    out.data.release();
    inChunk++;
    kept.push(it);
    if (inChunk === RESIZE_CHUNK) await drain();
    options.onProgress?.(i + 1, items.length);
  }
  await drain();
  const pixels = new Uint8Array(kept.length * perImage);
  pixelsPerItem.forEach((c, i) => pixels.set(c, i * perImage));
  const cache: ImageCache = { size, items: kept, pixels, key };
  if (options.file) writeCacheFile(options.file, cache, failures, root);
  return { cache, failures, loaded: false };
}

/** Resizes one (h, w, 3) uint8 photo to (size, size, 3) on the GPU (reads it back at once). */
export async function resizeOnGpu(gpu: Gpu, rgb: Uint8Array, h: number, w: number, size: number): Promise<Uint8Array> {
  const src = uploadImagesU8(gpu, rgb, [1, h, w, 3], 'cache.photo');
  const out = resizeBilinearU8(gpu, src, size, size);
  src.data.release();
  try {
    return await readImagesU8(out);
  } finally {
    out.data.release();
  }
}

/** (B, S, S, 3) uint8 of the cached photos at `indices` (indices into cache.items). */
export function cacheBatch(cache: ImageCache, indices: readonly number[]): Uint8Array {
  const perImage = cache.size * cache.size * 3;
  const out = new Uint8Array(indices.length * perImage);
  indices.forEach((idx, b) => {
    if (!(idx >= 0 && idx < cache.items.length)) throw new GraftError(`image cache: index ${idx} outside 0..${cache.items.length - 1}`);
    out.set(cache.pixels.subarray(idx * perImage, (idx + 1) * perImage), b * perImage);
  });
  return out;
}

/** Uploads the cached photos at `indices` as a packed (B, S, S, 3) batch for the warp kernel. */
export function uploadCacheBatch(gpu: Gpu, cache: ImageCache, indices: readonly number[]): PackedImages {
  return uploadImagesU8(gpu, cacheBatch(cache, indices), [indices.length, cache.size, cache.size, 3], 'cache.batch');
}

/** Index of each item (by path) in the cache, for mapping a split onto it. */
export function cacheIndex(cache: ImageCache): Map<string, number> {
  return new Map(cache.items.map((it, i) => [it.path, i]));
}

function writeCacheFile(file: string, cache: ImageCache, failures: SkippedFile[], root: string): void {
  const header: CacheHeader = {
    key: cache.key,
    size: cache.size,
    items: cache.items.map((it) => relPath(root, it.path)),
    failures: failures.map((f) => ({ path: relPath(root, f.path), reason: f.reason })),
  };
  const head = MAGIC + JSON.stringify(header) + '\n';
  const headBytes = Buffer.from(head, 'utf8');
  const pad = (16 - (headBytes.length % 16)) % 16;
  writeFileAtomic(file, [headBytes, new Uint8Array(pad), cache.pixels]);
}

/** The cache stored in `file` if it was built for this key, else null (a stale cache is simply rebuilt). */
function readCacheFile(file: string, key: string, items: readonly ImageItem[], root: string): Omit<CacheResult, 'loaded'> | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return null;
  }
  if (bytes.subarray(0, MAGIC.length).toString('utf8') !== MAGIC) return null;
  const end = bytes.indexOf(10, MAGIC.length);
  if (end < 0) return null;
  let header: CacheHeader;
  try {
    header = JSON.parse(bytes.subarray(MAGIC.length, end).toString('utf8')) as CacheHeader;
  } catch {
    return null;
  }
  if (header.key !== key) return null;
  const start = Math.ceil((end + 1) / 16) * 16;
  const perImage = header.size * header.size * 3;
  if (bytes.length - start !== header.items.length * perImage) return null;
  const byRel = new Map(items.map((it) => [relPath(root, it.path), it]));
  const kept = header.items.map((p) => byRel.get(p));
  if (kept.some((it) => it === undefined)) return null;
  const pixels = new Uint8Array(bytes.buffer, bytes.byteOffset + start, header.items.length * perImage);
  return {
    cache: { size: header.size, items: kept as ImageItem[], pixels, key },
    failures: header.failures.map((f) => ({ path: byRel.get(f.path)?.path ?? f.path, reason: f.reason })),
  };
}

function relPath(root: string, path: string): string {
  return relative(root, path).split(sep).join('/');
}

function reasonOf(err: unknown): string {
  const msg = (err as Error).message ?? String(err);
  // decode.ts prefixes messages with the path; the warning lists the path already.
  const colon = msg.indexOf(': ');
  return colon >= 0 ? msg.slice(colon + 2) : msg;
}
