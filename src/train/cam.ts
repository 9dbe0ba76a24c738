// Class activation maps for people and for the report: overlays of the map on the photo, a grid of many of
// them in one PNG, the choice of classes (top-k), and the localisation scores of a set of photos against their
// foreground masks beside the centred-Gaussian baseline. The maps themselves come from the GPU
// (src/kernels/cam.ts); this file draws, scores and reads files, and knows no model.
//
// Overlay: the CAM (at the photo's size) is normalised to [0, 1] by its own minimum and maximum (so every
// overlay uses the whole colour range; a constant map is drawn as 0), coloured with the "jet" colour map
// (blue = least evidence, through cyan, yellow, to red = most; the colour map of the CAM paper's figures,
// matplotlib's piecewise-linear jet: r = clamp(1.5 - |4t - 3|), g = clamp(1.5 - |4t - 2|),
// b = clamp(1.5 - |4t - 1|)), and alpha-blended over the photo, out = (1 - alpha) * photo + alpha * colour,
// alpha 0.5 by default. The label ("tiger 99.5%") is written top left, white on a darkened band.
//
// Scoring: a CAM is scored only against a mask of exactly the photo's size (KTH's masks are; the CAM must be
// upsampled to the ORIGINAL photo, not the network input). Photos without a mask, with an unreadable mask, or
// with a mask of another size are skipped and listed, never crashed on. The baseline is
// gaussianBlob(height, width) of cam-score.ts scored on the same photos, so both tables count the same photos.

import { closeSync, openSync, readSync } from 'node:fs';
import * as PImage from 'pureimage';
import type { Gpu } from '../gpu/device.ts';
import type { GpuTensor } from '../gpu/tensor.ts';
import { GraftError } from '../gpu/errors.ts';
import { camUpsample } from '../kernels/cam.ts';
import { CAM_IOU_THRESHOLD, camScore, gaussianBlob, summarizeCamScores, type CamScore, type CamScoreTable } from './cam-score.ts';
import type { BinaryMask, RgbImage } from './data/decode.ts';
import { decodeImageFile, decodeMaskFile } from './data/decode.ts';
import type { ImageItem } from './data/loader.ts';
import { bitmapToPng } from './plot.ts';
import { textPainter, type TextPainter } from './plot-font.ts';
import type { CamReport } from './report.ts';

type Bitmap = PImage.Bitmap;

export const CAM_COLOUR_MAP = 'jet';
export const DEFAULT_CAM_ALPHA = 0.5;

// --- choosing classes ---------------------------------------------------------------------------------------

/** The `k` class indices of highest probability, best first (ties: lower index first). */
export function topKClasses(probs: ArrayLike<number>, k: number): number[] {
  if (!(Number.isInteger(k) && k >= 1 && k <= probs.length)) {
    throw new GraftError(`top-k CAM: k must be between 1 and the number of classes (${probs.length}), got ${k}`);
  }
  const order = Array.from({ length: probs.length }, (_, i) => i);
  order.sort((a, b) => probs[b] - probs[a] || a - b);
  return order.slice(0, k);
}

/**
 * Top-k class indices of every row of (N, K) probabilities, as the (N, k) int32 array camMaps/camForward take
 * for k maps per image (upload with GpuTensor.from(gpu, [n, k], result, 'i32')).
 */
export function topKBatch(probs: ArrayLike<number>, n: number, k: number): Int32Array {
  if (n <= 0 || probs.length % n !== 0) throw new GraftError(`top-k CAM: ${probs.length} probabilities are not ${n} rows`);
  const classes = probs.length / n;
  const out = new Int32Array(n * k);
  for (let i = 0; i < n; i++) {
    const row = Array.prototype.slice.call(probs, i * classes, (i + 1) * classes) as number[];
    out.set(topKClasses(row, k), i * k);
  }
  return out;
}

/** "tiger 99.5%": the overlay's label for a class and its probability (a fraction). */
export function camLabel(className: string, probability: number): string {
  return Number.isFinite(probability) ? `${className} ${(probability * 100).toFixed(1)}%` : className;
}

