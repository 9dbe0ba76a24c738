// The training loop shared by the three stages: epochs of shuffled mini-batches, softmax cross-entropy, an
// optimizer step per batch, validation after each epoch, early stopping on validation loss with patience, the
// best epoch's weights restored at the end, and a checkpoint after every epoch from which `resume` continues
// exactly (same weights as an unbroken run: the shuffles, augmentation draws and dropout masks all come from
// RNGs whose states are checkpointed, and every kernel is deterministic).
//
// Batches larger than the adapter can hold in one binding are split into micro-batches whose gradients add up
// (each micro-batch's mean loss is weighted by its share of the batch), so batch 20 at 224x224 trains on any
// adapter, never by failing or by silently returning zeros.

import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { Context, Dropout, Module, SGD, Adam, Tensor, backward, lossValue, softmaxCrossEntropy, type Optimizer } from '../graph/index.ts';
import { Rng } from '../util/rng.ts';
import { loadCheckpoint, loadWeights, saveCheckpoint, saveWeights, type LoopState } from './checkpoint.ts';
import type { EpochRecord } from './plot.ts';
import { progressBar } from './progress.ts';
import { accuracy, argmaxRows, logLoss } from './metrics.ts';

/** Where the examples of one split come from: inputs for a list of example indices. */
export interface ExampleSource {
  /** Number of examples. */
  readonly size: number;
  /** Class label of every example. */
  readonly labels: readonly number[];
  /**
   * Inputs (N, ...) for these examples. Training sources may augment, drawing from `rng` (the loop's
   * checkpointed RNG); evaluation sources get no rng and must be deterministic. The caller releases the tensor.
   */
  inputs(indices: readonly number[], rng?: Rng): Promise<GpuTensor> | GpuTensor;
}

export type OptimizerSpec =
  | { kind: 'sgd'; lr: number; momentum: number; nesterov?: boolean; weightDecay?: number }
  | { kind: 'adam'; lr: number; weightDecay?: number };

export interface FitOptions {
  /** For progress lines and errors ("stage 1"). */
  title: string;
  /** Folder for checkpoint.safetensors and best.safetensors. */
  dir: string;
  model: Module;
  train: ExampleSource;
  val: ExampleSource;
  epochs: number;
  batchSize: number;
  /** Largest number of examples one forward/backward may hold (adapter limits); default batchSize. */
  microBatch?: number;
  optimizer: OptimizerSpec;
  /** Stop after this many epochs without a better validation loss. */
  patience: number;
  seed: number;
  /** Continue from dir/checkpoint.safetensors if it exists. */
  resume: boolean;
  /** Stop after this many epochs in this call (tests use it to simulate a kill); default no limit. */
  stopAfterEpochs?: number;
}

export interface FitResult {
  history: EpochRecord[];
  /** 1-based epoch whose weights the model holds at the end. */
  bestEpoch: number;
  epochs: number;
  secondsPerEpoch: number;
  stoppedEarly: boolean;
  /** False when stopAfterEpochs ended the call before training finished. */
  finished: boolean;
}

const CHECKPOINT = 'checkpoint.safetensors';
const BEST = 'best.safetensors';

