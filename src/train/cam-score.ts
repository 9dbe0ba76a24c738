// How well a class activation map (CAM) localises the animal, measured against KTH's foreground masks, and a
// centred Gaussian blob as the baseline that any useful CAM must beat (animals are usually photographed near
// the middle, so "look at the centre" already scores something). Pure CPU code on (H, W) maps the size of
// the mask; the CAM is upsampled to the photo's size beforehand (on the GPU, by the CAM kernel).
//
// Three scores per photo:
// - energy inside: the share of the CAM's positive mass that lies inside the mask, sum(max(cam,0) * mask) /
//   sum(max(cam,0)). Negative evidence is not "energy"; NaN when the map has no positive value at all.
// - pointing game: whether the CAM's maximum (the first one, on ties) falls inside the mask.
// - IoU at 20%: the region where cam >= 0.2 * max(cam) (the CAM paper's box protocol, applied to the mask
//   instead of a box) against the mask, |A n M| / |A u M|; empty region when max(cam) <= 0.

import { GraftError } from '../gpu/errors.ts';

export interface CamScore {
  energyInside: number;
  pointingHit: boolean;
  iou: number;
}

export const CAM_IOU_THRESHOLD = 0.2;

function checkSizes(cam: ArrayLike<number>, mask: ArrayLike<number>, what: string): void {
  if (cam.length !== mask.length) throw new GraftError(`${what}: CAM has ${cam.length} pixels but the mask ${mask.length}; resize the CAM to the mask first`);
  if (cam.length === 0) throw new GraftError(`${what}: empty map`);
}

/** Share of the CAM's positive mass inside the mask (mask values: non-zero = inside). */
export function energyInside(cam: ArrayLike<number>, mask: ArrayLike<number>): number {
  checkSizes(cam, mask, 'energy inside');
  let inside = 0;
  let total = 0;
  for (let i = 0; i < cam.length; i++) {
    const e = cam[i] > 0 ? cam[i] : 0;
    total += e;
    if (mask[i]) inside += e;
  }
  return total > 0 ? inside / total : NaN;
}

/** Whether the CAM's (first) maximum lies inside the mask. */
export function pointingHit(cam: ArrayLike<number>, mask: ArrayLike<number>): boolean {
  checkSizes(cam, mask, 'pointing game');
  let best = 0;
  for (let i = 1; i < cam.length; i++) if (cam[i] > cam[best]) best = i;
  return mask[best] !== 0;
}

/** IoU between the mask and the CAM thresholded at `fraction` of its maximum. NaN if both are empty. */
export function thresholdIoU(cam: ArrayLike<number>, mask: ArrayLike<number>, fraction = CAM_IOU_THRESHOLD): number {
  checkSizes(cam, mask, 'IoU');
  let max = -Infinity;
  for (let i = 0; i < cam.length; i++) if (cam[i] > max) max = cam[i];
  const cut = fraction * max;
  let inter = 0;
  let union = 0;
  for (let i = 0; i < cam.length; i++) {
    const a = max > 0 && cam[i] >= cut;
    const m = mask[i] !== 0;
    if (a && m) inter++;
    if (a || m) union++;
  }
  return union > 0 ? inter / union : NaN;
}

/** All three scores of one photo. */
export function camScore(cam: ArrayLike<number>, mask: ArrayLike<number>, fraction = CAM_IOU_THRESHOLD): CamScore {
  return { energyInside: energyInside(cam, mask), pointingHit: pointingHit(cam, mask), iou: thresholdIoU(cam, mask, fraction) };
}

/**
 * The baseline map: a Gaussian centred on the image, standard deviation `sigmaFraction` of each side
 * (elliptical for non-square photos), peak 1. (H, W) row-major.
 */
export function gaussianBlob(h: number, w: number, sigmaFraction = 0.25): Float32Array {
  if (!(Number.isInteger(h) && Number.isInteger(w) && h > 0 && w > 0 && sigmaFraction > 0)) {
    throw new GraftError(`gaussian blob: bad size ${h}x${w} or sigma fraction ${sigmaFraction}`);
  }
  const out = new Float32Array(h * w);
  const cy = (h - 1) / 2;
  const cx = (w - 1) / 2;
  const sy = sigmaFraction * h;
  const sx = sigmaFraction * w;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      out[y * w + x] = Math.exp(-0.5 * (((y - cy) / sy) ** 2 + ((x - cx) / sx) ** 2));
    }
  }
  return out;
}

export interface CamScoreSummary {
  /** Photos scored. */
  count: number;
  /** Mean energy inside, over photos where it is defined. */
  energyInside: number;
  /** Fraction of pointing-game hits. */
  pointingGame: number;
  /** Mean IoU, over photos where it is defined. */
  iou: number;
}

export interface CamScoreTable {
  overall: CamScoreSummary;
  perClass: (CamScoreSummary & { className: string })[];
}

/** Per-class and overall means of per-photo scores (classes without photos get count 0 and NaN means). */
export function summarizeCamScores(scores: readonly { classIndex: number; score: CamScore }[], classes: readonly string[]): CamScoreTable {
  const summarize = (list: CamScore[]): CamScoreSummary => {
    const mean = (xs: number[]) => {
      const ok = xs.filter((x) => !Number.isNaN(x));
      return ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN;
    };
    return {
      count: list.length,
      energyInside: mean(list.map((s) => s.energyInside)),
      pointingGame: list.length ? list.filter((s) => s.pointingHit).length / list.length : NaN,
      iou: mean(list.map((s) => s.iou)),
    };
  };
  return {
    overall: summarize(scores.map((s) => s.score)),
    perClass: classes.map((className, c) => ({ className, ...summarize(scores.filter((s) => s.classIndex === c).map((s) => s.score)) })),
  };
}