// --- maps at photo sizes (GPU) --------------------------------------------------------------------------------

/** Maps upsampled per submit in camsAtSizes: bounds GPU memory for large photos. */
const UPSAMPLE_CHUNK = 16;

/**
 * Upsamples map i of `maps` ((M, h, w) or (N, k, h, w), counted flat) to sizes[i] on the GPU and reads each back:
 * one (height, width) Float32Array per map, row-major. `sizes` may be shorter than the number of maps.
 */
export async function camsAtSizes(gpu: Gpu, maps: GpuTensor, sizes: readonly { width: number; height: number }[]): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let start = 0; start < sizes.length; start += UPSAMPLE_CHUNK) {
    const chunk = sizes.slice(start, start + UPSAMPLE_CHUNK).map((s, j) => camUpsample(gpu, maps, s.height, s.width, { first: start + j, count: 1 }));
    for (const t of chunk) {
      out.push((await t.read()) as Float32Array);
      t.release();
    }
  }
  return out;
}

// --- overlays ---------------------------------------------------------------------------------------------------

/** The CAM scaled to [0, 1] by its minimum and maximum; a constant (or empty) map becomes all zeros. */
export function normalizeCam(cam: ArrayLike<number>): Float32Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < cam.length; i++) {
    const v = cam[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const out = new Float32Array(cam.length);
  const range = hi - lo;
  if (!(range > 0) || !Number.isFinite(range)) return out;
  for (let i = 0; i < cam.length; i++) out[i] = (cam[i] - lo) / range;
  return out;
}

/** Jet colour of t in [0, 1] as 0..255 RGB (see the header). */
export function jetColour(t: number): [number, number, number] {
  const c = (v: number) => Math.round(255 * Math.min(1, Math.max(0, v)));
  const x = Math.min(1, Math.max(0, Number.isNaN(t) ? 0 : t));
  return [c(1.5 - Math.abs(4 * x - 3)), c(1.5 - Math.abs(4 * x - 2)), c(1.5 - Math.abs(4 * x - 1))];
}

export interface OverlayOptions {
  /** Weight of the colour map in the blend (default 0.5). */
  alpha?: number;
  /** Cap height of the label in pixels (default: 6% of the shorter side, 10 to 48). */
  fontSize?: number;
  painter?: TextPainter;
}

function checkCam(photo: { width: number; height: number }, cam: ArrayLike<number>, what: string): void {
  if (cam.length !== photo.width * photo.height) {
    throw new GraftError(
      `${what}: the CAM has ${cam.length} values but the photo is ${photo.width}x${photo.height} (${photo.width * photo.height}); ` +
        'upsample the CAM to the photo size first (camsAtSizes / camUpsample)',
    );
  }
}

/** The overlay as a pureimage bitmap (photo's size). */
export function camOverlayBitmap(photo: RgbImage, cam: ArrayLike<number>, label: string, opts: OverlayOptions = {}): Bitmap {
  checkCam(photo, cam, 'CAM overlay');
  const { width, height } = photo;
  const alpha = opts.alpha ?? DEFAULT_CAM_ALPHA;
  if (!(alpha >= 0 && alpha <= 1)) throw new GraftError(`CAM overlay: alpha must be in [0, 1], got ${alpha}`);
  const t = normalizeCam(cam);
  const img = PImage.make(width, height);
  const px = img.data; // (H, W, 4) RGBA
  for (let i = 0; i < width * height; i++) {
    const [r, g, b] = jetColour(t[i]);
    px[4 * i] = Math.round((1 - alpha) * photo.data[3 * i] + alpha * r);
    px[4 * i + 1] = Math.round((1 - alpha) * photo.data[3 * i + 1] + alpha * g);
    px[4 * i + 2] = Math.round((1 - alpha) * photo.data[3 * i + 2] + alpha * b);
    px[4 * i + 3] = 255;
  }
  if (label) drawLabel(img, label, opts);
  return img;
}

/** White label on a darkened band in the top-left corner (darkened by hand: no reliance on canvas alpha). */
function drawLabel(img: Bitmap, label: string, opts: OverlayOptions): void {
  const text = opts.painter ?? textPainter();
  const size = opts.fontSize ?? Math.max(10, Math.min(48, Math.round(0.06 * Math.min(img.width, img.height))));
  const pad = Math.max(2, Math.round(size / 3));
  const bandW = Math.min(img.width, Math.ceil(text.width(label, size)) + 2 * pad);
  const bandH = Math.min(img.height, Math.ceil(size * 1.35) + 2 * pad);
  for (let y = 0; y < bandH; y++) {
    for (let x = 0; x < bandW; x++) {
      const o = 4 * (y * img.width + x);
      for (let ch = 0; ch < 3; ch++) img.data[o + ch] = Math.round(img.data[o + ch] * 0.35);
    }
  }
  text.draw(img.getContext('2d'), label, pad, pad, size, '#ffffff', 'left', 'top');
}

/** PNG bytes of the photo with its CAM overlaid and `label` written on it. `cam` is (H, W) at the photo's size. */
export function camOverlayPng(photo: RgbImage, cam: ArrayLike<number>, label: string, opts: OverlayOptions = {}): Uint8Array {
  return bitmapToPng(camOverlayBitmap(photo, cam, label, opts));
}

export interface CamTile {
  photo: RgbImage;
  /** (H, W) at the photo's size. */
  cam: ArrayLike<number>;
  label: string;
}

export interface GridOptions extends OverlayOptions {
  /** Side of the square box each overlay is fitted into, aspect kept (default 224). */
  tileSize?: number;
  /** Pixels between boxes and around the grid (default 4). */
  gap?: number;
}

/**
 * Resamples (h, w, channels) values to (outH, outW): the mean of the source pixels whose centres fall in each
 * output pixel when shrinking (no aliasing on 2-4x reductions), the nearest source pixel when enlarging.
 */
export function resampleArea(src: ArrayLike<number>, w: number, h: number, channels: number, outW: number, outH: number): Float32Array {
  const out = new Float32Array(outW * outH * channels);
  const span = (o: number, inSize: number, outSize: number): [number, number] => {
    const a = Math.floor((o * inSize) / outSize);
    const b = Math.floor(((o + 1) * inSize) / outSize);
    return b > a ? [a, b] : [Math.min(inSize - 1, Math.floor(((o + 0.5) * inSize) / outSize)), 0];
  };
  for (let oy = 0; oy < outH; oy++) {
    let [y0, y1] = span(oy, h, outH);
    if (y1 === 0) y1 = y0 + 1;
    for (let ox = 0; ox < outW; ox++) {
      let [x0, x1] = span(ox, w, outW);
      if (x1 === 0) x1 = x0 + 1;
      const n = (y1 - y0) * (x1 - x0);
      for (let c = 0; c < channels; c++) {
        let sum = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) sum += src[(y * w + x) * channels + c];
        out[(oy * outW + ox) * channels + c] = sum / n;
      }
    }
  }
  return out;
}

