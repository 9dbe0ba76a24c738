// Comparison of a GPU result with a CPU reference: |gpu - ref| <= atol + rtol * |ref| elementwise, with the
// first mismatches (index, both values) in the failure message.

import * as assert from 'uvu/assert';

export interface Tolerance {
  atol?: number;
  rtol?: number;
}

/** Throws with the first few mismatches unless every element is within tolerance. */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  { atol = 1e-5, rtol = 1e-4 }: Tolerance = {},
  what = 'result',
): void {
  assert.is(actual.length, expected.length, `${what}: length ${actual.length} vs reference ${expected.length}`);
  const bad: string[] = [];
  let count = 0;
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const a = actual[i];
    const e = expected[i];
    const err = Math.abs(a - e);
    if (!(err <= atol + rtol * Math.abs(e))) {
      count++;
      worst = Math.max(worst, Number.isNaN(err) ? Infinity : err);
      if (bad.length < 8) bad.push(`[${i}] got ${a}, want ${e}`);
    }
  }
  if (count > 0) {
    assert.unreachable(
      `${what}: ${count} of ${expected.length} elements off (atol ${atol}, rtol ${rtol}, worst ${worst}): ${bad.join('; ')}`,
    );
  }
}
