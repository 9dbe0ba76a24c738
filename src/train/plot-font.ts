// Text for the PNG plots (and overlays). pureimage draws text only with a TrueType font loaded from a file, and
// npm ships none that we may use, so: $GRAFT_FONT if set, else the first of the usual system font files
// (DejaVu Sans on Debian/Ubuntu/Fedora/Arch, Liberation Sans, Arial on macOS/Windows). A machine with none of
// them (a bare container) gets a built-in 5x7 bitmap font, upper case only, drawn as rectangles: the plots
// keep their labels, plainer. `textPainter()` says which one is used.

import { existsSync } from 'node:fs';
import * as PImage from 'pureimage';

type Context = ReturnType<PImage.Bitmap['getContext']>;

export type HAlign = 'left' | 'center' | 'right';
export type VAlign = 'top' | 'middle' | 'bottom';

export interface TextPainter {
  /** 'ttf:<path>' or 'bitmap-5x7'. */
  readonly kind: string;
  width(text: string, size: number): number;
  /** Draws `text` with its box aligned to (x, y); `size` is the cap height in pixels, roughly. */
  draw(ctx: Context, text: string, x: number, y: number, size: number, color: string, h?: HAlign, v?: VAlign): void;
}

const FONT_CANDIDATES = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/liberation-sans/LiberationSans-Regular.ttf',
  '/Library/Fonts/Arial.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  'C:\\Windows\\Fonts\\arial.ttf',
];

const FAMILY = 'graft-plot';
let painter: TextPainter | undefined;

/** The text painter for this machine (chosen once). */
export function textPainter(): TextPainter {
  if (painter) return painter;
  const path = [process.env.GRAFT_FONT, ...FONT_CANDIDATES].find((p): p is string => !!p && existsSync(p));
  if (path) {
    try {
      PImage.registerFont(path, FAMILY).loadSync();
      painter = new TrueTypePainter(path);
      return painter;
    } catch {
      // unreadable font file: fall through to the bitmap font
    }
  }
  painter = new BitmapPainter();
  return painter;
}

/** The bitmap painter, whatever fonts the machine has (tests use it to check the fallback). */
export function bitmapPainter(): TextPainter {
  return new BitmapPainter();
}

class TrueTypePainter implements TextPainter {
  readonly kind: string;
  constructor(path: string) {
    this.kind = `ttf:${path}`;
  }

  private px(size: number): number {
    // Cap height of DejaVu/Arial is ~0.72 em: scale so `size` is about the height of a capital.
    return Math.round(size / 0.72);
  }

  width(text: string, size: number): number {
    const ctx = PImage.make(1, 1).getContext('2d');
    ctx.font = `${this.px(size)}px ${FAMILY}`;
    return ctx.measureText(text).width;
  }

  draw(ctx: Context, text: string, x: number, y: number, size: number, color: string, h: HAlign = 'left', v: VAlign = 'top'): void {
    ctx.font = `${this.px(size)}px ${FAMILY}`;
    ctx.fillStyle = color;
    const w = ctx.measureText(text).width;
    const left = h === 'left' ? x : h === 'center' ? x - w / 2 : x - w;
    // Baseline position for the requested vertical alignment of a capital-height box.
    const base = v === 'top' ? y + size : v === 'middle' ? y + size / 2 : y;
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    ctx.fillText(text, left, base);
  }
}