/** Many overlays in one PNG, `columns` boxes a row, each photo fitted (aspect kept) into a tileSize square. */
export function camGridPng(tiles: readonly CamTile[], columns: number, opts: GridOptions = {}): Uint8Array {
  if (tiles.length === 0) throw new GraftError('CAM grid: no photos');
  if (!(Number.isInteger(columns) && columns >= 1)) throw new GraftError(`CAM grid: columns must be a positive integer, got ${columns}`);
  const tile = opts.tileSize ?? 224;
  const gap = opts.gap ?? 4;
  const cols = Math.min(columns, tiles.length);
  const rows = Math.ceil(tiles.length / cols);
  const grid = PImage.make(cols * tile + (cols + 1) * gap, rows * tile + (rows + 1) * gap);
  const g = grid.data;
  for (let i = 0; i < g.length; i += 4) {
    g[i] = g[i + 1] = g[i + 2] = 32;
    g[i + 3] = 255;
  }
  tiles.forEach((t, i) => {
    checkCam(t.photo, t.cam, `CAM grid photo ${i + 1}`);
    const scale = Math.min(tile / t.photo.width, tile / t.photo.height);
    const w = Math.max(1, Math.round(t.photo.width * scale));
    const h = Math.max(1, Math.round(t.photo.height * scale));
    const photo: RgbImage = { width: w, height: h, data: Uint8Array.from(resampleArea(t.photo.data, t.photo.width, t.photo.height, 3, w, h), Math.round) };
    const cam = resampleArea(t.cam, t.photo.width, t.photo.height, 1, w, h);
    const overlay = camOverlayBitmap(photo, cam, t.label, { fontSize: Math.max(8, Math.round(0.055 * tile)), ...opts });
    const left = gap + (i % cols) * (tile + gap) + Math.floor((tile - w) / 2);
    const top = gap + Math.floor(i / cols) * (tile + gap) + Math.floor((tile - h) / 2);
    for (let y = 0; y < h; y++) g.set(overlay.data.subarray(4 * y * w, 4 * (y + 1) * w), 4 * ((top + y) * grid.width + left));
  });
  return bitmapToPng(grid);
}

