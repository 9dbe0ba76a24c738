// PNG pictures for the run report: learning curves (loss and accuracy per epoch, training and validation) and
// the confusion matrix as a heat map. Drawn with pureimage (a pure-JavaScript canvas), encoded with pngjs and
// written atomically. Text comes from plot-font.ts (a system TrueType font, or a built-in bitmap font).

import { PNG } from 'pngjs';
import * as PImage from 'pureimage';
import { writeFileAtomic } from './checkpoint-io.ts';
import { textPainter, type TextPainter } from './plot-font.ts';

type Bitmap = PImage.Bitmap;
type Context = ReturnType<Bitmap['getContext']>;

/** One epoch of training history. Accuracies are fractions in [0, 1]. */
export interface EpochRecord {
  epoch: number;
  trainLoss: number;
  valLoss: number;
  trainAccuracy: number;
  valAccuracy: number;
}

export interface LearningCurveOptions {
  title?: string;
  /** Marked with a vertical line (the epoch whose weights were kept). */
  bestEpoch?: number;
  width?: number;
  height?: number;
  painter?: TextPainter;
}

const TRAIN_COLOUR = '#1f77b4';
const VAL_COLOUR = '#d62728';
const AXIS = '#333333';
const GRID = '#e4e4e4';

/** Two panels side by side: loss (left) and accuracy (right) against the epoch. */
export function renderLearningCurves(history: readonly EpochRecord[], opts: LearningCurveOptions = {}): Bitmap {
  const width = opts.width ?? 1000;
  const height = opts.height ?? 420;
  const text = opts.painter ?? textPainter();
  const img = PImage.make(width, height);
  const ctx = img.getContext('2d');
  fill(ctx, 0, 0, width, height, '#ffffff');
  const titleSize = 14;
  text.draw(ctx, opts.title ?? 'Learning curves', width / 2, 10, titleSize, AXIS, 'center', 'top');
  const epochs = history.map((h) => h.epoch);
  const half = width / 2;
  const top = 40;
  drawPanel(ctx, text, { x: 0, y: top, w: half, h: height - top }, epochs, [
    { name: 'train loss', colour: TRAIN_COLOUR, values: history.map((h) => h.trainLoss) },
    { name: 'validation loss', colour: VAL_COLOUR, values: history.map((h) => h.valLoss) },
  ], 'loss', opts.bestEpoch, false);
  drawPanel(ctx, text, { x: half, y: top, w: half, h: height - top }, epochs, [
    { name: 'train accuracy', colour: TRAIN_COLOUR, values: history.map((h) => h.trainAccuracy) },
    { name: 'validation accuracy', colour: VAL_COLOUR, values: history.map((h) => h.valAccuracy) },
  ], 'accuracy', opts.bestEpoch, true);
  return img;
}

