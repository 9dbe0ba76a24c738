// Decoding photos and masks into plain arrays: JPEG through jpeg-js, PNG through pngjs (both pure JavaScript, so
// nothing native has to be downloaded). Photos become RGB uint8, row-major HWC: alpha is dropped (not
// composited), grey is copied to the three channels. Masks become one byte per pixel, 1 inside the animal(s).
//
// A file that fails to decode raises a GraftError naming the file; the cache builder collects those and lists
// them in the one data warning.

import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { GraftError } from '../../gpu/errors.ts';
import { sniffFormat } from './loader.ts';

export interface RgbImage {
  width: number;
  height: number;
  /** (H, W, 3) uint8, RGB. */
  data: Uint8Array;
}

export interface BinaryMask {
  width: number;
  height: number;
  /** (H, W) 0 or 1. */
  data: Uint8Array;
}

/** Largest photo accepted, in megapixels (jpeg-js refuses bigger ones before allocating). */
const MAX_MEGAPIXELS = 100;

/** Decodes JPEG or PNG bytes to RGB uint8. `what` names the file in errors. */
export function decodeImage(bytes: Uint8Array, what = 'image'): RgbImage {
  const rgba = decodeRgba(bytes, what);
  const n = rgba.width * rgba.height;
  const data = new Uint8Array(n * 3);
  for (let i = 0; i < n; i++) {
    data[3 * i] = rgba.data[4 * i];
    data[3 * i + 1] = rgba.data[4 * i + 1];
    data[3 * i + 2] = rgba.data[4 * i + 2];
  }
  return { width: rgba.width, height: rgba.height, data };
}

/** Reads and decodes a photo file. */
export function decodeImageFile(path: string): RgbImage {
  return decodeImage(readBytes(path), path);
}

/**
 * Reads a foreground mask as 1 = animal, 0 = background. Two encodings are understood, told apart by whether
 * the value 0 occurs (first channel of the decoded PNG):
 * - KTH-ANIMALS label maps (checked on all 1740 of its masks): values start at 1, one label per animal and the
 *   HIGHEST label is the background (bear/1_1: 1 = bear, 2 = grass; zebra/10_12: 1 = foal, 2 = adult,
 *   3 = background). Everything below the highest label is foreground.
 * - Plain binary masks (0 = background, anything else = foreground), as most tools write them.
 */
export function decodeMaskFile(path: string): BinaryMask {
  const rgba = decodeRgba(readBytes(path), path);
  const n = rgba.width * rgba.height;
  let hasZero = false;
  let top = 0;
  for (let i = 0; i < n; i++) {
    const v = rgba.data[4 * i];
    if (v === 0) hasZero = true;
    if (v > top) top = v;
  }
  const data = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const v = rgba.data[4 * i];
    data[i] = hasZero ? (v > 0 ? 1 : 0) : v < top ? 1 : 0;
  }
  return { width: rgba.width, height: rgba.height, data };
}

function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (err) {
    throw new GraftError(`${path}: cannot read (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** RGBA uint8 from JPEG or PNG bytes, whatever the source's channels or bit depth. */
function decodeRgba(bytes: Uint8Array, what: string): { width: number; height: number; data: Uint8Array } {
  const format = sniffFormat(bytes.subarray(0, 8));
  try {
    if (format === 'jpeg') {
      // tolerantDecoding off: a truncated file must fail here rather than decode to grey garbage silently.
      const img = jpeg.decode(bytes, {
        useTArray: true,
        formatAsRGBA: true,
        tolerantDecoding: false,
        maxResolutionInMP: MAX_MEGAPIXELS,
      });
      if (!(img.width > 0 && img.height > 0)) throw new Error('no image data');
      return img;
    }
    if (format === 'png') {
      // pngjs expands palette, grey and 16-bit images to 8-bit RGBA.
      const img = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
      return { width: img.width, height: img.height, data: new Uint8Array(img.data.buffer, img.data.byteOffset, img.data.byteLength) };
    }
  } catch (err) {
    throw new GraftError(`${what}: cannot decode ${format === 'jpeg' ? 'JPEG' : 'PNG'} (${(err as Error).message})`);
  }
  throw new GraftError(`${what}: neither JPEG nor PNG data`);
}
