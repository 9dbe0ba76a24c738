// The study's three stages on a folder of photos, end to end:
//   1. the benchmark CNN from scratch, on augmented photos;
//   2. bottleneck features from the pretrained base (augmented training copies, plain validation/test), cached
//      on disk, and the top model (GAP + dense) trained on them;
//   3. the top model attached to the base's last block, everything below frozen, block + top fine-tuned with
//      augmentation (live, or on cached augmented copies of the frozen part's output in the CPU preset).
// Each stage evaluates its kept weights on the test split, draws its curves and confusion matrix, and saves
// its result, so that a resumed run skips finished stages and the report always covers all of them.

import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpu } from '../gpu/device.ts';
import { GraftError } from '../gpu/errors.ts';
import { Module, type Context, type Sequential, type Tensor } from '../graph/index.ts';
import type { Preprocess } from '../kernels/image.ts';
import { KERAS_2017_AUGMENT, PREPROCESS_UNIT, describePreprocess } from './augment.ts';
import type { Backbone } from './backbones/backbone.ts';
import { loadWeights, saveWeights } from './checkpoint.ts';
import { writeFileAtomic } from './checkpoint-io.ts';
import { prepareData, type PreparedData } from './data/prepare.ts';
import { extractFeatures } from './features.ts';
import { fit, predict, type ExampleSource, type FitResult } from './fit.ts';
import { evaluate } from './metrics.ts';
import { benchmarkCnn } from './models/benchmark-cnn.ts';
import { topModel } from './models/top-model.ts';
import { writeConfusionMatrix, writeLearningCurves } from './plot.ts';
import type { Preset, StagePreset } from './presets.ts';
import { writeRunReport, type RunReport, type SkippedStage, type StageNumber, type StageResult } from './report.ts';
import { featureSource, imageSource, microBatchFor, throughSource, type FeatureStore } from './sources.ts';
import { camScoresForSplit } from './cam-run.ts';
import { progressBar } from './progress.ts';

export interface StudyOptions {
  dataDir: string;
  runDir: string;
  preset: Preset;
  stages: StageNumber[];
  seed: number;
  resume: boolean;
  /** The pretrained base for stages 2-3, or why there is none (stages 2-3 are then skipped with that reason). */
  backbone: Backbone | { missing: string };
  /** Mention KTH-ANIMALS in data errors. */
  kth: boolean;
  /** Shares of the photos for training and validation (default: the study's 1460/1737 and 180/1737). */
  trainFraction?: number;
  valFraction?: number;
  notes?: string[];
}

export interface StudyResult {
  report: RunReport;
  data: PreparedData;
  /** Stage 3's fine-tuned model (tail + top) when it ran, for CAM. */
  fineTuned?: FineTuned;
}

const RESULT_FILE = 'result.json';
const MODEL_FILE = 'model.safetensors';