interface Series {
  name: string;
  colour: string;
  values: number[];
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

function drawPanel(ctx: Context, text: TextPainter, box: Box, epochs: number[], series: Series[], label: string, best: number | undefined, unit: boolean): void {
  const small = 10;
  // Header rows above the plot: the panel's name and legend, then the best-epoch marker's label.
  const plot: Box = { x: box.x + 62, y: box.y + 40, w: box.w - 62 - 20, h: box.h - 40 - 50 };
  const finite = series.flatMap((s) => s.values).filter((v) => Number.isFinite(v));
  let lo = unit ? 0 : Math.min(0, ...finite);
  let hi = unit ? 1 : finite.length ? Math.max(...finite) : 1;
  if (!(hi > lo)) hi = lo + 1;
  hi = niceCeil(hi);
  lo = Math.min(lo, hi - 1e-9);
  const e0 = epochs.length ? Math.min(...epochs) : 0;
  const e1 = epochs.length ? Math.max(...epochs) : 1;
  const ex = (e: number) => plot.x + (e1 > e0 ? ((e - e0) / (e1 - e0)) * plot.w : plot.w / 2);
  const vy = (v: number) => plot.y + plot.h - ((v - lo) / (hi - lo)) * plot.h;

  // Grid and axis ticks.
  for (const t of ticks(lo, hi, 5)) {
    fill(ctx, plot.x, Math.round(vy(t)), plot.w, 1, GRID);
    text.draw(ctx, unit ? `${Math.round(t * 100)}%` : fmtTick(t), plot.x - 6, vy(t), small, AXIS, 'right', 'middle');
  }
  for (const e of ticks(e0, e1, 8).filter((e) => Number.isInteger(e))) {
    fill(ctx, Math.round(ex(e)), plot.y + plot.h, 1, 4, AXIS);
    text.draw(ctx, String(e), ex(e), plot.y + plot.h + 8, small, AXIS, 'center', 'top');
  }
  fill(ctx, plot.x, plot.y, 1, plot.h + 1, AXIS);
  fill(ctx, plot.x, plot.y + plot.h, plot.w, 1, AXIS);
  text.draw(ctx, 'epoch', plot.x + plot.w / 2, plot.y + plot.h + 26, small, AXIS, 'center', 'top');
  text.draw(ctx, label, box.x + 8, box.y + 4, small + 1, AXIS, 'left', 'top');

  if (best !== undefined && best >= e0 && best <= e1) {
    for (let y = plot.y; y < plot.y + plot.h; y += 6) fill(ctx, Math.round(ex(best)), y, 1, 3, '#777777');
    text.draw(ctx, `best epoch ${best}`, ex(best), plot.y - 4, small - 1, '#555555', 'center', 'bottom');
  }

  for (const s of series) {
    ctx.strokeStyle = s.colour;
    ctx.lineWidth = 2;
    ctx.beginPath();
    let open = false;
    s.values.forEach((v, i) => {
      if (!Number.isFinite(v)) {
        open = false;
        return;
      }
      const x = ex(epochs[i]);
      const y = vy(v);
      if (open) ctx.lineTo(x, y);
      else ctx.moveTo(x, y);
      open = true;
    });
    ctx.stroke();
    s.values.forEach((v, i) => {
      if (Number.isFinite(v)) fill(ctx, Math.round(ex(epochs[i]) - 2), Math.round(vy(v) - 2), 4, 4, s.colour);
    });
  }
  // Legend in the header row, right-aligned, series side by side.
  let right = plot.x + plot.w;
  for (const s of [...series].reverse()) {
    const w = text.width(s.name, small);
    text.draw(ctx, s.name, right, box.y + 4, small, AXIS, 'right', 'top');
    fill(ctx, right - w - 22, box.y + 8, 16, 3, s.colour);
    right -= w + 40;
  }
}

export interface ConfusionOptions {
  title?: string;
  /** Pixels per cell (default 30). */
  cell?: number;
  painter?: TextPainter;
}

/**
 * Heat map of confusion[true][predicted]: colour = share of the row (the class's recall along the diagonal),
 * number = count. Rows are labelled with class names, columns (on two staggered rows) with as much of the name
 * as fits two cells.
 */
export function renderConfusionMatrix(confusion: readonly (readonly number[])[], classes: readonly string[], opts: ConfusionOptions = {}): Bitmap {
  const text = opts.painter ?? textPainter();
  const n = classes.length;
  const cell = opts.cell ?? 30;
  const small = 10;
  const labelW = Math.ceil(Math.max(40, ...classes.map((c) => text.width(c, small)))) + 14;
  const left = labelW + 24;
  const top = 80;
  const width = left + n * cell + 2 * cell;
  const height = top + n * cell + 40;
  const img = PImage.make(width, height);
  const ctx = img.getContext('2d');
  fill(ctx, 0, 0, width, height, '#ffffff');
  text.draw(ctx, opts.title ?? 'Confusion matrix (rows: true class, columns: predicted)', width / 2, 8, 12, AXIS, 'center', 'top');
  text.draw(ctx, 'predicted', left + (n * cell) / 2, 30, small, AXIS, 'center', 'top');
  for (let i = 0; i < n; i++) {
    const total = confusion[i].reduce((a, b) => a + b, 0);
    text.draw(ctx, classes[i], left - 6, top + i * cell + cell / 2, small, AXIS, 'right', 'middle');
    // Column labels alternate between two rows, so each may be two cells wide.
    text.draw(ctx, fitPrefix(text, classes[i], 2 * cell - 6, small), left + i * cell + cell / 2, top - 6 - (i % 2) * 16, small, AXIS, 'center', 'bottom');
    for (let j = 0; j < n; j++) {
      const count = confusion[i][j];
      const share = total ? count / total : 0;
      const [r, g, b] = heat(share);
      fill(ctx, left + j * cell, top + i * cell, cell - 1, cell - 1, `rgb(${r},${g},${b})`);
      if (count) {
        const ink = 0.299 * r + 0.587 * g + 0.114 * b > 140 ? '#000000' : '#ffffff';
        text.draw(ctx, String(count), left + j * cell + cell / 2, top + i * cell + cell / 2, Math.min(small, cell / 3), ink, 'center', 'middle');
      }
    }
  }
  text.draw(ctx, 'colour: share of the true class (row)', left + (n * cell) / 2, top + n * cell + 14, small - 1, '#555555', 'center', 'top');
  return img;
}

/** PNG bytes of a bitmap. */
export function bitmapToPng(img: Bitmap): Uint8Array {
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png);
}

/** Writes learning curves to `path` (PNG). */
export function writeLearningCurves(path: string, history: readonly EpochRecord[], opts: LearningCurveOptions = {}): void {
  writeFileAtomic(path, bitmapToPng(renderLearningCurves(history, opts)));
}

/** Writes the confusion-matrix heat map to `path` (PNG). */
export function writeConfusionMatrix(path: string, confusion: readonly (readonly number[])[], classes: readonly string[], opts: ConfusionOptions = {}): void {
  writeFileAtomic(path, bitmapToPng(renderConfusionMatrix(confusion, classes, opts)));
}

/** The longest prefix of `name` (at least one letter) that fits `width` pixels. */
function fitPrefix(text: TextPainter, name: string, width: number, size: number): string {
  let k = name.length;
  while (k > 1 && text.width(name.slice(0, k), size) > width) k--;
  return name.slice(0, k);
}

function fill(ctx: Context, x: number, y: number, w: number, h: number, colour: string): void {
  ctx.fillStyle = colour;
  ctx.fillRect(x, y, w, h);
}

/** White through a blue ramp: 0 -> white, 1 -> dark blue (readable counts on both ends). */
function heat(t: number): [number, number, number] {
  const stops: [number, number, number][] = [
    [255, 255, 255],
    [198, 219, 239],
    [107, 174, 214],
    [33, 113, 181],
    [8, 48, 107],
  ];
  const x = Math.min(Math.max(t, 0), 1) * (stops.length - 1);
  const i = Math.min(Math.floor(x), stops.length - 2);
  const f = x - i;
  return [0, 1, 2].map((k) => Math.round(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * f)) as [number, number, number];
}

function niceCeil(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(lo: number, hi: number, count: number): number[] {
  const raw = (hi - lo) / count;
  const p = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? 10 * p;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step - 1e-9) * step; t <= hi + 1e-9; t += step) out.push(Math.round(t / step) * step);
  return out;
}

function fmtTick(v: number): string {
  return Math.abs(v) >= 10 ? v.toFixed(0) : Number(v.toPrecision(3)).toString();
}
