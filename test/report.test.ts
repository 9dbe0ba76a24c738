// The run report writer: results.json has every required field per stage and for the run, report.md has the
// study's Table 1 beside ours, the per-stage sections with their pictures, and an honest "beats the study".

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { STUDY_TABLE, checkTargets, compareWithStudy, writeRunReport, type RunReport } from '../src/train/report.ts';
import { summarizeCamScores } from '../src/train/cam-score.ts';
import { tempDir } from './helpers/data-images.ts';

function sample(dir: string): RunReport {
  return {
    adapter: 'llvmpipe: Mesa 25.0.7 (mesa, software)',
    preset: 'cpu',
    inputSize: 128,
    split: { train: 1460, val: 180, test: 97 },
    seed: 2017,
    classes: ['bear', 'cougar'],
    backbone: 'vgg19',
    preprocess: 'RGB, x*1/255 - [0.485,0.456,0.406] / [0.229,0.224,0.225]',
    stages: [
      { stage: 1, accuracy: 0.61, kappa: 0.58, logLoss: 1.5, secondsPerEpoch: 95.2, epochs: 30, bestEpoch: 24, perClassAccuracy: [0.5, null], curvesPng: join(dir, 'stage1-curves.png'), confusionPng: 'stage1-confusion.png', notes: ['5 conv layers'] },
      { stage: 2, accuracy: 0.59, kappa: 0.6, logLoss: NaN, secondsPerEpoch: 0.4, epochs: 100, bestEpoch: 90 },
      { stage: 3, skipped: 'no pretrained weights: pass --weights FILE' },
    ],
    notes: ['3 masks have no photo'],
    cam: {
      model: summarizeCamScores([{ classIndex: 0, score: { energyInside: 0.7, pointingHit: true, iou: 0.4 } }], ['bear', 'cougar']),
      baseline: summarizeCamScores([{ classIndex: 0, score: { energyInside: 0.5, pointingHit: false, iou: 0.3 } }], ['bear', 'cougar']),
    },
  };
}

test('results.json: per stage accuracy, kappa, logLoss, secondsPerEpoch, epochs, bestEpoch; run settings', () => {
  const dir = tempDir('graft-report-');
  try {
    const { resultsPath } = writeRunReport(dir, sample(dir));
    const r = JSON.parse(readFileSync(resultsPath, 'utf8'));
    for (const key of ['adapter', 'preset', 'inputSize', 'split', 'seed']) assert.ok(key in r, key);
    assert.equal(r.split, { train: 1460, val: 180, test: 97 });
    assert.equal(
      Object.keys(r.stages.stage1).filter((k) => ['accuracy', 'kappa', 'logLoss', 'secondsPerEpoch', 'epochs', 'bestEpoch'].includes(k)).length,
      6,
    );
    assert.is(r.stages.stage1.bestEpoch, 24);
    assert.is(r.stages.stage2.logLoss, null, 'NaN written as null');
    assert.equal(r.stages.stage3, { skipped: 'no pretrained weights: pass --weights FILE' });
    assert.equal(r.stages.stage1.beatsStudy, { logLoss: true, accuracy: true, kappa: true, all: true });
    assert.is(r.cam.model.overall.count, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("report.md: the study's table beside ours, sections, relative picture links, verdicts", () => {
  const dir = tempDir('graft-report-');
  try {
    const { reportPath } = writeRunReport(dir, sample(dir));
    const md = readFileSync(reportPath, 'utf8');
    for (const s of ['8.95', '1.83', '57.0%', '0.5479', '0.17', '1.41', '60.0%', '0.5777', '12.5', '0.93', '80.0%', '0.7890']) {
      assert.ok(md.includes(s), `study value ${s}`);
    }
    assert.ok(md.includes('| | **ours** | 95.2 | 1.50 | 61.0% | 0.5800 | 30 (24) | yes |'), 'stage 1 row');
    assert.ok(/\| \| \*\*ours\*\* \| 0\.40 \| n\/a \| 59\.0% \| 0\.6000 \| 100 \(90\) \| no \(log loss no, accuracy no, kappa yes\) \|/.test(md), 'stage 2 row');
    assert.ok(md.includes('Skipped: no pretrained weights'));
    assert.ok(md.includes('![Stage 1 learning curves](stage1-curves.png)'), 'absolute path made relative');
    assert.ok(md.includes('![Stage 1 confusion matrix](stage1-confusion.png)'));
    assert.ok(md.includes('| cougar | no photo |'));
    assert.ok(md.includes('llvmpipe') && md.includes('`cpu`') && md.includes('128x128') && md.includes('seed 2017'));
    assert.ok(md.includes('| bear | 1 | 70.0% / 50.0% | 100.0% / 0.0% | 0.400 / 0.300 |'), 'CAM row beside the baseline');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('beating the study needs all three metrics better', () => {
  const s = STUDY_TABLE[3];
  assert.equal(compareWithStudy({ stage: 3, accuracy: s.accuracy, kappa: 1, logLoss: 0, secondsPerEpoch: 1, epochs: 1, bestEpoch: 1 }).all, false, 'a tie is not a win');
  assert.equal(compareWithStudy({ stage: 3, accuracy: 0.81, kappa: 0.79, logLoss: 0.92, secondsPerEpoch: 99, epochs: 1, bestEpoch: 1 }).all, true);
});

test('targets: each bar met or not (log loss at most, the others at least), a skipped stage never meets one', () => {
  const dir = tempDir('graft-report-targets-');
  try {
    const report: RunReport = {
      ...sample(dir),
      backbone: 'ResNet50, ImageNet',
      stages: sample(dir).stages.map((st) => (st.stage === 2 ? { ...st, name: 'Top model on ResNet50 bottleneck features' } : st)),
      targets: { source: 'issue #6', stages: { 2: { accuracy: 0.59, logLoss: 0.3 }, 3: { accuracy: 0.93 } } },
    };
    const checks = checkTargets(report.targets!, report.stages);
    assert.equal(checks.map((c) => [c.stage, c.metric, c.met]), [
      [2, 'accuracy', true], // 0.59 >= 0.59: a tie meets an "at least" bar
      [2, 'logLoss', false], // NaN never meets a bar
      [3, 'accuracy', false], // skipped
    ]);
    const { reportPath, resultsPath } = writeRunReport(dir, report);
    const md = readFileSync(reportPath, 'utf8');
    assert.match(md, /## Targets\n\nSet by issue #6\./);
    assert.match(md, /\| 2\. Top model on ResNet50 bottleneck features \| accuracy \| ≥ 59\.0% \| 59\.0% \| yes \|/);
    assert.match(md, /\| 3\. .* \| accuracy \| ≥ 93\.0% \| not run \| \*\*no\*\* \|/);
    assert.match(md, /2 of 3 targets were not met\./);
    const json = JSON.parse(readFileSync(resultsPath, 'utf8'));
    assert.is(json.targets.checks.length, 3);
    // Without targets there is no section.
    assert.not.match(readFileSync(writeRunReport(dir, sample(dir)).reportPath, 'utf8'), /## Targets/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
