// The PNG plots: written, decodable by pngjs, of the expected size, and not blank (curves and cells drawn in
// their colours), with the system font when there is one and with the built-in bitmap font.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { renderConfusionMatrix, renderLearningCurves, writeConfusionMatrix, writeLearningCurves, type EpochRecord } from '../src/train/plot.ts';
import { bitmapPainter, textPainter } from '../src/train/plot-font.ts';
import { tempDir } from './helpers/data-images.ts';

const history: EpochRecord[] = Array.from({ length: 12 }, (_, i) => ({
  epoch: i + 1,
  trainLoss: 2.5 * Math.exp(-i / 4) + 0.2,
  valLoss: 2.5 * Math.exp(-i / 5) + 0.5,
  trainAccuracy: 1 - 0.9 * Math.exp(-i / 3),
  valAccuracy: 0.7 - 0.6 * Math.exp(-i / 4),
}));

function countColour(png: PNG, [r, g, b]: number[], tol = 40): number {
  let n = 0;
  for (let i = 0; i < png.data.length; i += 4) {
    if (Math.abs(png.data[i] - r) + Math.abs(png.data[i + 1] - g) + Math.abs(png.data[i + 2] - b) < tol) n++;
  }
  return n;
}

test('learning curves: PNG of the requested size with both series drawn', () => {
  const dir = tempDir('graft-plot-');
  try {
    const path = join(dir, 'stage1-curves.png');
    writeLearningCurves(path, history, { title: 'Stage 1', bestEpoch: 9, width: 800, height: 360 });
    const png = PNG.sync.read(readFileSync(path));
    assert.is(png.width, 800);
    assert.is(png.height, 360);
    assert.ok(countColour(png, [0x1f, 0x77, 0xb4]) > 300, 'training curves (blue) drawn');
    assert.ok(countColour(png, [0xd6, 0x27, 0x28]) > 300, 'validation curves (red) drawn');
    assert.ok(countColour(png, [255, 255, 255], 1) > 0.5 * 800 * 360, 'white background');
    // A NaN epoch (say a diverged validation) breaks the line instead of throwing.
    renderLearningCurves([...history, { epoch: 13, trainLoss: NaN, valLoss: NaN, trainAccuracy: 0.5, valAccuracy: 0.5 }]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('confusion matrix: PNG sized by the class count, diagonal cells darkest', () => {
  const dir = tempDir('graft-plot-');
  try {
    const classes = ['bear', 'cougar', 'cow', 'coyote', 'deer'];
    const confusion = classes.map((_, i) => classes.map((_, j) => (i === j ? 9 : j === (i + 1) % 5 ? 1 : 0)));
    const path = join(dir, 'confusion.png');
    writeConfusionMatrix(path, confusion, classes, { cell: 40 });
    const png = PNG.sync.read(readFileSync(path));
    const direct = renderConfusionMatrix(confusion, classes, { cell: 40 });
    assert.is(png.width, direct.width);
    assert.is(png.height, direct.height);
    assert.ok(png.width >= 5 * 40 && png.height >= 5 * 40);
    // Larger for more classes.
    const big = renderConfusionMatrix(Array.from({ length: 19 }, () => new Array(19).fill(1)), Array.from({ length: 19 }, (_, i) => `class${i}`), { cell: 40 });
    assert.ok(big.width > png.width + 13 * 40 && big.height > png.height + 13 * 40);
    // Diagonal share 0.9 -> dark blue (about rgb(18,74,137)); off-diagonal 0.1 -> pale blue.
    let dark = 0;
    let pale = 0;
    for (let i = 0; i < png.data.length; i += 4) {
      const [r, g, b] = [png.data[i], png.data[i + 1], png.data[i + 2]];
      if (r < 60 && g < 110 && b > 100) dark++;
      if (r > 200 && r < 250 && b > 230 && g > 220) pale++;
    }
    assert.ok(dark > 5 * 39 * 39 * 0.8 && dark < 5 * 39 * 39 * 1.05, `dark diagonal pixels ${dark}`);
    assert.ok(pale > 5 * 39 * 39 * 0.8, `pale off-diagonal pixels ${pale}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the built-in bitmap font draws text too (for machines without a TrueType font)', () => {
  const painter = bitmapPainter();
  assert.is(painter.kind, 'bitmap-5x7');
  assert.is(painter.width('ab', 14), (2 * 6 - 1) * 2);
  const img = renderLearningCurves(history, { painter, width: 600, height: 300 });
  // Text is drawn in the axis colour #333: the title alone covers dozens of pixels.
  let ink = 0;
  for (let y = 0; y < 30; y++) for (let x = 0; x < 600; x++) if (img.getPixelRGBA(x, y) >>> 8 === 0x333333) ink++;
  assert.ok(ink > 50, `title pixels ${ink}`);
  assert.ok(/^(ttf:|bitmap)/.test(textPainter().kind));
});

test.run();
