// CAM localisation scores on hand-made maps and masks whose answers are worked out in the comments: a map
// inside the mask, outside it, half and half, negative values, ties, and the centred Gaussian baseline.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { GraftError } from '../src/gpu/errors.ts';
import { camScore, energyInside, gaussianBlob, pointingHit, summarizeCamScores, thresholdIoU } from '../src/train/cam-score.ts';

const near = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol;

/** (4, 4) mask with the left half inside. */
const LEFT = [1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0, 1, 1, 0, 0];

test('map entirely inside the mask: energy 1, hit, IoU = map area / mask area', () => {
  // Map covers column 0 only (4 pixels), mask covers columns 0-1 (8 pixels): IoU = 4/8.
  const cam = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0];
  assert.equal(camScore(cam, LEFT), { energyInside: 1, pointingHit: true, iou: 0.5 });
});

test('map entirely outside the mask: energy 0, miss, IoU 0', () => {
  const cam = [0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2];
  assert.equal(camScore(cam, LEFT), { energyInside: 0, pointingHit: false, iou: 0 });
});

test('half and half: energy 1/2; threshold at 20% of the maximum decides the region', () => {
  // Uniform map: energy 8/16; the whole image is above 20% of max: IoU = 8/16; the first maximum (pixel 0) is inside.
  const flat = new Array(16).fill(1);
  assert.equal(camScore(flat, LEFT), { energyInside: 0.5, pointingHit: true, iou: 0.5 });
  // Left half 1, right half 3: energy 8/(8+24) = 1/4; maximum on the right (miss); 1 >= 0.2*3 so region = all, IoU 1/2.
  const tilted = LEFT.map((m) => (m ? 1 : 3));
  assert.ok(near(energyInside(tilted, LEFT), 0.25));
  assert.is(pointingHit(tilted, LEFT), false);
  assert.ok(near(thresholdIoU(tilted, LEFT), 0.5));
  // Left 0.5, right 3: 0.5 < 0.6 = 20% of 3, so region = right half only: IoU 0.
  assert.ok(near(thresholdIoU(LEFT.map((m) => (m ? 0.5 : 3)), LEFT), 0));
  // Exactly at the threshold counts (>=): left 1, right 5 (0.2 * 5 is exactly 1 in floating point).
  assert.ok(near(thresholdIoU(LEFT.map((m) => (m ? 1 : 5)), LEFT), 0.5));
});

test('negative evidence is not energy; an all-negative map has none; sizes must match', () => {
  // Inside -5 (ignored) and outside +1: energy 0. Inside +1, outside -5: energy 1.
  assert.is(energyInside(LEFT.map((m) => (m ? -5 : 1)), LEFT), 0);
  assert.is(energyInside(LEFT.map((m) => (m ? 1 : -5)), LEFT), 1);
  const neg = new Array(16).fill(-1);
  assert.ok(Number.isNaN(energyInside(neg, LEFT)));
  assert.is(thresholdIoU(neg, LEFT), 0, 'no region: IoU 0 against a non-empty mask');
  assert.throws(() => camScore([1, 2, 3], LEFT), (e: Error) => e instanceof GraftError && /3 pixels but the mask 16/.test(e.message));
});

test('Gaussian blob: peak 1 at the centre, symmetric, e^-1/2 one sigma away', () => {
  const g = gaussianBlob(5, 9, 0.25);
  assert.is(g.length, 45);
  assert.ok(near(g[2 * 9 + 4], 1, 1e-7), 'centre');
  for (let y = 0; y < 5; y++) for (let x = 0; x < 9; x++) assert.ok(near(g[y * 9 + x], g[(4 - y) * 9 + (8 - x)], 1e-7), 'point symmetric');
  // sigma_x = 0.25 * 9 = 2.25: x = 4 +- 2.25 is not a pixel; check sigma_y = 1.25 with a 5 x 9 -> use formula at dy = 2.
  assert.ok(near(g[0 * 9 + 4], Math.exp(-0.5 * (2 / 1.25) ** 2), 1e-7));
  // A centred blob on a centred mask scores a hit; on a left-half mask of an even-width image, the first maximum
  // of a 4x4 blob is at (1,1), which is inside.
  const blob = gaussianBlob(4, 4);
  assert.is(pointingHit(blob, LEFT), true);
  assert.ok(near(energyInside(blob, LEFT), 0.5, 1e-6), 'symmetric blob: half its mass in each half');
});

test('summary per class and overall', () => {
  const s = summarizeCamScores(
    [
      { classIndex: 0, score: { energyInside: 1, pointingHit: true, iou: 0.5 } },
      { classIndex: 0, score: { energyInside: 0, pointingHit: false, iou: NaN } },
      { classIndex: 1, score: { energyInside: 0.5, pointingHit: true, iou: 0.25 } },
    ],
    ['a', 'b', 'c'],
  );
  assert.equal(s.overall.count, 3);
  assert.ok(near(s.overall.energyInside, 0.5) && near(s.overall.pointingGame, 2 / 3) && near(s.overall.iou, 0.375));
  assert.equal({ ...s.perClass[0] }, { className: 'a', count: 2, energyInside: 0.5, pointingGame: 0.5, iou: 0.5 });
  assert.is(s.perClass[2].count, 0);
  assert.ok(Number.isNaN(s.perClass[2].iou));
});

test.run();
