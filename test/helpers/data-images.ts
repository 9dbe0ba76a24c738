// Small generated photo folders for the data tests: JPEG and PNG files written with jpeg-js and pngjs into a
// temporary folder, in either layout, with masks, and with the broken files the loader must survive.

import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** Folders made by tempDir, removed when the test process exits (every test run used to leave its runs in /tmp). */
const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A new empty folder under the system's temporary folder, removed when the process exits. */
export function tempDir(prefix = 'graft-data-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** RGBA pixels of a w x h picture: a colour gradient plus a seed-dependent square, so photos differ. */
export function rgbaPicture(w: number, h: number, seed: number): Uint8Array {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const i = (y * w + x) * 4;
      const inSquare = Math.abs(x - ((seed * 7) % w)) < w / 4 && Math.abs(y - ((seed * 5) % h)) < h / 4;
      data[i] = (x * 255) / Math.max(1, w - 1);
      data[i + 1] = (y * 255) / Math.max(1, h - 1);
      data[i + 2] = inSquare ? 255 : (seed * 40) % 256;
      data[i + 3] = 255;
    }
  }
  return data;
}

export function jpegBytes(w: number, h: number, seed: number, quality = 90): Uint8Array {
  return jpeg.encode({ width: w, height: h, data: rgbaPicture(w, h, seed) }, quality).data;
}

/** PNG bytes; colorType 0 = grey, 2 = RGB, 6 = RGBA (alpha set to a pattern). */
export function pngBytes(w: number, h: number, seed: number, colorType: 0 | 2 | 6 = 2): Uint8Array {
  const png = new PNG({ width: w, height: h });
  const rgba = rgbaPicture(w, h, seed);
  if (colorType === 6) for (let i = 3; i < rgba.length; i += 4) rgba[i] = (i * 13) % 256;
  png.data = Buffer.from(rgba);
  return PNG.sync.write(png, { colorType });
}

/** A PNG label map as KTH ships: 1 inside the rectangle (x0..x1, y0..y1 exclusive), 2 elsewhere. */
export function kthMaskBytes(w: number, h: number, rect: [number, number, number, number]): Uint8Array {
  const png = new PNG({ width: w, height: h });
  const data = Buffer.alloc(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const inside = x >= rect[0] && x < rect[1] && y >= rect[2] && y < rect[3];
      const v = inside ? 1 : 2;
      data.set([v, v, v, 255], (y * w + x) * 4);
    }
  }
  png.data = data;
  return PNG.sync.write(png, { colorType: 2 });
}

export function put(path: string, bytes: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, bytes);
}
