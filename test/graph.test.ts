// The graph layer's bookkeeping: parameter names, state dicts, shape errors naming the layer, NonFiniteError on
// a NaN loss, inference mode (nothing recorded, intermediates freed), gradient accumulation, optimizer state
// round trips, 'same' padding and initialisation.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { GraftError, NonFiniteError, ShapeError } from '../src/gpu/errors.ts';
import { Rng } from '../src/util/rng.ts';
import { Context } from '../src/graph/context.ts';
import { Tensor } from '../src/graph/tensor.ts';
import { backward, lossValue } from '../src/graph/backward.ts';
import { softmaxCrossEntropy } from '../src/graph/ops/loss.ts';
import { conv2d } from '../src/graph/ops/conv.ts';
import { add } from '../src/graph/ops/add.ts';
import { relu } from '../src/graph/ops/activation.ts';
import { Conv2d, Dense, Dropout, Flatten, GlobalAvgPool, MaxPool2d, ReLU, Residual, Sequential, resolvePadding } from '../src/graph/layers.ts';
import { fans, initValues } from '../src/graph/init.ts';
import { Adam, SGD } from '../src/graph/optimizer.ts';
import type { Gpu } from '../src/gpu/device.ts';

function smallNet(gpu: Gpu, seed = 1): Sequential {
  const rng = new Rng(seed);
  return new Sequential({
    block1: new Sequential({ conv1: new Conv2d(gpu, 3, 4, 3, { padding: 1, relu: true, rng }), pool: new MaxPool2d(2) }),
    block2: new Sequential({ conv1: new Conv2d(gpu, 4, 4, 3, { stride: 2, padding: 'same', rng }), relu: new ReLU() }),
    flatten: new Flatten(),
    head: new Dense(gpu, 16, 3, { rng }),
  });
}

const input = (gpu: Gpu, shape: number[], seed = 2) =>
  new Tensor(GpuTensor.from(gpu, shape, new Rng(seed).uniformArray(shape.reduce((a, b) => a * b, 1))));

test('parameters are named by their path; stateDict round-trips; loadStateDict checks names and shapes', async () => {
  const gpu = await testGpu();
  const net = smallNet(gpu);
  assert.equal(
    net.namedParameters().map(([n]) => n),
    ['block1.conv1.weight', 'block1.conv1.bias', 'block2.conv1.weight', 'block2.conv1.bias', 'head.weight', 'head.bias'],
  );
  // Nesting after construction renames too.
  const outer = new Sequential({ features: net });
  assert.is(outer.parameters()[0].name, 'features.block1.conv1.weight');
  net.setPath('');

  const state = await net.stateDict();
  assert.equal(state['block1.conv1.weight'].shape, [3, 3, 3, 4]);
  const other = smallNet(gpu, 99);
  assert.not.equal(Array.from((await other.stateDict())['head.weight'].data), Array.from(state['head.weight'].data));
  other.loadStateDict(state);
  const copied = await other.stateDict();
  for (const k of Object.keys(state)) assert.equal(Array.from(copied[k].data), Array.from(state[k].data), k);

  assert.throws(
    () => other.loadStateDict({ ...state, 'head.weight': { shape: [3, 16], data: state['head.weight'].data } }),
    (e: Error) => e instanceof ShapeError && /head\.weight.*\[16,3\].*\[3,16\]/.test(e.message),
  );
  assert.throws(
    () => other.loadStateDict({ ...state, 'head.bias': new Float32Array(4) }),
    (e: Error) => e instanceof ShapeError && /head\.bias.*4 values/.test(e.message),
  );
  const { ['head.bias']: _dropped, ...partial } = state;
  assert.throws(() => other.loadStateDict(partial), (e: Error) => e instanceof GraftError && /missing head\.bias/.test(e.message));
  other.loadStateDict(partial, { strict: false });
  net.release();
  other.release();
});