// --- localisation scores ----------------------------------------------------------------------------------------

export interface CamScoreItem {
  /** The photo, for the skipped list. */
  path: string;
  /** True class (the animal the mask outlines): the per-class rows group by it. */
  classIndex: number;
  /** The photo's original size; the CAM and the mask must both have it. */
  width: number;
  height: number;
  /** (height, width) CAM at the photo's size. */
  cam: ArrayLike<number>;
  /** Its foreground mask, or null when there is none (or it could not be read: say why in maskError). */
  mask: BinaryMask | null;
  maskError?: string;
}

export interface SkippedPhoto {
  path: string;
  reason: string;
}

export interface CamScoreResult {
  model: CamScoreTable;
  baseline: CamScoreTable;
  /** Photos left out of both tables, with why. */
  skipped: SkippedPhoto[];
  /** Per scored photo, in input order (for anyone who wants the distribution, not just the means). */
  perPhoto: { path: string; classIndex: number; model: CamScore; baseline: CamScore }[];
}

export interface ScoreOptions {
  /** IoU threshold as a fraction of the CAM maximum (default 0.2, the CAM paper's). */
  fraction?: number;
  /** Baseline blob's standard deviation as a fraction of each side (default gaussianBlob's 0.25). */
  sigmaFraction?: number;
}

/** Why an item cannot be scored, or null when it can. */
function skipReason(it: CamScoreItem, classes: number): string | null {
  if (!(Number.isInteger(it.classIndex) && it.classIndex >= 0 && it.classIndex < classes)) return `class index ${it.classIndex} is not one of the ${classes} classes`;
  if (!it.mask) return it.maskError ? `mask unreadable: ${it.maskError}` : 'no mask';
  if (it.mask.width !== it.width || it.mask.height !== it.height) {
    return `mask is ${it.mask.width}x${it.mask.height} but the photo ${it.width}x${it.height}`;
  }
  if (it.cam.length !== it.width * it.height) return `CAM has ${it.cam.length} values, not the photo's ${it.width}x${it.height}`;
  if (!it.mask.data.some((v) => v !== 0)) return 'mask is empty (no foreground pixel)';
  return null;
}

/**
 * Scores photos one at a time (so full-size CAMs need not all be held at once), then sums up: `add` each item,
 * `result()` at the end. The baseline blob is made once per photo size.
 */
export class CamScorer {
  private readonly blobs = new Map<string, Float32Array>();
  private readonly skipped: SkippedPhoto[] = [];
  private readonly perPhoto: CamScoreResult['perPhoto'] = [];
  private readonly fraction: number;

  constructor(
    private readonly classes: readonly string[],
    private readonly opts: ScoreOptions = {},
  ) {
    this.fraction = opts.fraction ?? CAM_IOU_THRESHOLD;
  }

