// End to end: a small conv net learns four classes of generated 8x8 patterns on the GPU (Adam), to near-zero
// loss on its training set and full accuracy on fresh samples evaluated in inference mode.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { Rng } from '../src/util/rng.ts';
import { Context } from '../src/graph/context.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { backward, lossValue } from '../src/graph/backward.ts';
import { softmaxCrossEntropy } from '../src/graph/ops/loss.ts';
import { Conv2d, Dense, Dropout, GlobalAvgPool, MaxPool2d, Sequential } from '../src/graph/layers.ts';
import { Adam } from '../src/graph/optimizer.ts';

/** n images (n, 8, 8, 1) of four pattern classes with random phase and noise, and their labels. */
function patterns(rng: Rng, n: number): { x: Float32Array; labels: number[] } {
  const x = new Float32Array(n * 64);
  const labels: number[] = [];
  for (let s = 0; s < n; s++) {
    const cls = s % 4;
    const phase = rng.int(4);
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 8; j++) {
        const on =
          cls === 0 ? (i + phase) % 4 < 2 // horizontal bars
          : cls === 1 ? (j + phase) % 4 < 2 // vertical bars
          : cls === 2 ? (Math.floor(i / 2) + Math.floor(j / 2) + phase) % 2 === 0 // checkerboard
          : Math.abs(i - 3.5) + Math.abs(j - 3.5) < 2 + (phase % 2); // a central diamond
        x[s * 64 + i * 8 + j] = (on ? 1 : -1) + 0.2 * rng.normal();
      }
    labels.push(cls);
  }
  return { x, labels };
}

test('a small conv net fits four synthetic pattern classes', async () => {
  const gpu = await testGpu();
  const rng = new Rng(2024);
  const net = new Sequential({
    conv1: new Conv2d(gpu, 1, 8, 3, { padding: 'same', relu: true, rng }),
    pool: new MaxPool2d(2),
    conv2: new Conv2d(gpu, 8, 16, 3, { padding: 'same', relu: true, rng }),
    gap: new GlobalAvgPool(),
    drop: new Dropout(0.1, { seed: 9 }),
    head: new Dense(gpu, 16, 4, { rng }),
  });
  const train = patterns(rng, 32);
  const x = new Tensor(GpuTensor.from(gpu, [32, 8, 8, 1], train.x));
  const labels = GpuTensor.from(gpu, [32], train.labels, 'i32');
  const opt = new Adam(net.parameters(), { lr: 0.02 });

  const started = performance.now();
  const losses: number[] = [];
  net.train();
  for (let step = 0; step < 80; step++) {
    const ctx = new Context(gpu);
    const loss = softmaxCrossEntropy(ctx, net.forward(x, ctx), labels);
    backward(loss);
    opt.step();
    opt.zeroGrad();
    if (step % 10 === 0 || step === 79) losses.push(await lossValue(loss));
    ctx.dispose();
  }
  // About 2 s on an idle 2-core lavapipe machine; not asserted, since other processes share the cores.
  const seconds = (performance.now() - started) / 1000;

  // Final loss in eval mode (no dropout), then accuracy on fresh samples.
  net.eval();
  const ctx = new Context(gpu, { grad: false });
  const trainLoss = await lossValue(softmaxCrossEntropy(ctx, net.forward(x, ctx), labels));
  const fresh = patterns(new Rng(77), 40);
  const xf = new Tensor(GpuTensor.from(gpu, [40, 8, 8, 1], fresh.x));
  const logits = await net.forward(xf, ctx).value.read();
  let correct = 0;
  for (let n = 0; n < 40; n++) {
    const row = Array.from(logits.subarray(n * 4, n * 4 + 4));
    if (row.indexOf(Math.max(...row)) === fresh.labels[n]) correct++;
  }
  ctx.dispose();
  assert.ok(losses[0] > 1, `starts near ln 4: ${losses[0]}`);
  assert.ok(trainLoss < 0.05, `training loss ${trainLoss} after ${seconds.toFixed(1)} s (trajectory ${losses.map((l) => l.toFixed(3)).join(' ')})`);
  assert.ok(correct >= 38, `${correct}/40 fresh samples right`);
  for (const t of [x, xf]) t.release();
  labels.release();
  opt.release();
  net.release();
});

test.run();