test('a shape mismatch names the layer and the shapes', async () => {
  const gpu = await testGpu();
  const net = smallNet(gpu);
  const ctx = new Context(gpu);
  const wrongChannels = input(gpu, [2, 8, 8, 5]);
  assert.throws(
    () => net.forward(wrongChannels, ctx),
    (e: Error) => e instanceof ShapeError && /Conv2d 'block1\.conv1'.*\(N, H, W, 3\).*\[2,8,8,5\]/.test(e.message),
  );
  const wrongSize = input(gpu, [2, 10, 10, 3]); // flattens to 36 features, the head wants 16
  assert.throws(
    () => net.forward(wrongSize, ctx),
    (e: Error) => e instanceof ShapeError && /Dense 'head'.*\(N, 16\).*\[2,36\]/.test(e.message),
  );
  ctx.dispose();
  wrongChannels.release();
  wrongSize.release();
  net.release();
});

test('a NaN loss raises NonFiniteError naming the loss op and its shapes', async () => {
  const gpu = await testGpu();
  const net = smallNet(gpu);
  const ctx = new Context(gpu);
  const x = input(gpu, [2, 8, 8, 3]);
  // A NaN in the head's bias reaches the logits whatever ReLU and max pooling do with NaNs.
  (net.get('head') as Dense).bias!.load(Float32Array.from([0, NaN, 0]));
  const labels = GpuTensor.from(gpu, [2], [0, 1], 'i32');
  const loss = softmaxCrossEntropy(ctx, net.forward(x, ctx), labels);
  try {
    await lossValue(loss);
    assert.unreachable('NaN loss accepted');
  } catch (e) {
    assert.instance(e, NonFiniteError);
    assert.match((e as Error).message, /softmaxCrossEntropy logits\[2,3\] labels\[2\] gave NaN/);
  }
  ctx.dispose();
  x.release();
  labels.release();
  net.release();
});

test('inference mode records nothing, frees intermediates on the way, and matches the recorded forward', async () => {
  const gpu = await testGpu();
  const net = smallNet(gpu);
  const x = input(gpu, [2, 8, 8, 3]);
  const ctx = new Context(gpu);
  const recorded = net.forward(x, ctx);
  assert.ok(recorded.op, 'recorded in grad mode');
  const expected = await recorded.value.read();
  ctx.dispose();

  const liveBefore = gpu.pool.stats().liveBytes;
  const out = ctx.noGrad(() => net.forward(x, ctx));
  assert.is(out.op, null);
  assert.is(out.requiresGrad, false);
  assert.is(ctx.liveCount, 1, 'only the result is alive');
  assertClose(await out.value.read(), expected, { atol: 1e-6, rtol: 1e-6 }, 'noGrad forward');
  assert.throws(() => backward(out), (e: Error) => e instanceof GraftError && /no recorded graph/.test(e.message));
  ctx.dispose();
  assert.is(gpu.pool.stats().liveBytes, liveBefore, 'dispose frees everything the pass made');
  assert.is(ctx.gradEnabled, true, 'grad mode restored');
  x.release();
  net.release();
});

test('gradients accumulate over backward calls until zeroGrad; a consumed graph refuses a second backward', async () => {
  const gpu = await testGpu();
  const net = smallNet(gpu);
  const x = input(gpu, [2, 8, 8, 3]);
  const labels = GpuTensor.from(gpu, [2], [2, 1], 'i32');
  const opt = new SGD(net.parameters(), { lr: 0.1 });
  const grads: Float32Array[] = [];
  for (let i = 0; i < 2; i++) {
    const ctx = new Context(gpu);
    const loss = softmaxCrossEntropy(ctx, net.forward(x, ctx), labels);
    backward(loss);
    if (i === 0) assert.throws(() => backward(loss), /no recorded graph/);
    grads.push((await net.parameters()[0].grad!.read() as Float32Array).slice());
    ctx.dispose();
  }
  assertClose(grads[1], Array.from(grads[0], (v) => 2 * v), { atol: 1e-6, rtol: 1e-5 }, 'accumulated');
  opt.zeroGrad();
  assert.ok(net.parameters().every((p) => p.grad === null));
  x.release();
  labels.release();
  net.release();
});