export async function fit(gpu: Gpu, o: FitOptions): Promise<FitResult> {
  mkdirSync(o.dir, { recursive: true });
  const checkpointPath = join(o.dir, CHECKPOINT);
  const bestPath = join(o.dir, BEST);
  const optimizer = makeOptimizer(o.model, o.optimizer);
  const dropouts = dropoutLayers(o.model);
  let state: LoopState = {
    epoch: 0,
    rng: new Rng(o.seed).seed,
    dropout: Object.fromEntries(dropouts.map(([path, d]) => [path, d.seed])),
    history: [],
    bestEpoch: 0,
    bestValLoss: Infinity,
    badEpochs: 0,
    epochSeconds: [],
    done: false,
  };
  if (o.resume && existsSync(checkpointPath)) {
    const ck = loadCheckpoint(checkpointPath);
    o.model.loadStateDict(ck.weights);
    optimizer.loadStateDict(ck.optimizer);
    state = ck.state;
    process.stderr.write(`${o.title}: resuming after epoch ${state.epoch} from ${checkpointPath}\n`);
  }
  for (const [path, d] of dropouts) if (path in state.dropout) d.seed = state.dropout[path];

  const micro = Math.max(1, Math.min(o.microBatch ?? o.batchSize, o.batchSize));
  let epochsThisCall = 0;
  while (!state.done && state.epoch < o.epochs) {
    if (o.stopAfterEpochs !== undefined && epochsThisCall >= o.stopAfterEpochs) break;
    const rng = new Rng(0);
    rng.seed = state.rng;
    const order = rng.shuffle([...Array(o.train.size).keys()]);
    const batches = Math.ceil(order.length / o.batchSize);
    const bar = progressBar(`${o.title} epoch ${state.epoch + 1}/${o.epochs}`, batches);
    o.model.train();
    const started = performance.now();
    let lossSum = 0;
    let correct = 0;
    for (let b = 0; b < batches; b++) {
      const batch = order.slice(b * o.batchSize, (b + 1) * o.batchSize);
      for (let m = 0; m < batch.length; m += micro) {
        const part = batch.slice(m, m + micro);
        const stats = await trainStep(gpu, o, part, part.length / batch.length, rng);
        lossSum += stats.loss * part.length;
        correct += stats.correct;
      }
      optimizer.step();
      optimizer.zeroGrad();
      const seen = Math.min((b + 1) * o.batchSize, order.length);
      bar.update(b + 1, { loss: lossSum / seen, acc: correct / seen });
    }
    await gpu.sync();
    const seconds = (performance.now() - started) / 1000;
    const val = await evaluateLoss(gpu, o.model, o.val, o.batchSize);
    const record: EpochRecord = {
      epoch: state.epoch + 1,
      trainLoss: lossSum / order.length,
      trainAccuracy: correct / order.length,
      valLoss: val.loss,
      valAccuracy: val.accuracy,
    };
    bar.stop(
      `loss ${record.trainLoss.toFixed(4)} acc ${(100 * record.trainAccuracy).toFixed(1)}% | val loss ${val.loss.toFixed(4)} ` +
        `acc ${(100 * val.accuracy).toFixed(1)}% | ${seconds.toFixed(1)} s`,
    );
    state.history.push(record);
    state.epochSeconds.push(seconds);
    state.epoch++;
    state.rng = rng.seed;
    state.dropout = Object.fromEntries(dropouts.map(([path, d]) => [path, d.seed]));
    if (val.loss < state.bestValLoss) {
      state.bestValLoss = val.loss;
      state.bestEpoch = state.epoch;
      state.badEpochs = 0;
      await saveWeights(bestPath, o.model, { epoch: String(state.epoch), val_loss: String(val.loss) });
    } else if (++state.badEpochs > o.patience) {
      process.stderr.write(`${o.title}: no better validation loss for ${state.badEpochs} epochs, stopping early\n`);
      state.done = true;
    }
    if (state.epoch >= o.epochs) state.done = true;
    await saveCheckpoint(checkpointPath, o.model, optimizer, state);
    epochsThisCall++;
  }
  optimizer.release();
  if (state.done && existsSync(bestPath)) o.model.loadStateDict(loadWeights(bestPath).weights);
  const secs = state.epochSeconds;
  return {
    history: state.history,
    bestEpoch: state.bestEpoch,
    epochs: state.epoch,
    secondsPerEpoch: secs.length ? secs.reduce((a, b) => a + b, 0) / secs.length : NaN,
    stoppedEarly: state.done && state.epoch < o.epochs,
    finished: state.done,
  };
}

