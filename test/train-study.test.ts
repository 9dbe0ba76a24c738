// End to end: all three stages of the study on a generated photo folder with a small generated VGG-shaped
// base; every stage must learn (test accuracy well above chance) and the run must write its report.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import { PNG } from 'pngjs';
import { join } from 'node:path';
import { testGpu } from './helpers/gpu.ts';
import { tempDir } from './helpers/data-images.ts';
import { syntheticPhotos, syntheticVggWeights, tinyPreset } from './helpers/synthetic-study.ts';
import { runStudy } from '../src/train/study.ts';
import { loadVggBackbone } from '../src/train/backbones/vgg.ts';

// `npm run cam` as a child process, through this Node and tsx (not npx, which a machine may lack).
const runCam = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/cam.ts', ...args], { encoding: 'utf8' });

test('the three stages run end to end and learn a synthetic problem', async () => {
  const gpu = await testGpu();
  const data = syntheticPhotos(3, 24, 40, 1, true);
  const runDir = tempDir('graft-run-');
  const backbone = loadVggBackbone(gpu, syntheticVggWeights(join(runDir, 'base.safetensors')));
  const { report } = await runStudy(gpu, {
    dataDir: data,
    runDir,
    preset: tinyPreset(),
    stages: [1, 2, 3],
    seed: 3,
    resume: false,
    backbone,
    kth: false,
    trainFraction: 0.6,
    valFraction: 0.2,
  });
  assert.is(report.stages.length, 3);
  for (const s of report.stages) {
    assert.ok(!('skipped' in s), `stage ${s.stage} skipped`);
    if ('skipped' in s) continue;
    // Chance is 1/3; the classes differ in colour and position, so every stage should do far better.
    assert.ok(s.accuracy >= 0.6, `stage ${s.stage}: test accuracy ${s.accuracy}`);
    assert.ok(Number.isFinite(s.logLoss) && Number.isFinite(s.kappa), `stage ${s.stage} metrics`);
    assert.ok(existsSync(s.curvesPng!) && existsSync(s.confusionPng!), `stage ${s.stage} pictures`);
  }
  const results = JSON.parse(readFileSync(join(runDir, 'results.json'), 'utf8'));
  assert.equal(Object.keys(results.stages), ['stage1', 'stage2', 'stage3']);
  assert.ok(readFileSync(join(runDir, 'report.md'), 'utf8').includes('Benchmark'));
  // The split is saved and the features are cached: a second stage-2 run loads them.
  assert.ok(existsSync(join(runDir, 'split.json')));
  assert.ok(existsSync(join(runDir, 'features-frozen-train.safetensors')));
  // Where the fine-tuned network looks, scored against the masks beside the centred-blob baseline.
  assert.ok(report.cam, 'CAM section');
  assert.ok(report.cam!.model.overall.count > 0, 'CAM scores over the test photos');
  assert.ok(existsSync(join(runDir, 'cam-grid.png')));

  // Resuming a finished run keeps every stage's result and still reports the CAM scores.
  const again = await runStudy(gpu, {
    dataDir: data,
    runDir,
    preset: tinyPreset(),
    stages: [1, 2, 3],
    seed: 3,
    resume: true,
    backbone,
    kth: false,
    trainFraction: 0.6,
    valFraction: 0.2,
  });
  const accuracies = (r: typeof report) => r.stages.map((s) => ('skipped' in s ? null : s.accuracy));
  assert.equal(accuracies(again.report), accuracies(report));
  assert.equal(again.report.cam?.model.overall, report.cam?.model.overall);
  backbone.release();

  // `npm run cam` on the finished run: an overlay of one photo at the photo's size, and the scores again.
  writeFileSync(
    join(runDir, 'run.json'),
    JSON.stringify({ data, backbone: 'vgg19', weights: join(runDir, 'base.safetensors'), preset: 'cpu', inputSize: 32, seed: '3', out: runDir }),
  );
  const photo = join(data, 'class1', 'original', 'img0.png');
  const out = join(runDir, 'overlay.png');
  const cam = runCam(['--run', runDir, '--image', photo, '--out', out]);
  assert.is(cam.status, 0, cam.stderr);
  assert.match(cam.stdout, /img0\.png: class\d \d+\.\d%/);
  const png = PNG.sync.read(readFileSync(out));
  assert.equal([png.width, png.height], [40, 40]);
  const scored = runCam(['--score', runDir]);
  assert.is(scored.status, 0, scored.stderr);
  assert.match(scored.stdout, /\*\*all\*\* \| \d+ \|/);
  assert.match(scored.stderr, /cam maps: done in \d+\.\d s/, 'the maps of the test split under a progress bar');
  const bad = runCam(['--run', runDir, '--image', join(runDir, 'nope.jpg'), '--out', out]);
  assert.is(bad.status, 1);
  assert.match(bad.stderr, /error: .*nope\.jpg/);
});

test('stages 2-3 are skipped with the reason when no pretrained weights exist', async () => {
  const gpu = await testGpu();
  const data = syntheticPhotos(2, 8);
  const runDir = tempDir('graft-run-');
  const preset = tinyPreset();
  preset.stage1.epochs = 1;
  const { report } = await runStudy(gpu, {
    dataDir: data,
    runDir,
    preset,
    stages: [1, 2, 3],
    seed: 1,
    resume: false,
    backbone: { missing: 'no VGG19 weights at weights/vgg19.safetensors' },
    kth: false,
  });
  const skipped = report.stages.filter((s) => 'skipped' in s);
  assert.is(skipped.length, 2);
  assert.match(readFileSync(join(runDir, 'report.md'), 'utf8'), /no VGG19 weights/);
});

test('npm run train:kth with a missing data folder fails in one line and makes no run folder', () => {
  const out = join(tempDir('graft-run-'), 'never-made');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/train-kth.ts', '--data', join(out, 'no-photos-here'), '--out', out], { encoding: 'utf8' });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /data folder not found: .*no-photos-here\. Download KTH-ANIMALS/);
  assert.not.ok(existsSync(out), 'no run folder is left behind');
});

test.run();