  /** Scores one photo, or records why it was skipped. */
  add(it: CamScoreItem): void {
    const reason = skipReason(it, this.classes.length);
    if (reason) {
      this.skip(it.path, reason);
      return;
    }
    const key = `${it.height}x${it.width}`;
    let blob = this.blobs.get(key);
    if (!blob) this.blobs.set(key, (blob = gaussianBlob(it.height, it.width, this.opts.sigmaFraction)));
    const mask = it.mask!.data;
    this.perPhoto.push({
      path: it.path,
      classIndex: it.classIndex,
      model: camScore(it.cam, mask, this.fraction),
      baseline: camScore(blob, mask, this.fraction),
    });
  }

  /** Records a photo that could not even be turned into an item (it does not decode...). */
  skip(path: string, reason: string): void {
    this.skipped.push({ path, reason });
  }

  result(): CamScoreResult {
    const of = (pick: 'model' | 'baseline') => summarizeCamScores(this.perPhoto.map((p) => ({ classIndex: p.classIndex, score: p[pick] })), this.classes);
    return { model: of('model'), baseline: of('baseline'), skipped: [...this.skipped], perPhoto: [...this.perPhoto] };
  }
}

/** Scores each photo's CAM and the centred-blob baseline against its mask; per class and overall. */
export function scoreCams(items: readonly CamScoreItem[], classes: readonly string[], opts: ScoreOptions = {}): CamScoreResult {
  const scorer = new CamScorer(classes, opts);
  for (const it of items) scorer.add(it);
  return scorer.result();
}

/** Reads a photo's mask for scoring: the mask, or null and why (no mask file, or one that fails to decode). */
export function readMask(maskPath: string | null): { mask: BinaryMask | null; maskError?: string } {
  if (!maskPath) return { mask: null };
  try {
    return { mask: decodeMaskFile(maskPath) };
  } catch (err) {
    return { mask: null, maskError: (err as Error).message };
  }
}

/** The report's CAM section from a score result: skipped photos become notes (the first few named). */
export function camReportOf(result: CamScoreResult, gridPng?: string, shown = 5): CamReport {
  const notes: string[] = [];
  const scored = result.perPhoto.length;
  notes.push(`${scored} photo${scored === 1 ? '' : 's'} scored, ${result.skipped.length} skipped.`);
  if (result.skipped.length) {
    const listed = result.skipped.slice(0, shown).map((s) => `${s.path} (${s.reason})`);
    const more = result.skipped.length - listed.length;
    notes.push(`Skipped: ${listed.join('; ')}${more > 0 ? `; and ${more} more` : ''}.`);
  }
  return { model: result.model, baseline: result.baseline, ...(gridPng ? { gridPng } : {}), notes };
}

// --- photo sizes without decoding ----------------------------------------------------------------------------------

/** Bytes of a file's head read to find its size (JPEG EXIF blocks come before the frame header). */
const HEAD_BYTES = 256 * 1024;

/**
 * Width and height from a PNG's IHDR or a JPEG's first frame header (SOFn), or null when the head does not say:
 * scoring needs only the size, and decoding a JPEG in JavaScript costs ~10-90 ms a photo here.
 */
export function photoSizeFromHeader(head: Uint8Array): { width: number; height: number } | null {
  const u16 = (o: number) => (head[o] << 8) | head[o + 1];
  const u32 = (o: number) => ((head[o] << 24) | (head[o + 1] << 16) | (head[o + 2] << 8) | head[o + 3]) >>> 0;
  if (head.length >= 24 && head[0] === 0x89 && head[1] === 0x50 && head[2] === 0x4e && head[3] === 0x47) {
    const width = u32(16);
    const height = u32(20);
    return width > 0 && height > 0 ? { width, height } : null;
  }
  if (head.length < 4 || head[0] !== 0xff || head[1] !== 0xd8) return null;
  let o = 2;
  while (o + 9 < head.length) {
    if (head[o] !== 0xff) return null;
    const marker = head[o + 1];
    if (marker === 0xff) {
      o++; // fill byte
      continue;
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      o += 2; // markers without a length
      continue;
    }
    // SOF0..SOF15, except DHT (C4), JPG (C8) and DAC (CC), carry precision, height, width.
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      const height = u16(o + 5);
      const width = u16(o + 7);
      return width > 0 && height > 0 ? { width, height } : null;
    }
    if (marker === 0xd9 || marker === 0xda) return null; // end of image, or scan data before any frame header
    o += 2 + u16(o + 2);
  }
  return null;
}