export async function runStudy(gpu: Gpu, o: StudyOptions): Promise<StudyResult> {
  mkdirSync(o.runDir, { recursive: true });
  const started = new Date().toISOString();
  const size = o.preset.inputSize;
  const data = await prepareData(gpu, { dataDir: o.dataDir, runDir: o.runDir, size, seed: o.seed, kth: o.kth, trainFraction: o.trainFraction, valFraction: o.valFraction });
  if (data.warning) process.stderr.write(`warning: ${data.warning}\n`);
  const classes = data.folder.classes;
  const notes = [...(o.notes ?? [])];
  if (data.warning) notes.push(data.warning);
  const stages: (StageResult | SkippedStage)[] = [];
  const backbone = 'missing' in o.backbone ? null : o.backbone;
  let fineTuned: FineTuned | undefined;

  for (const stage of o.stages) {
    const dir = join(o.runDir, `stage${stage}`);
    const done = join(dir, RESULT_FILE);
    if (o.resume && existsSync(done)) {
      stages.push(JSON.parse(readFileSync(done, 'utf8')));
      process.stderr.write(`stage ${stage}: already finished in ${dir}, kept\n`);
      continue;
    }
    if (stage !== 1 && !backbone) {
      stages.push({ stage, skipped: (o.backbone as { missing: string }).missing });
      continue;
    }
    let result: StageResult;
    if (stage === 1) result = await stage1(gpu, o, data, dir);
    else if (stage === 2) result = await stage2(gpu, o, data, backbone!, dir);
    else {
      const r = await stage3(gpu, o, data, backbone!, dir);
      result = r.result;
      fineTuned = r.model;
    }
    writeFileAtomic(done, JSON.stringify(result, null, 2));
    stages.push(result);
  }

  const report: RunReport = {
    adapter: gpu.describe(),
    preset: o.preset.changes ? `${o.preset.name} (${o.preset.changes})` : o.preset.name,
    inputSize: size,
    split: { train: data.indices.train.length, val: data.indices.val.length, test: data.indices.test.length },
    seed: o.seed,
    classes,
    stages,
    backbone: backbone?.description,
    preprocess: backbone ? describePreprocess(backbone.preprocess) : describePreprocess(PREPROCESS_UNIT),
    dataDir: o.dataDir,
    startedAt: started,
    finishedAt: new Date().toISOString(),
    notes,
    // The targets are for KTH-ANIMALS: shown only when the classes are its 19 (the archive's spelling included).
    targets: isKthAnimals(classes) ? backbone?.kthTargets : undefined,
  };
  const withMasks = data.indices.test.filter((i) => data.cache.items[i].maskPath);
  const stage3File = join(o.runDir, 'stage3', MODEL_FILE);
  if (!fineTuned && backbone && withMasks.length > 0 && o.stages.includes(3) && existsSync(stage3File)) {
    // Stage 3 finished in an earlier call (a resumed run): its saved weights give the same maps.
    const top = topModel(gpu, { channels: backbone.featureChannels, numClasses: classes.length, dropout: 0, seed: o.seed });
    fineTuned = new FineTuned(backbone.tail, top);
    fineTuned.loadStateDict(loadWeights(stage3File).weights);
  }
  if (fineTuned && backbone && withMasks.length > 0) {
    // Where the fine-tuned network looks, measured against the photos' masks (KTH ships one per photo).
    const chunk = microBatchFor(gpu, size * size * 64 * 4 * 2, o.preset.batchSize);
    const net = { convolutional: [backbone.frozen, backbone.tail], top: fineTuned.top as Sequential, preprocess: backbone.preprocess };
    const bar = progressBar('CAM maps of the test photos', data.indices.test.length, 'photos');
    report.cam = (await camScoresForSplit(gpu, net, data.cache, data.indices.test, classes, o.runDir, chunk, { onProgress: (done) => bar.update(done) })).report;
    bar.stop();
  }
  writeRunReport(o.runDir, report);
  return { report, data, fineTuned };
}

