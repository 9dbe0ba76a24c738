// `npm run cam`: class activation maps of a trained run. One photo -> an overlay PNG at the photo's size with the
// label and probability; a folder -> a grid of overlays; --score -> the localisation scores of the run's test
// split against the KTH masks, beside the centred-blob baseline. Thin: the work is in src/train/cam*.ts.

import { Command } from 'commander';
import { readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getGpu } from '../gpu/device.ts';
import { GraftError } from '../gpu/errors.ts';
import { camBatch, camScoresForSplit } from '../train/cam-run.ts';
import { camGridPng, camLabel, camOverlayPng, camsAtSizes, type CamTile } from '../train/cam.ts';
import { writeFileAtomic } from '../train/checkpoint-io.ts';
import { decodeImageFile } from '../train/data/decode.ts';
import { photoInput } from '../train/photo-input.ts';
import { prepareData } from '../train/data/prepare.ts';
import { camMarkdown } from '../train/report.ts';
import { loadTrainedRun, type TrainedRun } from '../train/trained-run.ts';
import { microBatchFor } from '../train/sources.ts';
import type { Gpu } from '../gpu/device.ts';
import { runCli } from './run-cli.ts';
import { progressBar } from '../train/progress.ts';

interface Options {
  run?: string;
  image?: string;
  images?: string;
  class?: string;
  top: string;
  out?: string;
  score?: string;
  data?: string;
  columns: string;
}

const program = new Command('cam')
  .description('Class activation maps of a trained run: overlays, grids, and localisation scores against masks')
  .option('--run <dir>', 'the trained run folder (from npm run train:kth)')
  .option('--image <file>', 'one photo: writes an overlay PNG at its size')
  .option('--images <dir>', 'a folder of photos: writes one grid PNG of overlays')
  .option('--class <name>', 'map of this class instead of the predicted one')
  .option('--top <k>', 'maps of the k most probable classes (one overlay each)', '1')
  .option('--out <file.png>', 'where to write the PNG')
  .option('--columns <n>', 'grid columns for --images', '4')
  .option('--score <dir>', "score the CAMs of this run's test split against the photos' masks")
  .option('--data <dir>', 'with --score: the photos with masks (default: the run\'s own --data)');

runCli(async () => {
  program.parse();
  const o = program.opts<Options>();
  const runDir = o.score ?? o.run;
  if (!runDir) throw new GraftError('give --run RUNDIR (with --image or --images) or --score RUNDIR');
  const gpu = await getGpu();
  const run = await loadTrainedRun(gpu, resolve(runDir));
  process.stderr.write(`model: stage ${run.stage} of ${runDir} (${run.backbone.description})\n`);
  if (o.score) return score(gpu, run, resolve(o.score), o.data);
  if (!o.out) throw new GraftError('--out FILE.png is required with --image or --images');
  const forced = o.class === undefined ? undefined : run.classes.indexOf(o.class);
  if (forced === -1) throw new GraftError(`--class ${o.class}: not one of this run's classes (${run.classes.join(', ')})`);
  const k = Math.max(1, Number(o.top));
  if (o.image) {
    const tiles = await overlays(gpu, run, [o.image], k, forced);
    if (tiles.length === 1) writeFileAtomic(o.out, camOverlayPng(tiles[0].photo, tiles[0].cam, tiles[0].label));
    else writeFileAtomic(o.out, camGridPng(tiles, Math.min(k, 4)));
  } else if (o.images) {
    const files = readdirSync(o.images)
      .filter((f) => /\.(jpe?g|png)$/i.test(f))
      .map((f) => join(o.images!, f))
      .filter((f) => statSync(f).isFile())
      .sort();
    if (files.length === 0) throw new GraftError(`${o.images}: no .jpg or .png photos`);
    writeFileAtomic(o.out, camGridPng(await overlays(gpu, run, files, k, forced), Number(o.columns)));
  } else {
    throw new GraftError('give --image FILE or --images DIR (or --score RUNDIR)');
  }
  process.stdout.write(`wrote ${o.out}\n`);
  run.release();
});

/** Overlays of the top-k (or forced) class maps for each photo, at the photo's own size. */
async function overlays(gpu: Gpu, run: TrainedRun, files: string[], k: number, forced: number | undefined): Promise<CamTile[]> {
  const S = run.preset.inputSize;
  const tiles: CamTile[] = [];
  for (const file of files) {
    const photo = decodeImageFile(file);
    const images = await photoInput(gpu, photo, S, run.net.preprocess);
    const kk = forced === undefined ? k : 1;
    const { maps, probs, classes } = await camBatch(gpu, run.net, images, kk, forced);
    const flat = maps.reshape([kk, maps.shape[maps.shape.length - 2], maps.shape[maps.shape.length - 1]]);
    const cams = await camsAtSizes(gpu, flat, Array(kk).fill(photo));
    flat.release();
    maps.release();
    for (let j = 0; j < kk; j++) {
      const c = classes[j];
      tiles.push({ photo, cam: cams[j], label: camLabel(run.classes[c], probs[c]) });
      process.stdout.write(`${file}: ${run.classes[c]} ${(100 * probs[c]).toFixed(1)}%\n`);
    }
  }
  return tiles;
}

async function score(gpu: Gpu, run: TrainedRun, runDir: string, data: string | undefined): Promise<void> {
  const S = run.preset.inputSize;
  const prepared = await prepareData(gpu, { dataDir: resolve(data ?? run.settings.data), runDir, size: S, seed: Number(run.settings.seed), kth: true });
  const chunk = microBatchFor(gpu, S * S * 64 * 4 * 2, run.preset.batchSize);
  const bar = progressBar('cam maps', prepared.indices.test.length, 'photos');
  const { report, result } = await camScoresForSplit(gpu, run.net, prepared.cache, prepared.indices.test, run.classes, runDir, chunk,
    { onProgress: (done) => bar.update(done) });
  bar.stop();
  const table = camMarkdown(report).join('\n');
  writeFileAtomic(join(runDir, 'cam-scores.md'), table);
  process.stdout.write(`${table}\n`);
  if (result.skipped.length) process.stderr.write(`skipped ${result.skipped.length} photos: ${result.skipped.map((s) => `${s.path} (${s.reason})`).join('; ')}\n`);
  process.stdout.write(`wrote ${join(runDir, 'cam-scores.md')} and ${join(runDir, 'cam-grid.png')}\n`);
  run.release();
}
