// `npm run classify -- --backbone resnet50 --image FILE [--image FILE2 ...] [--top 5]`: the top ImageNet classes
// of photos, on the GPU. The simplest proof that the pretrained weights are loaded right. Thin: each photo is
// decoded, resized to 224x224 (bilinear, half-pixel centres) and caffe-preprocessed (src/keras/preprocess.ts),
// the photos run in batches of BATCH in inference mode through the imported model (a progress bar when there are
// several), and the top-k labels are printed.

import { Command, InvalidArgumentError } from 'commander';
import { existsSync, statSync } from 'node:fs';
import { getGpu } from '../gpu/device.ts';
import { GraftError } from '../gpu/errors.ts';
import { Context } from '../graph/context.ts';
import { Tensor } from '../graph/tensor.ts';
import { loadCaffeInput } from '../keras/preprocess.ts';
import { imagenetLabels } from '../keras/resnet50.ts';
import { loadResnet50, RESNET50_SIZE } from '../keras/resnet50-gpu.ts';
import { topK } from '../keras/topk.ts';
import { progressBar } from '../train/progress.ts';

const BACKBONES = ['resnet50'] as const;
/** Photos per forward pass: bounds the activations' memory (ResNet50 at 224x224: ~100 MB per photo in all). */
const BATCH = 8;
type Backbone = (typeof BACKBONES)[number];

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got '${value}'`);
  return n;
}

function backbone(value: string): Backbone {
  if (!(BACKBONES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`'${value}' is not available (backbones: ${BACKBONES.join(', ')}; VGG19 runs through its ONNX file)`);
  }
  return value as Backbone;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** One image as a (size, size, 3) input, or an error naming the file and what is wrong with it. */
function readImage(path: string, size: number): Float32Array {
  if (!existsSync(path)) throw new GraftError(`image ${path}: no such file`);
  if (!statSync(path).isFile()) throw new GraftError(`image ${path}: not a file`);
  try {
    return loadCaffeInput(path, size);
  } catch (e) {
    const why = (e as Error).message.replace(`${path}: `, '');
    throw new GraftError(`image ${path}: cannot decode it as a JPEG or PNG (${why})`);
  }
}

async function classify(opts: { backbone: Backbone; image: string[]; top: number }): Promise<void> {
  const size = RESNET50_SIZE;
  // Decode every photo before starting the GPU, so a bad file fails in a second, not after loading 100 MB.
  const inputs = opts.image.map((path) => readImage(path, size));
  const gpu = await getGpu({ quiet: true });
  console.log(`adapter: ${gpu.describe()}`);
  const started = Date.now();
  const model = loadResnet50(gpu, { size });
  const loadedMs = Date.now() - started;
  const labels = imagenetLabels();
  const p = new Float32Array(inputs.length * labels.length); // (N, 1000)
  const t0 = Date.now();
  const bar = inputs.length > BATCH ? progressBar('classify', inputs.length, 'photos') : null;
  for (let n0 = 0; n0 < inputs.length; n0 += BATCH) {
    const part = inputs.slice(n0, n0 + BATCH);
    const batch = new Float32Array(part.length * size * size * 3);
    part.forEach((x, i) => batch.set(x, i * x.length));
    const ctx = new Context(gpu, { grad: false });
    const x = Tensor.from(gpu, [part.length, size, size, 3], batch); // (B, 224, 224, 3)
    try {
      const probs = model.forward(x, ctx); // (B, 1000)
      p.set(await probs.value.read(), n0 * labels.length);
    } finally {
      ctx.dispose();
      x.release();
    }
    bar?.update(n0 + part.length);
  }
  bar?.stop();
  const runMs = Date.now() - t0;
  model.release();
  const k = Math.min(opts.top, labels.length);
  opts.image.forEach((path, n) => {
    const row = p.subarray(n * labels.length, (n + 1) * labels.length);
    console.log(path);
    for (const i of topK(row, k)) console.log(`  ${row[i].toFixed(4)}  ${labels[i]} (${i})`);
  });
  console.log(`${opts.backbone}: weights loaded in ${(loadedMs / 1000).toFixed(1)} s, ${inputs.length} image(s) in ${(runMs / 1000).toFixed(1)} s`);
}

const program = new Command('classify')
  .description('Print the top ImageNet classes of photos, computed on the GPU with a pretrained backbone.')
  .requiredOption('--backbone <name>', `pretrained network (${BACKBONES.join(', ')})`, backbone)
  .requiredOption('--image <file>', 'a JPEG or PNG photo (repeat for several)', collect)
  .option('--top <k>', 'how many classes to print per image', positiveInt, 5)
  .showHelpAfterError()
  .action(async (opts: { backbone: Backbone; image: string[]; top: number }) => {
    try {
      await classify(opts);
    } catch (e) {
      if (!(e instanceof GraftError)) throw e;
      console.error(`error: ${e.message}`);
      process.exitCode = 1;
    }
  });

await program.parseAsync();