test('Adam state exported and imported continues identically', async () => {
  const gpu = await testGpu();
  const x = input(gpu, [2, 8, 8, 3]);
  const labels = GpuTensor.from(gpu, [2], [0, 2], 'i32');
  const step = (net: Sequential, opt: Adam) => {
    const ctx = new Context(gpu);
    backward(softmaxCrossEntropy(ctx, net.forward(x, ctx), labels));
    opt.step();
    opt.zeroGrad();
    ctx.dispose();
  };
  const a = smallNet(gpu, 4);
  const optA = new Adam(a.parameters(), { lr: 0.01 });
  step(a, optA);
  step(a, optA);
  const b = smallNet(gpu, 5);
  b.loadStateDict(await a.stateDict());
  const optB = new Adam(b.parameters(), { lr: 0.01 });
  const state = await optA.stateDict();
  assert.is(state.step, 2);
  assert.ok('head.weight/m' in state.slots && 'head.weight/v' in state.slots);
  optB.loadStateDict(state);
  step(a, optA);
  step(b, optB);
  const [sa, sb] = [await a.stateDict(), await b.stateDict()];
  for (const k of Object.keys(sa)) assert.equal(Array.from(sb[k].data), Array.from(sa[k].data), k);
  assert.throws(() => new SGD(a.parameters(), { lr: 1 }).loadStateDict(state), /cannot load a 'adam' state/);
  for (const o of [optA, optB]) o.release();
  for (const n of [a, b]) n.release();
  x.release();
  labels.release();
});

test("'same' padding follows TensorFlow; initialisers are seeded and scaled by fan-in / fan-out", () => {
  assert.equal(resolvePadding('same', 8, 8, [3, 3], [1, 1]), [1, 1, 1, 1]);
  assert.equal(resolvePadding('same', 8, 7, [3, 3], [2, 2]), [0, 1, 1, 1]); // extra row/column bottom/right
  assert.equal(resolvePadding('same', 224, 224, [7, 7], [2, 2]), [2, 2, 3, 3]);
  assert.equal(resolvePadding('valid', 9, 9, [3, 3], [2, 2]), [0, 0, 0, 0]);
  assert.equal(resolvePadding([1, 2, 3, 4], 9, 9, [3, 3], [2, 2]), [1, 2, 3, 4]);

  assert.equal(fans([3, 3, 64, 128]), { fanIn: 576, fanOut: 1152 });
  assert.equal(fans([512, 10]), { fanIn: 512, fanOut: 10 });
  const std = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  const he = initValues(new Rng(1), 20000, 'he-normal', 576, 1152);
  assert.ok(Math.abs(std(he) - Math.sqrt(2 / 576)) < 0.03 * Math.sqrt(2 / 576), `he-normal std ${std(he)}`);
  const hu = initValues(new Rng(1), 20000, 'he-uniform', 576, 1152);
  assert.ok(Math.max(...hu.map(Math.abs)) <= Math.sqrt(6 / 576) && Math.abs(std(hu) - Math.sqrt(2 / 576)) < 0.03 * Math.sqrt(2 / 576));
  const gl = initValues(new Rng(1), 20000, 'glorot-uniform', 512, 10);
  assert.ok(Math.abs(std(gl) - Math.sqrt(2 / 522)) < 0.03 * Math.sqrt(2 / 522), `glorot std ${std(gl)}`);
  assert.equal(Array.from(initValues(new Rng(3), 5, 'he-normal', 9, 9)), Array.from(initValues(new Rng(3), 5, 'he-normal', 9, 9)));
});

test('GlobalAvgPool rejects non-NHWC input by name', async () => {
  const gpu = await testGpu();
  const net = new Sequential({ gap: new GlobalAvgPool() });
  const x = input(gpu, [2, 5]);
  assert.throws(() => net.forward(x, new Context(gpu)), /GlobalAvgPool 'gap': expects x \(N, H, W, C\), got x\[2,5\]/);
  x.release();
});

