// Metrics against values computed by hand (worked out in the comments), including scikit-learn's documented
// examples.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { accuracy, argmaxRows, cohenKappa, confusionMatrix, evaluate, logLoss, perClassAccuracy } from '../src/train/metrics.ts';

const near = (a: number, b: number, tol = 1e-12) => Math.abs(a - b) <= tol;

test('confusion matrix: scikit-learn example (rows true, columns predicted)', () => {
  // confusion_matrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2]) = [[2,0,0],[0,0,1],[1,0,2]]
  assert.equal(confusionMatrix([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3), [
    [2, 0, 0],
    [0, 0, 1],
    [1, 0, 2],
  ]);
  assert.throws(() => confusionMatrix([0, 3], [0, 1], 3), RangeError);
});

test("Cohen's kappa: known answers", () => {
  // [[1,1],[0,2]]: p_o = 3/4; rows [2,2], columns [1,3]: p_e = (2*1 + 2*3)/16 = 1/2; kappa = (3/4-1/2)/(1/2) = 1/2.
  assert.ok(near(cohenKappa([0, 0, 1, 1], [0, 1, 1, 1], 2), 0.5));
  // The 3-class example above: p_o = 4/6; rows [2,1,3], columns [3,0,3]: p_e = (6 + 0 + 9)/36 = 15/36;
  // kappa = (24/36 - 15/36) / (21/36) = 9/21 = 3/7.
  assert.ok(near(cohenKappa([2, 0, 2, 2, 0, 1], [0, 0, 2, 2, 0, 2], 3), 3 / 7));
  // Complete disagreement on two balanced classes: p_o = 0, p_e = 1/2 -> -1.
  assert.ok(near(cohenKappa([0, 1], [1, 0], 2), -1));
  // Perfect agreement -> 1, whatever the number of classes.
  assert.ok(near(cohenKappa([0, 1, 2, 2], [0, 1, 2, 2], 5), 1));
  // Agreement at chance level: rows [2,2], columns [2,2], p_o = 1/2 = p_e -> 0.
  assert.ok(near(cohenKappa([0, 0, 1, 1], [0, 1, 0, 1], 2), 0));
  // All in one class both ways: p_e = 1, undefined (scikit-learn returns nan).
  assert.ok(Number.isNaN(cohenKappa([1, 1], [1, 1], 2)));
  // Classic textbook case (Wikipedia): 50 items, [[20,5],[10,15]]: p_o = 0.7, p_e = 0.5*0.6 + 0.5*0.4 = 0.5, kappa = 0.4.
  const t: number[] = [];
  const p: number[] = [];
  const add = (a: number, b: number, k: number) => {
    for (let i = 0; i < k; i++) {
      t.push(a);
      p.push(b);
    }
  };
  add(0, 0, 20);
  add(0, 1, 5);
  add(1, 0, 10);
  add(1, 1, 15);
  assert.ok(near(cohenKappa(t, p, 2), 0.4));
});

test('log loss: scikit-learn example, clipping at 1e-15, renormalised rows', () => {
  // log_loss(["spam","ham","ham","spam"], [[.1,.9],[.9,.1],[.8,.2],[.35,.65]]) = 0.21616... (ham = 0, spam = 1):
  // -(ln .9 + ln .9 + ln .8 + ln .65) / 4.
  const want = -(Math.log(0.9) * 2 + Math.log(0.8) + Math.log(0.65)) / 4;
  assert.ok(near(want, 0.2161620, 1e-6));
  assert.ok(near(logLoss([1, 0, 0, 1], [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.35, 0.65], 2), want));
  // A certain, wrong prediction costs -ln(1e-15) = 34.538776..., not infinity.
  assert.ok(near(logLoss([0], [0, 1], 2), -Math.log(1e-15), 1e-9));
  // Rows that do not sum to one are renormalised: [2, 2] -> [.5, .5].
  assert.ok(near(logLoss([0], [2, 2], 2), Math.log(2)));
  assert.throws(() => logLoss([0], [0.5, 0.5, 0], 2), RangeError);
});

test('accuracy, per-class accuracy, argmax and evaluate together', () => {
  assert.is(accuracy([0, 1, 2, 2], [0, 2, 2, 2]), 0.75);
  assert.equal(perClassAccuracy(confusionMatrix([0, 0, 2, 2, 2], [0, 1, 2, 2, 0], 3)), [0.5, null, 2 / 3]);
  assert.equal(argmaxRows([0.1, 0.7, 0.2, 0.5, 0.5, 0, 0, 0, 1], 3), [1, 0, 2]);
  const m = evaluate([1, 0, 0, 1], [0.1, 0.9, 0.9, 0.1, 0.8, 0.2, 0.65, 0.35], 2);
  assert.is(m.count, 4);
  assert.is(m.accuracy, 0.75);
  assert.equal(m.confusion, [
    [2, 0],
    [1, 1],
  ]);
  // [[2,0],[1,1]]: p_o = 3/4, rows [2,2], columns [3,1]: p_e = (6+2)/16 = 1/2 -> kappa 1/2.
  assert.ok(near(m.kappa, 0.5));
  assert.ok(near(m.logLoss, -(Math.log(0.9) * 2 + Math.log(0.8) + Math.log(0.35)) / 4));
  assert.equal(m.perClassAccuracy, [1, 0.5]);
});

test.run();
