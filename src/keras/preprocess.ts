// Turning an image file into the input Keras ImageNet models expect: decode (JPEG or PNG), resize bilinearly
// to the model's size, then Keras's 'caffe' preprocessing (RGB -> BGR, subtract the ImageNet BGR mean, no
// scaling), as ResNet50 and VGG19 from keras.applications were trained with.

import { readFileSync } from 'node:fs';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An 8-bit RGBA image, row-major. */
export interface Rgba {
  width: number;
  height: number;
  data: Uint8Array;
}

/** ImageNet channel means in BGR order, as keras.applications.imagenet_utils subtracts them in 'caffe' mode. */
export const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68] as const;

/** Decodes a JPEG or PNG file (by its signature, not its name). */
export function decodeImage(path: string): Rgba {
  const bytes = readFileSync(path);
  if (bytes[0] === 0xff && bytes[1] === 0xd8) {
    const img = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxMemoryUsageInMB: 1024 });
    return { width: img.width, height: img.height, data: img.data };
  }
  if (bytes[0] === 0x89 && bytes[1] === 0x50) {
    const img = PNG.sync.read(bytes);
    return { width: img.width, height: img.height, data: new Uint8Array(img.data) };
  }
  throw new Error(`${path}: not a JPEG or PNG image`);
}

/** Bilinear resize to (height, width) with half-pixel centres, returning RGB floats (H, W, 3) in 0..255. */
export function resizeRgb(img: Rgba, height: number, width: number): Float32Array {
  const out = new Float32Array(height * width * 3);
  const sy = img.height / height;
  const sx = img.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy);
    const y1 = Math.min(y0 + 1, img.height - 1);
    const dy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx);
      const x1 = Math.min(x0 + 1, img.width - 1);
      const dx = fx - x0;
      for (let c = 0; c < 3; c++) {
        const p = (yy: number, xx: number) => img.data[(yy * img.width + xx) * 4 + c];
        const top = p(y0, x0) * (1 - dx) + p(y0, x1) * dx;
        const bottom = p(y1, x0) * (1 - dx) + p(y1, x1) * dx;
        out[(y * width + x) * 3 + c] = top * (1 - dy) + bottom * dy;
      }
    }
  }
  return out;
}

/** 'caffe' preprocessing of RGB (H, W, 3) values in 0..255: BGR order, mean subtracted. Returns (H, W, 3). */
export function caffePreprocess(rgb: Float32Array): Float32Array {
  const out = new Float32Array(rgb.length);
  for (let i = 0; i < rgb.length; i += 3) {
    out[i] = rgb[i + 2] - CAFFE_BGR_MEAN[0];
    out[i + 1] = rgb[i + 1] - CAFFE_BGR_MEAN[1];
    out[i + 2] = rgb[i] - CAFFE_BGR_MEAN[2];
  }
  return out;
}

/** An image file as a (size, size, 3) caffe-preprocessed input. */
export function loadCaffeInput(path: string, size = 224): Float32Array {
  return caffePreprocess(resizeRgb(decodeImage(path), size, size));
}