// 5x7 glyphs, one string of 7 rows of 5 bits each. Lower case is drawn as upper case.
const GLYPHS: Record<string, string> = {
  A: '01110 10001 10001 11111 10001 10001 10001',
  B: '11110 10001 10001 11110 10001 10001 11110',
  C: '01110 10001 10000 10000 10000 10001 01110',
  D: '11110 10001 10001 10001 10001 10001 11110',
  E: '11111 10000 10000 11110 10000 10000 11111',
  F: '11111 10000 10000 11110 10000 10000 10000',
  G: '01110 10001 10000 10111 10001 10001 01111',
  H: '10001 10001 10001 11111 10001 10001 10001',
  I: '01110 00100 00100 00100 00100 00100 01110',
  J: '00111 00010 00010 00010 00010 10010 01100',
  K: '10001 10010 10100 11000 10100 10010 10001',
  L: '10000 10000 10000 10000 10000 10000 11111',
  M: '10001 11011 10101 10101 10001 10001 10001',
  N: '10001 10001 11001 10101 10011 10001 10001',
  O: '01110 10001 10001 10001 10001 10001 01110',
  P: '11110 10001 10001 11110 10000 10000 10000',
  Q: '01110 10001 10001 10001 10101 10010 01101',
  R: '11110 10001 10001 11110 10100 10010 10001',
  S: '01111 10000 10000 01110 00001 00001 11110',
  T: '11111 00100 00100 00100 00100 00100 00100',
  U: '10001 10001 10001 10001 10001 10001 01110',
  V: '10001 10001 10001 10001 10001 01010 00100',
  W: '10001 10001 10001 10101 10101 10101 01010',
  X: '10001 10001 01010 00100 01010 10001 10001',
  Y: '10001 10001 10001 01010 00100 00100 00100',
  Z: '11111 00001 00010 00100 01000 10000 11111',
  '0': '01110 10001 10011 10101 11001 10001 01110',
  '1': '00100 01100 00100 00100 00100 00100 01110',
  '2': '01110 10001 00001 00010 00100 01000 11111',
  '3': '11111 00010 00100 00010 00001 10001 01110',
  '4': '00010 00110 01010 10010 11111 00010 00010',
  '5': '11111 10000 11110 00001 00001 10001 01110',
  '6': '00110 01000 10000 11110 10001 10001 01110',
  '7': '11111 00001 00010 00100 01000 01000 01000',
  '8': '01110 10001 10001 01110 10001 10001 01110',
  '9': '01110 10001 10001 01111 00001 00010 01100',
  ' ': '00000 00000 00000 00000 00000 00000 00000',
  '.': '00000 00000 00000 00000 00000 01100 01100',
  ',': '00000 00000 00000 00000 01100 00100 01000',
  '%': '11000 11001 00010 00100 01000 10011 00011',
  '-': '00000 00000 00000 11111 00000 00000 00000',
  ':': '00000 01100 01100 00000 01100 01100 00000',
  '(': '00010 00100 01000 01000 01000 00100 00010',
  ')': '01000 00100 00010 00010 00010 00100 01000',
  '/': '00000 00001 00010 00100 01000 10000 00000',
  _: '00000 00000 00000 00000 00000 00000 11111',
  '+': '00000 00100 00100 11111 00100 00100 00000',
  '=': '00000 00000 11111 00000 11111 00000 00000',
  "'": '01100 00100 01000 00000 00000 00000 00000',
  '?': '01110 10001 00001 00010 00100 00000 00100',
  '!': '00100 00100 00100 00100 00100 00000 00100',
  '#': '01010 01010 11111 01010 11111 01010 01010',
  '|': '00100 00100 00100 00100 00100 00100 00100',
  '<': '00010 00100 01000 10000 01000 00100 00010',
  '>': '01000 00100 00010 00001 00010 00100 01000',
};

class BitmapPainter implements TextPainter {
  readonly kind = 'bitmap-5x7';

  private scale(size: number): number {
    return Math.max(1, Math.round(size / 7));
  }

  width(text: string, size: number): number {
    const s = this.scale(size);
    return text.length ? (text.length * 6 - 1) * s : 0;
  }

  draw(ctx: Context, text: string, x: number, y: number, size: number, color: string, h: HAlign = 'left', v: VAlign = 'top'): void {
    const s = this.scale(size);
    const w = this.width(text, size);
    const left = Math.round(h === 'left' ? x : h === 'center' ? x - w / 2 : x - w);
    const top = Math.round(v === 'top' ? y : v === 'middle' ? y - (7 * s) / 2 : y - 7 * s);
    ctx.fillStyle = color;
    [...text.toUpperCase()].forEach((ch, i) => {
      const rows = (GLYPHS[ch] ?? GLYPHS['?']).split(' ');
      rows.forEach((bits, r) => {
        for (let c = 0; c < 5; c++) if (bits[c] === '1') ctx.fillRect(left + (i * 6 + c) * s, top + r * s, s, s);
      });
    });
  }
}