async function stage1(gpu: Gpu, o: StudyOptions, data: PreparedData, dir: string): Promise<StageResult> {
  const p = o.preset.stage1;
  const classes = data.folder.classes.length;
  const model = benchmarkCnn(gpu, { widths: p.widths, numClasses: classes, dropout: p.dropout, seed: o.seed });
  const pre = PREPROCESS_UNIT;
  const S = o.preset.inputSize;
  // The first conv's output is the largest activation, and backward holds it plus its gradient.
  const micro = microBatchFor(gpu, S * S * p.widths[0] * 4, o.preset.batchSize);
  const sources = splitSources(gpu, data, pre, true);
  const run = await fit(gpu, {
    title: 'stage 1',
    dir,
    model,
    train: sources.train,
    val: sources.val,
    epochs: p.epochs,
    batchSize: o.preset.batchSize,
    microBatch: micro,
    optimizer: p.optimizer,
    patience: p.patience,
    seed: o.seed + 1,
    resume: o.resume,
  });
  await saveWeights(join(dir, MODEL_FILE), model, { stage: '1' });
  const result = await finishStage(gpu, 1, model, sources.test, data, dir, run, o.preset.batchSize, undefined, [
    `benchmark CNN: five 3x3 conv blocks of widths ${p.widths.join('/')} (ReLU, 2x2 max pool after the first four), GAP, dropout ${p.dropout}, dense ${classes}`,
    `${optimizerText(p)}, batch ${o.preset.batchSize}${micro < o.preset.batchSize ? ` (micro-batches of ${micro} for the adapter's limits)` : ''}, Keras-2017 augmentation`,
  ]);
  model.release();
  return result;
}

async function stage2(gpu: Gpu, o: StudyOptions, data: PreparedData, backbone: Backbone, dir: string): Promise<StageResult> {
  const p = o.preset.stage2;
  const classes = data.folder.classes.length;
  const stores = await bottleneckFeatures(gpu, o, data, backbone, dir);
  const model = topModel(gpu, { channels: backbone.featureChannels, numClasses: classes, dropout: p.dropout, seed: o.seed });
  const run = await fit(gpu, {
    title: 'stage 2',
    dir,
    model,
    train: featureSource(gpu, stores.train),
    val: featureSource(gpu, stores.val),
    epochs: p.epochs,
    batchSize: o.preset.batchSize,
    optimizer: p.optimizer,
    patience: p.patience,
    seed: o.seed + 2,
    resume: o.resume,
  });
  await saveWeights(join(dir, MODEL_FILE), model, { stage: '2' });
  const result = await finishStage(gpu, 2, model, featureSource(gpu, stores.test), data, dir, run, o.preset.batchSize, `Top model on ${backbone.name} bottleneck features`, [
    `top model: GAP over ${backbone.name}'s last conv features [${stores.train.shape.join(',')}], dropout ${p.dropout}, dense ${classes}`,
    `${optimizerText(p)}; trained on ${p.copies} augmented cop${p.copies === 1 ? 'y' : 'ies'} of the training set's bottleneck features`,
  ]);
  model.release();
  return result;
}

/** The fine-tuned network: the base's last block followed by the top model. */
export class FineTuned extends Module {
  constructor(
    readonly tail: Module,
    readonly top: Module,
  ) {
    super();
    this.addChild('tail', tail);
    this.addChild('top', top);
  }

  forward(x: Tensor, ctx: Context): Tensor {
    return this.top.forward(this.tail.forward(x, ctx), ctx);
  }
}

async function stage3(gpu: Gpu, o: StudyOptions, data: PreparedData, backbone: Backbone, dir: string): Promise<{ result: StageResult; model: FineTuned }> {
  const p = o.preset.stage3;
  const classes = data.folder.classes.length;
  const topFile = join(o.runDir, 'stage2', MODEL_FILE);
  if (!existsSync(topFile)) throw new GraftError(`stage 3 starts from stage 2's top model, and ${topFile} does not exist: run stage 2 first (--stages 2,3)`);
  const top = topModel(gpu, { channels: backbone.featureChannels, numClasses: classes, dropout: p.dropout, seed: o.seed });
  top.loadStateDict(loadWeights(topFile).weights);
  const model = new FineTuned(backbone.tail, top);
  const S = o.preset.inputSize;
  const chunk = microBatchFor(gpu, S * S * 64 * 4 * 2, o.preset.batchSize);
  const pre = backbone.preprocess;
  const images = splitSources(gpu, data, pre, true);
  let train: ExampleSource;
  let val: ExampleSource;
  let test: ExampleSource;
  if (p.copies > 0) {
    const frozen = await frozenFeatures(gpu, o, data, backbone);
    train = featureSource(gpu, frozen.train);
    val = featureSource(gpu, frozen.val);
    test = featureSource(gpu, frozen.test);
  } else {
    train = throughSource(gpu, images.train, backbone.frozen, chunk);
    val = throughSource(gpu, images.val, backbone.frozen, chunk);
    test = throughSource(gpu, images.test, backbone.frozen, chunk);
  }
  const run = await fit(gpu, {
    title: 'stage 3',
    dir,
    model,
    train,
    val,
    epochs: p.epochs,
    batchSize: o.preset.batchSize,
    optimizer: p.optimizer,
    patience: p.patience,
    seed: o.seed + 4,
    resume: o.resume,
  });
  await saveWeights(join(dir, MODEL_FILE), model, { stage: '3', backbone: backbone.name, weights: backbone.weightsId });
  const result = await finishStage(gpu, 3, model, test, data, dir, run, o.preset.batchSize, `Fine-tuned (${backbone.name} ${backbone.tailDescription} + top)`, [
    `fine-tuned: ${backbone.name} ${backbone.tailDescription} + top model trained; everything below frozen (no gradient computed for it)`,
    `${optimizerText(p)}; ${p.copies > 0 ? `${p.copies} cached augmented copies of the frozen part's output` : 'augmentation on the fly'}`,
  ]);
  return { result, model };
}

/**
 * The frozen part's output over each split (augmented copies of the training photos, plain validation/test),
 * computed once and cached on disk: stage 2's bottleneck features are the tail run over these, and stage 3
 * trains the tail on them, so the expensive part of the network runs over each photo version only once.
 */
async function frozenFeatures(gpu: Gpu, o: StudyOptions, data: PreparedData, backbone: Backbone) {
  const S = o.preset.inputSize;
  const chunk = microBatchFor(gpu, S * S * 64 * 4 * 2, o.preset.batchSize);
  const images = splitSources(gpu, data, backbone.preprocess, true);
  const key = featureKeyParts(o, data, backbone, 'frozen');
  const copies = Math.max(1, o.preset.stage2.copies, o.preset.stage3.copies);
  const job = (name: 'train' | 'val' | 'test', n: number, augmentSeed: number | null) =>
    extractFeatures(gpu, {
      title: `frozen-part ${name} features`,
      module: backbone.frozen,
      source: images[name],
      copies: n,
      augmentSeed,
      batch: chunk,
      keyParts: [...key, name, data.indices[name]],
      file: join(o.runDir, `features-frozen-${name}.safetensors`),
    });
  return { train: await job('train', copies, o.seed + 3), val: await job('val', 1, null), test: await job('test', 1, null) };
}

/** Stage 2's inputs: the base's last block run over the cached frozen-part features (`copies` training versions). */
async function bottleneckFeatures(gpu: Gpu, o: StudyOptions, data: PreparedData, backbone: Backbone, dir: string) {
  const frozen = await frozenFeatures(gpu, o, data, backbone);
  const key = featureKeyParts(o, data, backbone, 'bottleneck');
  const job = async (name: 'train' | 'val' | 'test', store: FeatureStore, copies: number) => {
    const parts: FeatureStore[] = [];
    for (let k = 0; k < copies; k++) {
      parts.push(
        await extractFeatures(gpu, {
          title: `bottleneck ${name} features${copies > 1 ? ` (copy ${k + 1}/${copies})` : ''}`,
          module: backbone.tail,
          source: featureSource(gpu, { ...store, copies: [store.copies[k]] }),
          copies: 1,
          augmentSeed: null,
          batch: o.preset.batchSize,
          keyParts: [...key, name, data.indices[name], k],
          file: join(o.runDir, `features-bottleneck-${name}${copies > 1 ? `-${k}` : ''}.safetensors`),
        }),
      );
    }
    return { shape: parts[0].shape, labels: parts[0].labels, copies: parts.map((f) => f.copies[0]) };
  };
  mkdirSync(dir, { recursive: true });
  const copies = Math.min(o.preset.stage2.copies, frozen.train.copies.length);
  return { train: await job('train', frozen.train, copies), val: await job('val', frozen.val, 1), test: await job('test', frozen.test, 1) };
}

function featureKeyParts(o: StudyOptions, data: PreparedData, backbone: Backbone, part: string): unknown[] {
  return [part, backbone.name, backbone.weightsId, o.preset.inputSize, backbone.preprocess, KERAS_2017_AUGMENT, data.cache.key];
}

function splitSources(gpu: Gpu, data: PreparedData, pre: Preprocess, augmentTrain: boolean) {
  return {
    train: imageSource(gpu, data.cache, data.indices.train, pre, augmentTrain ? KERAS_2017_AUGMENT : null),
    val: imageSource(gpu, data.cache, data.indices.val, pre, null),
    test: imageSource(gpu, data.cache, data.indices.test, pre, null),
  };
}

async function finishStage(
  gpu: Gpu,
  stage: StageNumber,
  model: Module,
  test: ExampleSource,
  data: PreparedData,
  dir: string,
  run: FitResult,
  batch: number,
  name: string | undefined,
  notes: string[],
): Promise<StageResult> {
  const classes = data.folder.classes;
  const probs = await predict(gpu, model, test, batch);
  const m = evaluate(test.labels, probs, classes.length);
  const curvesPng = join(dir, 'curves.png');
  const confusionPng = join(dir, 'confusion.png');
  writeLearningCurves(curvesPng, run.history, { title: `stage ${stage}`, bestEpoch: run.bestEpoch });
  writeConfusionMatrix(confusionPng, m.confusion, classes, { title: `stage ${stage}: test confusion matrix` });
  process.stderr.write(
    `stage ${stage}: test accuracy ${(100 * m.accuracy).toFixed(1)}%, kappa ${m.kappa.toFixed(4)}, log loss ${m.logLoss.toFixed(4)} ` +
      `(best epoch ${run.bestEpoch} of ${run.epochs}, ${run.secondsPerEpoch.toFixed(2)} s/epoch)\n`,
  );
  return {
    stage,
    name,
    accuracy: m.accuracy,
    kappa: m.kappa,
    logLoss: m.logLoss,
    secondsPerEpoch: run.secondsPerEpoch,
    epochs: run.epochs,
    bestEpoch: run.bestEpoch,
    perClassAccuracy: m.perClassAccuracy,
    curvesPng,
    confusionPng,
    notes: [...notes, `early stopping: ${run.stoppedEarly ? `stopped after epoch ${run.epochs}` : 'ran every epoch'}; kept epoch ${run.bestEpoch} (lowest validation loss)`],
  };
}

function optimizerText(p: StagePreset): string {
  const opt = p.optimizer;
  return opt.kind === 'sgd' ? `SGD lr ${opt.lr} momentum ${opt.momentum}${opt.nesterov ? ' (Nesterov)' : ''}` : `Adam lr ${opt.lr}`;
}

/** KTH-ANIMALS's 19 class folders, as the archive spells them. */
const KTH_CLASSES = [
  'bear', 'cougar', 'cow', 'coyote', 'deer', 'elephant', 'giraffe', 'goat', 'gorilla', 'horse', 'kangaroo', 'leopard',
  'lion', 'panda', 'penquin', 'sheep', 'skunk', 'tiger', 'zebra',
];

function isKthAnimals(classes: readonly string[]): boolean {
  return classes.length === KTH_CLASSES.length && KTH_CLASSES.every((c) => classes.includes(c));
}