/** Forward + backward of one micro-batch; its mean loss is weighted by `share` of the batch. */
async function trainStep(gpu: Gpu, o: FitOptions, indices: readonly number[], share: number, rng: Rng): Promise<{ loss: number; correct: number }> {
  const ctx = new Context(gpu);
  const x = await o.train.inputs(indices, rng);
  const labelValues = indices.map((i) => o.train.labels[i]);
  const labels = GpuTensor.from(gpu, [indices.length], labelValues, 'i32', 'labels');
  try {
    const logits = o.model.forward(new Tensor(x), ctx);
    const loss = softmaxCrossEntropy(ctx, logits, labels);
    const dloss = GpuTensor.from(gpu, [1], [share], 'f32', 'dloss');
    backward(loss, dloss);
    dloss.release();
    const value = await lossValue(loss);
    const probsOrLogits = (await logits.value.read()) as Float32Array;
    return { loss: value, correct: countCorrect(probsOrLogits, labelValues) };
  } finally {
    ctx.dispose();
    x.release();
    labels.release();
  }
}

/** Class probabilities (N, classes) for every example of a source, in inference mode. */
export async function predict(gpu: Gpu, model: Module, source: ExampleSource, batchSize: number): Promise<Float32Array> {
  model.eval();
  const ctx = new Context(gpu, { grad: false });
  let out: Float32Array | null = null;
  let classes = 0;
  for (let b = 0; b < source.size; b += batchSize) {
    const indices = [...Array(Math.min(batchSize, source.size - b)).keys()].map((i) => b + i);
    const x = await source.inputs(indices);
    const logits = model.forward(new Tensor(x), ctx);
    const values = (await logits.value.read()) as Float32Array;
    classes = logits.shape[1];
    out ??= new Float32Array(source.size * classes);
    out.set(softmaxRows(values, classes), b * classes);
    ctx.dispose();
    x.release();
  }
  model.train();
  return out ?? new Float32Array(0);
}

async function evaluateLoss(gpu: Gpu, model: Module, source: ExampleSource, batchSize: number): Promise<{ loss: number; accuracy: number }> {
  const probs = await predict(gpu, model, source, batchSize);
  const classes = probs.length / Math.max(1, source.size);
  return { loss: logLoss(source.labels, probs, classes), accuracy: accuracy(source.labels, argmaxRows(probs, classes)) };
}

function makeOptimizer(model: Module, spec: OptimizerSpec): Optimizer {
  const params = model.trainableParameters();
  return spec.kind === 'sgd'
    ? new SGD(params, { lr: spec.lr, momentum: spec.momentum, nesterov: spec.nesterov, weightDecay: spec.weightDecay })
    : new Adam(params, { lr: spec.lr, weightDecay: spec.weightDecay });
}

/** Every Dropout below `root`, by path (their mask RNG states are checkpointed). */
function dropoutLayers(root: Module): Array<[string, Dropout]> {
  const out: Array<[string, Dropout]> = [];
  const walk = (m: Module) => {
    if (m instanceof Dropout) out.push([m.path, m]);
    for (const [, child] of m.children()) walk(child);
  };
  walk(root);
  return out;
}

function countCorrect(logits: Float32Array, labels: readonly number[]): number {
  return argmaxRows(logits, logits.length / labels.length).filter((p, i) => p === labels[i]).length;
}

/** Row-wise softmax in float64 (logits of a few thousand rows: not worth a dispatch and a second read). */
export function softmaxRows(logits: Float32Array, classes: number): Float32Array {
  const out = new Float32Array(logits.length);
  for (let r = 0; r < logits.length / classes; r++) {
    let max = -Infinity;
    for (let c = 0; c < classes; c++) max = Math.max(max, logits[r * classes + c]);
    let sum = 0;
    for (let c = 0; c < classes; c++) sum += Math.exp(logits[r * classes + c] - max);
    for (let c = 0; c < classes; c++) out[r * classes + c] = Math.exp(logits[r * classes + c] - max) / sum;
  }
  return out;
}