/** A photo file's size from its header; null when unreadable or not said there. */
export function photoSize(path: string): { width: number; height: number } | null {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const head = new Uint8Array(HEAD_BYTES);
    const n = readSync(fd, head, 0, HEAD_BYTES, 0);
    return photoSizeFromHeader(head.subarray(0, n));
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

// --- the whole job on files ----------------------------------------------------------------------------------------

export interface ScorePhotosOptions extends ScoreOptions {
  /** Keep this many photos (the first ones that decode) with their CAMs for a grid (default 0). */
  gridTiles?: number;
  /** Label of each item's overlay (e.g. camLabel(predicted class, probability)); default the class name. */
  labels?: readonly string[];
  onProgress?: (done: number, total: number) => void;
}

/**
 * Scores the CAMs of photo files: map i of `maps` ((M, h, w) low-resolution CAMs from camMaps, one per item, in
 * item order) is upsampled on the GPU to photo i's ORIGINAL size and scored against its mask (items' maskPath).
 * Photos are sized from their file headers (decoded only for grid tiles, or when the header does not say); one
 * that cannot be sized or decoded is skipped and listed like those without a usable mask. Also returns up to
 * `gridTiles` tiles (the first photos that decode) for camGridPng.
 */
export async function scoreCamFiles(
  gpu: Gpu,
  maps: GpuTensor,
  items: readonly ImageItem[],
  classes: readonly string[],
  opts: ScorePhotosOptions = {},
): Promise<CamScoreResult & { tiles: CamTile[] }> {
  const mapCount = maps.size / Math.max(1, maps.shape[maps.shape.length - 1] * maps.shape[maps.shape.length - 2]);
  if (mapCount < items.length) throw new GraftError(`CAM scores: ${items.length} photos but only ${mapCount} maps`);
  const scorer = new CamScorer(classes, opts);
  const tiles: CamTile[] = [];
  const want = opts.gridTiles ?? 0;
  for (let start = 0; start < items.length; start += UPSAMPLE_CHUNK) {
    // A chunk at a time: decode, upsample its maps on the GPU (one submit), score, and let the full-size arrays go.
    // Photos are decoded only for grid tiles, or when their header does not give the size.
    const chunk: { index: number; size: { width: number; height: number } | null; photo?: RgbImage; error?: string }[] = [];
    for (let i = start; i < Math.min(items.length, start + UPSAMPLE_CHUNK); i++) {
      const tile = tiles.length + chunk.filter((c) => c.photo).length < want;
      const size = tile ? null : photoSize(items[i].path);
      if (size) {
        chunk.push({ index: i, size });
        continue;
      }
      try {
        const photo = decodeImageFile(items[i].path);
        chunk.push({ index: i, size: { width: photo.width, height: photo.height }, photo });
      } catch (err) {
        chunk.push({ index: i, size: null, error: (err as Error).message });
      }
    }
    const cams = chunk.map(({ index, size }) => (size ? camUpsample(gpu, maps, size.height, size.width, { first: index, count: 1 }) : null));
    for (let j = 0; j < chunk.length; j++) {
      const { index, size, photo, error } = chunk[j];
      const it = items[index];
      const t = cams[j];
      if (!size || !t) {
        scorer.skip(it.path, `photo does not decode: ${error}`);
      } else {
        const cam = (await t.read()) as Float32Array;
        t.release();
        scorer.add({ path: it.path, classIndex: it.classIndex, width: size.width, height: size.height, cam, ...readMask(it.maskPath) });
        if (photo && tiles.length < want) tiles.push({ photo, cam, label: opts.labels?.[index] ?? it.className });
      }
      opts.onProgress?.(index + 1, items.length);
    }
  }
  return { ...scorer.result(), tiles };
}