test('dropout: training scales kept elements by 1/(1-rate) and routes gradients through the same mask; eval is the identity', async () => {
  const gpu = await testGpu();
  const drop = new Dropout(0.25, { seed: 3 });
  const x = new Tensor(GpuTensor.from(gpu, [4, 64], new Rng(8).uniformArray(256, 0.5, 1.5)), { requiresGrad: true });
  const ctx = new Context(gpu);
  const y = drop.forward(x, ctx);
  const ones = GpuTensor.from(gpu, [4, 64], new Float32Array(256).fill(1));
  backward(y, ones);
  const [xv, yv, gv] = [await x.value.read(), await y.value.read(), await x.grad!.read()];
  let dropped = 0;
  for (let i = 0; i < 256; i++) {
    const kept = yv[i] !== 0;
    if (!kept) dropped++;
    assertClose([yv[i], gv[i]], kept ? [xv[i] / 0.75, 1 / 0.75] : [0, 0], { atol: 1e-6, rtol: 1e-5 }, `element ${i}`);
  }
  assert.ok(dropped > 30 && dropped < 100, `${dropped} of 256 dropped at rate 0.25`);
  drop.eval();
  assert.is(drop.forward(x, ctx), x);
  ctx.dispose();
  ones.release();
  x.release();
});

test('Residual computes relu(main(x) + shortcut(x)), names its branches, and frees its intermediates in inference', async () => {
  const gpu = await testGpu();
  const rng = new Rng(12);
  const block = new Sequential({
    res: new Residual(
      new Sequential({ conv1: new Conv2d(gpu, 3, 3, 3, { padding: 'same', relu: true, rng }), conv2: new Conv2d(gpu, 3, 3, 1, { rng }) }),
      null,
    ),
    down: new Residual(new Conv2d(gpu, 3, 5, 3, { stride: 2, padding: 'same', rng }), new Conv2d(gpu, 3, 5, 1, { stride: 2, rng })),
  });
  assert.equal(block.namedParameters().map(([n]) => n).filter((n) => n.endsWith('weight')), [
    'res.main.conv1.weight', 'res.main.conv2.weight', 'down.main.weight', 'down.shortcut.weight',
  ]);
  assert.is(block.countParameters(), 81 + 3 + 9 + 3 + 135 + 5 + 15 + 5);
  const x = Tensor.from(gpu, [2, 6, 6, 3], rng.uniformArray(216));
  const ctx = new Context(gpu);
  const out = ctx.noGrad(() => block.forward(x, ctx));
  assert.equal([...out.shape], [2, 3, 3, 5]);
  assert.is(ctx.liveCount, 1);
  // The same computation spelled out with ops.
  const p = Object.fromEntries(block.namedParameters());
  const r1 = conv2d(ctx, x, p['res.main.conv1.weight'], p['res.main.conv1.bias'], { stride: [1, 1], pad: [1, 1, 1, 1], relu: true });
  const r = relu(ctx, add(ctx, conv2d(ctx, r1, p['res.main.conv2.weight'], p['res.main.conv2.bias'], { stride: [1, 1], pad: [0, 0, 0, 0] }), x));
  const main = conv2d(ctx, r, p['down.main.weight'], p['down.main.bias'], { stride: [2, 2], pad: [0, 0, 1, 1] });
  const short = conv2d(ctx, r, p['down.shortcut.weight'], p['down.shortcut.bias'], { stride: [2, 2], pad: [0, 0, 0, 0] });
  const expected = relu(ctx, add(ctx, main, short));
  assertClose(await out.value.read(), await expected.value.read(), { atol: 1e-6, rtol: 1e-5 }, 'residual forward');
  // With gradients: every parameter gets one.
  const labels = GpuTensor.from(gpu, [2], [1, 0], 'i32');
  const head = new Sequential({ gap: new GlobalAvgPool(), fc: new Dense(gpu, 5, 2, { rng }) });
  backward(softmaxCrossEntropy(ctx, head.forward(block.forward(x, ctx), ctx), labels));
  assert.ok(block.parameters().every((q) => q.grad !== null));
  ctx.dispose();
  for (const t of [x, block, head, labels]) t.release();
});

test.run();
