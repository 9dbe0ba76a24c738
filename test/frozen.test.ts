// Frozen layers: their weights never change, their gradients are never computed, and backward runs no kernel
// below the lowest trainable layer. Proven with the batcher's per-kernel dispatch counts around backward().

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import type { Gpu } from '../src/gpu/device.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { Rng } from '../src/util/rng.ts';
import { Context } from '../src/graph/context.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { backward, lossValue } from '../src/graph/backward.ts';
import { softmaxCrossEntropy } from '../src/graph/ops/loss.ts';
import { Conv2d, Dense, GlobalAvgPool, MaxPool2d, Sequential } from '../src/graph/layers.ts';
import { SGD } from '../src/graph/optimizer.ts';

const GRAD_INPUT = /^conv2d_grad_input|^conv2d_weight_transpose/;
const GRAD_WEIGHT = /^conv2d_grad_weight/;
// (Bias gradients run the generic sum_rows kernel, shared with dense layers: checked through .grad instead.)

/** Three same-shaped convs (so each costs the same dispatches), a max pool, GAP and a dense head. */
function model(gpu: Gpu): Sequential {
  const rng = new Rng(3);
  return new Sequential({
    conv1: new Conv2d(gpu, 4, 4, 3, { padding: 'same', relu: true, rng }),
    conv2: new Conv2d(gpu, 4, 4, 3, { padding: 'same', relu: true, rng }),
    conv3: new Conv2d(gpu, 4, 4, 3, { padding: 'same', relu: true, rng }),
    pool: new MaxPool2d(2),
    gap: new GlobalAvgPool(),
    head: new Dense(gpu, 4, 3, { rng }),
  });
}

interface Batch {
  x: Tensor;
  labels: GpuTensor<'i32'>;
  release(): void;
}

function batch(gpu: Gpu): Batch {
  const rng = new Rng(5);
  const x = new Tensor(GpuTensor.from(gpu, [2, 6, 6, 4], rng.uniformArray(2 * 6 * 6 * 4)));
  const labels = GpuTensor.from(gpu, [2], [0, 2], 'i32');
  return { x, labels, release: () => (x.release(), labels.release()) };
}

/** Dispatches per kernel name during one backward. */
async function backwardCounts(gpu: Gpu, m: Sequential, b: Batch): Promise<Map<string, number>> {
  const ctx = new Context(gpu);
  const loss = softmaxCrossEntropy(ctx, m.forward(b.x, ctx), b.labels);
  const before = new Map(gpu.batcher.counts.byKernel);
  backward(loss);
  const after = gpu.batcher.counts.byKernel;
  await lossValue(loss);
  ctx.dispose();
  const diff = new Map<string, number>();
  for (const [k, v] of after) if (v !== (before.get(k) ?? 0)) diff.set(k, v - (before.get(k) ?? 0));
  return diff;
}

function total(counts: Map<string, number>, pattern: RegExp): number {
  let n = 0;
  for (const [k, v] of counts) if (pattern.test(k)) n += v;
  return n;
}

test('backward runs conv gradient kernels only for trainable layers and only above the lowest one', async () => {
  const gpu = await testGpu();
  const b = batch(gpu);
  const m = model(gpu);

  // All trainable: three weight gradients, two input gradients (the image needs none).
  const all = await backwardCounts(gpu, m, b);
  const perWeight = total(all, GRAD_WEIGHT) / 3;
  const perInput = total(all, GRAD_INPUT) / 2;
  assert.ok(perWeight >= 1 && Number.isInteger(perWeight), `weight-gradient dispatches per conv: ${perWeight}`);
  assert.ok(perInput >= 1 && Number.isInteger(perInput), `input-gradient dispatches per conv: ${perInput}`);
  assert.is(all.get('relu_backward'), 3);
  for (const p of m.parameters()) p.releaseGrad();

  // Blocks below the top conv frozen (the fine-tuning recipe): one weight gradient, no input gradient at all.
  m.get('conv1').freeze();
  m.get('conv2').freeze();
  const top = await backwardCounts(gpu, m, b);
  assert.is(total(top, GRAD_INPUT), 0, 'no input-gradient dispatch anywhere');
  assert.is(total(top, GRAD_WEIGHT), perWeight, 'only conv3 computes a weight gradient');
  assert.is(top.get('relu_backward'), 1, 'only conv3 undoes its ReLU');
  assert.is(m.get('conv1').parameters().concat(m.get('conv2').parameters()).filter((p) => p.grad).length, 0);
  assert.ok((m.get('conv3') as Conv2d).weight.grad);
  for (const p of m.parameters()) p.releaseGrad();

  // A frozen conv between trainable ones passes the gradient down but computes no weight gradient.
  m.get('conv2').unfreeze();
  m.get('conv1').unfreeze();
  m.get('conv2').freeze();
  const middle = await backwardCounts(gpu, m, b);
  assert.is(total(middle, GRAD_INPUT), 2 * perInput, 'conv3 and conv2 pass gradients down');
  assert.is(total(middle, GRAD_WEIGHT), 2 * perWeight, 'conv1 and conv3 only');
  assert.is((m.get('conv2') as Conv2d).weight.grad, null);
  assert.is((m.get('conv2') as Conv2d).bias!.grad, null);
  assert.ok((m.get('conv1') as Conv2d).bias!.grad);
  for (const p of m.parameters()) p.releaseGrad();

  // Everything frozen but the head: no conv kernel, no ReLU backward, no pool backward, no dx for the head.
  m.freeze();
  m.get('head').unfreeze();
  const head = await backwardCounts(gpu, m, b);
  assert.is(total(head, /^conv2d/), 0);
  assert.is(total(head, /relu|pool/), 0, `no activation or pool backward: ${[...head.keys()]}`);
  for (const p of m.parameters()) p.releaseGrad();

  m.release();
  b.release();
});

test('frozen weights are unchanged by optimizer steps, trainable ones move, and no memory leaks', async () => {
  const gpu = await testGpu();
  const b = batch(gpu);
  const m = model(gpu);
  m.get('conv1').freeze();
  m.get('conv2').freeze();
  const before = await m.stateDict();
  const opt = new SGD(m.parameters(), { lr: 0.1, momentum: 0.9 });
  const live: number[] = [];
  for (let step = 0; step < 4; step++) {
    const ctx = new Context(gpu);
    const loss = softmaxCrossEntropy(ctx, m.forward(b.x, ctx), b.labels);
    backward(loss);
    for (const p of m.parameters()) assert.is(p.grad !== null, p.trainable, `${p.name}: gradient iff trainable`);
    opt.step();
    opt.zeroGrad();
    await lossValue(loss);
    ctx.dispose();
    live.push(gpu.pool.stats().liveBytes);
  }
  // Steps after the first (which creates the momentum buffers) hold exactly the same memory.
  assert.equal(live.slice(1), [live[1], live[1], live[1]], `live bytes per step ${live}`);
  const after = await m.stateDict();
  for (const [name, { data }] of Object.entries(after)) {
    const same = data.every((v, i) => v === before[name].data[i]);
    const frozen = name.startsWith('conv1.') || name.startsWith('conv2.');
    assert.is(same, frozen, `${name} ${frozen ? 'must not' : 'must'} change`);
  }
  opt.release();
  m.release();
  b.release();
});

test.run();
