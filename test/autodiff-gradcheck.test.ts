// Whole-graph gradient checks: gradients from backward() on the GPU against central finite differences of a
// float64 CPU forward of the same network (written here for clarity, independent of the kernels), for every
// parameter element and every input element.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { assertClose } from './helpers/close.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { Rng } from '../src/util/rng.ts';
import { Context } from '../src/graph/context.ts';
import { Tensor, Parameter } from '../src/graph/tensor.ts';
import { backward, lossValue } from '../src/graph/backward.ts';
import { conv2d } from '../src/graph/ops/conv.ts';
import { dense } from '../src/graph/ops/dense.ts';
import { avgPool2d, globalAvgPool, globalMaxPool, maxPool2d } from '../src/graph/ops/pool.ts';
import { clip, hardSigmoid, hardSwish, relu, logSoftmax, sigmoid, softmax } from '../src/graph/ops/activation.ts';
import { mul } from '../src/graph/ops/mul.ts';
import { affine } from '../src/graph/ops/affine.ts';
import { concatChannels } from '../src/graph/ops/concat.ts';
import { add } from '../src/graph/ops/add.ts';
import { flatten } from '../src/graph/ops/shape.ts';
import { softmaxCrossEntropy } from '../src/graph/ops/loss.ts';

// --- a float64 forward of the ops, NHWC / HWIO --------------------------------------------------------------

interface T64 {
  shape: number[];
  data: Float64Array;
}

const t64 = (shape: number[], data?: ArrayLike<number>): T64 => ({
  shape,
  data: data ? Float64Array.from(data) : new Float64Array(shape.reduce((a, b) => a * b, 1)),
});

function conv64(x: T64, w: T64, b: T64 | null, stride: number, pad: [number, number, number, number]): T64 {
  const [N, H, W, C] = x.shape;
  const [KH, KW, , O] = w.shape;
  const OH = Math.floor((H + pad[0] + pad[2] - KH) / stride) + 1;
  const OW = Math.floor((W + pad[1] + pad[3] - KW) / stride) + 1;
  const y = t64([N, OH, OW, O]);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let o = 0; o < O; o++) {
          let s = b ? b.data[o] : 0;
          for (let kh = 0; kh < KH; kh++)
            for (let kw = 0; kw < KW; kw++) {
              const ih = oh * stride + kh - pad[0];
              const iw = ow * stride + kw - pad[1];
              if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
              for (let c = 0; c < C; c++) s += x.data[((n * H + ih) * W + iw) * C + c] * w.data[((kh * KW + kw) * C + c) * O + o];
            }
          y.data[((n * OH + oh) * OW + ow) * O + o] = s;
        }
  return y;
}

const relu64 = (x: T64): T64 => t64(x.shape, x.data.map((v) => Math.max(v, 0)));
const clip64 = (x: T64, lo: number, hi: number): T64 => t64(x.shape, x.data.map((v) => Math.min(hi, Math.max(lo, v))));

/** A grouped convolution as G ordinary ones on the groups' channel slices, their outputs side by side. */
function groupedConv64(x: T64, w: T64, b: T64, stride: number, pad: [number, number, number, number], groups: number): T64 {
  const [N, H, W, C] = x.shape;
  const [KH, KW, cg, O] = w.shape;
  const og = O / groups;
  const parts = [...Array(groups).keys()].map((g) => {
    const xs = t64([N, H, W, cg], Array.from({ length: N * H * W * cg }, (_, i) => x.data[Math.floor(i / cg) * C + g * cg + (i % cg)]));
    const ws = t64([KH, KW, cg, og], Array.from({ length: KH * KW * cg * og }, (_, i) => w.data[Math.floor(i / og) * O + g * og + (i % og)]));
    return conv64(xs, ws, t64([og], b.data.slice(g * og, (g + 1) * og)), stride, pad);
  });
  const [, OH, OW] = parts[0].shape;
  const y = t64([N, OH, OW, O]);
  for (let p = 0; p < N * OH * OW; p++) for (let g = 0; g < groups; g++) for (let o = 0; o < og; o++) y.data[p * O + g * og + o] = parts[g].data[p * og + o];
  return y;
}

function pool64(x: T64, k: number, kind: 'max' | 'avg'): T64 {
  const [N, H, W, C] = x.shape;
  const OH = Math.floor(H / k);
  const OW = Math.floor(W / k);
  const y = t64([N, OH, OW, C]);
  for (let n = 0; n < N; n++)
    for (let oh = 0; oh < OH; oh++)
      for (let ow = 0; ow < OW; ow++)
        for (let c = 0; c < C; c++) {
          let m = -Infinity;
          let s = 0;
          for (let i = 0; i < k; i++)
            for (let j = 0; j < k; j++) {
              const v = x.data[((n * H + oh * k + i) * W + ow * k + j) * C + c];
              m = Math.max(m, v);
              s += v;
            }
          y.data[((n * OH + oh) * OW + ow) * C + c] = kind === 'max' ? m : s / (k * k);
        }
  return y;
}

function global64(x: T64, kind: 'max' | 'avg'): T64 {
  const [N, H, W, C] = x.shape;
  const y = t64([N, C]);
  for (let n = 0; n < N; n++)
    for (let c = 0; c < C; c++) {
      let m = -Infinity;
      let s = 0;
      for (let p = 0; p < H * W; p++) {
        const v = x.data[(n * H * W + p) * C + c];
        m = Math.max(m, v);
        s += v;
      }
      y.data[n * C + c] = kind === 'max' ? m : s / (H * W);
    }
  return y;
}

function dense64(x: T64, w: T64, b: T64): T64 {
  const [N, I] = x.shape;
  const O = w.shape[1];
  const y = t64([N, O]);
  for (let n = 0; n < N; n++)
    for (let o = 0; o < O; o++) {
      let s = b.data[o];
      for (let i = 0; i < I; i++) s += x.data[n * I + i] * w.data[i * O + o];
      y.data[n * O + o] = s;
    }
  return y;
}

function logSoftmax64(x: T64): T64 {
  const [N, C] = x.shape;
  const y = t64([N, C]);
  for (let n = 0; n < N; n++) {
    const row = x.data.subarray(n * C, n * C + C);
    const m = Math.max(...row);
    const lse = m + Math.log(row.reduce((s, v) => s + Math.exp(v - m), 0));
    for (let c = 0; c < C; c++) y.data[n * C + c] = row[c] - lse;
  }
  return y;
}

const add64 = (a: T64, b: T64): T64 => t64(a.shape, a.data.map((v, i) => v + b.data[i]));

/** Central differences of `loss` for every element of every tensor in `wrt`. */
function numericGrads(wrt: T64[], loss: () => number, eps = 1e-6): Float64Array[] {
  return wrt.map((t) => {
    const g = new Float64Array(t.data.length);
    for (let i = 0; i < t.data.length; i++) {
      const keep = t.data[i];
      t.data[i] = keep + eps;
      const up = loss();
      t.data[i] = keep - eps;
      const down = loss();
      t.data[i] = keep;
      g[i] = (up - down) / (2 * eps);
    }
    return g;
  });
}

function randomT64(rng: Rng, shape: number[], scale = 1): T64 {
  const n = shape.reduce((a, b) => a * b, 1);
  return t64(shape, Array.from({ length: n }, () => rng.uniform(-scale, scale)));
}

/**
 * backward()'s gradient of every tensor against central differences of `loss64` over the float64 values `wrt` (the
 * same tensors, in order), and the loss itself; the gradients must not all be zero (a check that cannot fail is no
 * check).
 */
async function expectGradients(loss: Tensor, loss64: () => number, tensors: Tensor[], wrt: T64[], names: string[]): Promise<void> {
  assertClose([await lossValue(loss)], [loss64()], { atol: 1e-5, rtol: 1e-5 }, 'loss');
  const numeric = numericGrads(wrt, loss64);
  for (let i = 0; i < tensors.length; i++) {
    assert.ok(tensors[i].grad, `${names[i]} has a gradient`);
    assertClose(await tensors[i].grad!.read(), numeric[i], { atol: 2e-5, rtol: 2e-3 }, `d loss / d ${names[i]}`);
  }
  assert.ok(numeric.every((g) => g.some((v) => Math.abs(v) > 1e-4)));
}

// --- the checks -----------------------------------------------------------------------------------------------

test('conv+relu, maxpool, strided conv, GAP, dense, softmax cross-entropy: gradients match finite differences', async () => {
  const gpu = await testGpu();
  const rng = new Rng(7);
  const N = 3;
  const x = randomT64(rng, [N, 6, 5, 2]);
  const w1 = randomT64(rng, [3, 3, 2, 4], 0.5);
  const b1 = randomT64(rng, [4], 0.1);
  const w2 = randomT64(rng, [3, 3, 4, 5], 0.5);
  const b2 = randomT64(rng, [5], 0.1);
  const w3 = randomT64(rng, [5, 3], 0.8);
  const b3 = randomT64(rng, [3], 0.1);
  const labels = [2, 0, 1];

  const loss64 = (): number => {
    const h1 = pool64(relu64(conv64(x, w1, b1, 1, [1, 1, 1, 1])), 2, 'max'); // (N, 3, 2, 4)
    const h2 = relu64(conv64(h1, w2, b2, 2, [1, 1, 1, 1])); // (N, 2, 1, 5)
    const logp = logSoftmax64(dense64(global64(h2, 'avg'), w3, b3));
    return -labels.reduce((s, l, n) => s + logp.data[n * 3 + l], 0) / N;
  };

  const ctx = new Context(gpu);
  const param = (name: string, t: T64) => new Parameter(name, GpuTensor.from(gpu, t.shape, Float32Array.from(t.data)));
  const xt = new Tensor(GpuTensor.from(gpu, x.shape, Float32Array.from(x.data)), { requiresGrad: true });
  const [pw1, pb1, pw2, pb2, pw3, pb3] = [param('w1', w1), param('b1', b1), param('w2', w2), param('b2', b2), param('w3', w3), param('b3', b3)];
  const lab = GpuTensor.from(gpu, [N], labels, 'i32');

  let h = conv2d(ctx, xt, pw1, pb1, { stride: [1, 1], pad: [1, 1, 1, 1], relu: true });
  h = maxPool2d(ctx, h, { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] });
  h = relu(ctx, conv2d(ctx, h, pw2, pb2, { stride: [2, 2], pad: [1, 1, 1, 1] }));
  h = dense(ctx, globalAvgPool(ctx, h), pw3, pb3);
  const loss = softmaxCrossEntropy(ctx, h, lab);
  backward(loss);

  const tensors = [xt, pw1, pb1, pw2, pb2, pw3, pb3];
  await expectGradients(loss, loss64, tensors, [x, w1, b1, w2, b2, w3, b3], ['x', 'w1', 'b1', 'w2', 'b2', 'w3', 'b3']);
  ctx.dispose();
  for (const t of tensors) t.release();
  lab.release();
});

test('grouped and depthwise convolutions and a ReLU6-style clip (MobileNet blocks): gradients match finite differences', async () => {
  const gpu = await testGpu();
  const rng = new Rng(13);
  const N = 2;
  const x = randomT64(rng, [N, 5, 6, 4]);
  const w1 = randomT64(rng, [3, 3, 2, 6], 0.6); // 2 groups of 2 -> 3
  const b1 = randomT64(rng, [6], 0.1);
  const w2 = randomT64(rng, [3, 3, 1, 6], 0.6); // depthwise
  const b2 = randomT64(rng, [6], 0.1);
  const w3 = randomT64(rng, [6, 3], 0.8);
  const b3 = randomT64(rng, [3], 0.1);
  const labels = [1, 2];

  const loss64 = (): number => {
    const h1 = clip64(groupedConv64(x, w1, b1, 1, [1, 1, 1, 1], 2), -0.4, 0.5); // (N, 5, 6, 6), many clipped
    const h2 = relu64(groupedConv64(h1, w2, b2, 2, [1, 0, 1, 1], 6)); // (N, 3, 3, 6)
    const logp = logSoftmax64(dense64(global64(h2, 'avg'), w3, b3));
    return -labels.reduce((s, l, n) => s + logp.data[n * 3 + l], 0) / N;
  };

  const ctx = new Context(gpu);
  const param = (name: string, t: T64) => new Parameter(name, GpuTensor.from(gpu, t.shape, Float32Array.from(t.data)));
  const xt = new Tensor(GpuTensor.from(gpu, x.shape, Float32Array.from(x.data)), { requiresGrad: true });
  const ps = [param('w1', w1), param('b1', b1), param('w2', w2), param('b2', b2), param('w3', w3), param('b3', b3)];
  const lab = GpuTensor.from(gpu, [N], labels, 'i32');
  let h = clip(ctx, conv2d(ctx, xt, ps[0], ps[1], { stride: [1, 1], pad: [1, 1, 1, 1], groups: 2 }), -0.4, 0.5);
  h = conv2d(ctx, h, ps[2], ps[3], { stride: [2, 2], pad: [1, 0, 1, 1], groups: 6, relu: true });
  const loss = softmaxCrossEntropy(ctx, dense(ctx, globalAvgPool(ctx, h), ps[4], ps[5]), lab);
  backward(loss);

  const tensors = [xt, ...ps];
  await expectGradients(loss, loss64, tensors, [x, w1, b1, w2, b2, w3, b3], ['x', 'w1', 'b1', 'w2', 'b2', 'w3', 'b3']);
  // The clip really clipped: some of its inputs lay outside the bounds (so its zero gradient was exercised).
  const pre = groupedConv64(x, w1, b1, 1, [1, 1, 1, 1], 2).data;
  assert.ok(pre.some((v) => v < -0.4) && pre.some((v) => v > 0.5));
  ctx.dispose();
  for (const t of tensors) t.release();
  lab.release();
});

test('squeeze-and-excitation with SiLU, sigmoid, hard sigmoid and hard swish (EfficientNet, MobileNetV3): gradients match finite differences', async () => {
  const gpu = await testGpu();
  const rng = new Rng(17);
  const N = 2;
  const x = randomT64(rng, [N, 4, 5, 3], 2);
  const w1 = randomT64(rng, [3, 3, 3, 6], 1.2);
  const b1 = randomT64(rng, [6], 0.5);
  const w2 = randomT64(rng, [1, 1, 6, 3], 1);
  const b2 = randomT64(rng, [3], 0.2);
  const w3 = randomT64(rng, [1, 1, 3, 6], 6); // the gate's inputs reach past hard sigmoid's +-3
  const b3 = randomT64(rng, [6], 1);
  const w4 = randomT64(rng, [6, 3], 0.8);
  const b4 = randomT64(rng, [3], 0.1);
  const labels = [0, 2];
  const map = (t: T64, f: (v: number) => number) => t64(t.shape, t.data.map(f));
  const sig = (v: number) => 1 / (1 + Math.exp(-v));
  const hswish = (v: number) => v * Math.min(1, Math.max(0, v / 6 + 0.5));
  const hsig = (v: number) => Math.min(1, Math.max(0, v / 6 + 0.5));
  // (N, H, W, C) times its (N, 1, 1, C) gate; and the (N, 1, 1, C) mean.
  const gate64 = (m: T64, g: T64) => t64(m.shape, m.data.map((v, i) => v * g.data[Math.floor(i / (m.data.length / N)) * g.shape[3] + (i % g.shape[3])]));
  const pool64 = (m: T64) => t64([N, 1, 1, m.shape[3]], global64(m, 'avg').data);

  const loss64 = (): number => {
    const h = map(conv64(x, w1, b1, 1, [1, 1, 1, 1]), hswish); // (N, 4, 5, 6), hard swish's three pieces all hit
    const g = map(conv64(map(conv64(pool64(h), w2, b2, 1, [0, 0, 0, 0]), sig), w3, b3, 1, [0, 0, 0, 0]), hsig);
    const m = gate64(h, g);
    const silu = t64(m.shape, m.data.map((v) => v * sig(v)));
    const logp = logSoftmax64(dense64(global64(silu, 'avg'), w4, b4));
    return -labels.reduce((acc, l, n) => acc + logp.data[n * 3 + l], 0) / N;
  };

  const ctx = new Context(gpu);
  const param = (name: string, t: T64) => new Parameter(name, GpuTensor.from(gpu, t.shape, Float32Array.from(t.data)));
  const xt = new Tensor(GpuTensor.from(gpu, x.shape, Float32Array.from(x.data)), { requiresGrad: true });
  const ps = [param('w1', w1), param('b1', b1), param('w2', w2), param('b2', b2), param('w3', w3), param('b3', b3), param('w4', w4), param('b4', b4)];
  const lab = GpuTensor.from(gpu, [N], labels, 'i32');
  const one = { stride: [1, 1] as [number, number], pad: [0, 0, 0, 0] as [number, number, number, number] };
  const h = hardSwish(ctx, conv2d(ctx, xt, ps[0], ps[1], { stride: [1, 1], pad: [1, 1, 1, 1] }));
  const pooled = avgPool2d(ctx, h, { kernel: [4, 5], stride: [1, 1], pad: [0, 0, 0, 0], countIncludePad: false });
  const g = hardSigmoid(ctx, conv2d(ctx, sigmoid(ctx, conv2d(ctx, pooled, ps[2], ps[3], one)), ps[4], ps[5], one), 1 / 6, 0.5);
  const m = mul(ctx, h, g);
  const silu = mul(ctx, m, sigmoid(ctx, m));
  const loss = softmaxCrossEntropy(ctx, dense(ctx, globalAvgPool(ctx, silu), ps[6], ps[7]), lab);
  backward(loss);

  const tensors = [xt, ...ps];
  await expectGradients(loss, loss64, tensors, [x, w1, b1, w2, b2, w3, b3, w4, b4], ['x', 'w1', 'b1', 'w2', 'b2', 'w3', 'b3', 'w4', 'b4']);
  // Hard swish's input fell in all three of its pieces (below -3, between, above 3), so each slope was checked.
  const pre = conv64(x, w1, b1, 1, [1, 1, 1, 1]).data;
  assert.ok(pre.some((v) => v < -3) && pre.some((v) => v > 3) && pre.some((v) => Math.abs(v) < 3), 'hard swish pieces');
  const hs = map(conv64(x, w1, b1, 1, [1, 1, 1, 1]), hswish);
  const gatePre = conv64(map(conv64(pool64(hs), w2, b2, 1, [0, 0, 0, 0]), sig), w3, b3, 1, [0, 0, 0, 0]).data;
  assert.ok(gatePre.some((v) => Math.abs(v) > 3) && gatePre.some((v) => Math.abs(v) < 3), 'hard sigmoid clipped some gates and not others');
  ctx.dispose();
  for (const t of tensors) t.release();
  lab.release();
});

test('a DenseNet layer: a per-channel affine map (BatchNorm with no conv before it) and a channel concatenation: gradients match finite differences', async () => {
  const gpu = await testGpu();
  const rng = new Rng(19);
  const N = 2;
  const x = randomT64(rng, [N, 4, 5, 3], 1.5);
  const scale = randomT64(rng, [3], 1.5);
  const shift = randomT64(rng, [3], 0.5);
  const w1 = randomT64(rng, [3, 3, 3, 4], 0.6);
  const b1 = randomT64(rng, [4], 0.1);
  const w2 = randomT64(rng, [1, 1, 7, 5], 0.6);
  const b2 = randomT64(rng, [5], 0.1);
  const w3 = randomT64(rng, [5, 3], 0.8);
  const b3 = randomT64(rng, [3], 0.1);
  const labels = [2, 1];
  // (N, H, W, a) and (N, H, W, b) -> (N, H, W, a + b).
  const cat64 = (a: T64, b: T64): T64 => {
    const [ca, cb] = [a.shape[3], b.shape[3]];
    const y = t64([...a.shape.slice(0, 3), ca + cb]);
    for (let p = 0; p < a.data.length / ca; p++) {
      for (let j = 0; j < ca; j++) y.data[p * (ca + cb) + j] = a.data[p * ca + j];
      for (let j = 0; j < cb; j++) y.data[p * (ca + cb) + ca + j] = b.data[p * cb + j];
    }
    return y;
  };

  const loss64 = (): number => {
    const h = relu64(t64(x.shape, x.data.map((v, i) => v * scale.data[i % 3] + shift.data[i % 3])));
    const joined = cat64(h, relu64(conv64(h, w1, b1, 1, [1, 1, 1, 1]))); // (N, 4, 5, 7)
    const logp = logSoftmax64(dense64(global64(relu64(conv64(joined, w2, b2, 1, [0, 0, 0, 0])), 'avg'), w3, b3));
    return -labels.reduce((acc, l, n) => acc + logp.data[n * 3 + l], 0) / N;
  };

  const ctx = new Context(gpu);
  const param = (name: string, t: T64) => new Parameter(name, GpuTensor.from(gpu, t.shape, Float32Array.from(t.data)));
  const xt = new Tensor(GpuTensor.from(gpu, x.shape, Float32Array.from(x.data)), { requiresGrad: true });
  const ps = [param('scale', scale), param('shift', shift), param('w1', w1), param('b1', b1), param('w2', w2), param('b2', b2), param('w3', w3), param('b3', b3)];
  const lab = GpuTensor.from(gpu, [N], labels, 'i32');
  const h = relu(ctx, affine(ctx, xt, ps[0], ps[1]));
  const joined = concatChannels(ctx, [h, conv2d(ctx, h, ps[2], ps[3], { stride: [1, 1], pad: [1, 1, 1, 1], relu: true })]);
  const c = conv2d(ctx, joined, ps[4], ps[5], { stride: [1, 1], pad: [0, 0, 0, 0], relu: true });
  const loss = softmaxCrossEntropy(ctx, dense(ctx, globalAvgPool(ctx, c), ps[6], ps[7]), lab);
  backward(loss);

  const tensors = [xt, ...ps];
  await expectGradients(loss, loss64, tensors, [x, scale, shift, w1, b1, w2, b2, w3, b3], ['x', 'scale', 'shift', 'w1', 'b1', 'w2', 'b2', 'w3', 'b3']);
  ctx.dispose();
  for (const t of tensors) t.release();
  lab.release();
});

test('residual add, avg pool, flatten, global max pool, logSoftmax and softmax: gradients match finite differences', async () => {
  const gpu = await testGpu();
  const rng = new Rng(11);
  const N = 2;
  const x = randomT64(rng, [N, 4, 4, 3]);
  const w1 = randomT64(rng, [3, 3, 3, 3], 0.4);
  const b1 = randomT64(rng, [3], 0.1);
  const wa = randomT64(rng, [12, 5], 0.5);
  const ba = randomT64(rng, [5], 0.1);
  const wb = randomT64(rng, [3, 5], 0.5);
  const bb = randomT64(rng, [5], 0.1);
  const r = randomT64(rng, [N, 5]); // the upstream gradient: L = sum(r * out)

  // out = logSoftmax(dense(flatten(avgpool(conv(x) + x))) + dense(gmp(conv(x) + x))) + softmax(same logits)
  const forward64 = (): T64 => {
    const res = add64(conv64(x, w1, b1, 1, [1, 1, 1, 1]), x); // (N, 4, 4, 3)
    const pooled = pool64(res, 2, 'avg'); // (N, 2, 2, 3)
    const logits = add64(dense64(t64([N, 12], pooled.data), wa, ba), dense64(global64(res, 'max'), wb, bb));
    const ls = logSoftmax64(logits);
    return add64(ls, t64(ls.shape, ls.data.map(Math.exp)));
  };
  const loss64 = () => forward64().data.reduce((s, v, i) => s + v * r.data[i], 0);

  const ctx = new Context(gpu);
  const param = (name: string, t: T64) => new Parameter(name, GpuTensor.from(gpu, t.shape, Float32Array.from(t.data)));
  const xt = new Tensor(GpuTensor.from(gpu, x.shape, Float32Array.from(x.data)), { requiresGrad: true });
  const ps = [param('w1', w1), param('b1', b1), param('wa', wa), param('ba', ba), param('wb', wb), param('bb', bb)];
  const [pw1, pb1, pwa, pba, pwb, pbb] = ps;

  const res = add(ctx, conv2d(ctx, xt, pw1, pb1, { stride: [1, 1], pad: [1, 1, 1, 1] }), xt);
  const pooled = avgPool2d(ctx, res, { kernel: [2, 2], stride: [2, 2], pad: [0, 0, 0, 0] });
  const logits = add(ctx, dense(ctx, flatten(ctx, pooled), pwa, pba), dense(ctx, globalMaxPool(ctx, res), pwb, pbb));
  const out = add(ctx, logSoftmax(ctx, logits), softmax(ctx, logits));
  assertClose(await out.value.read(), forward64().data, { atol: 1e-5, rtol: 1e-4 }, 'forward');
  const dout = GpuTensor.from(gpu, r.shape, Float32Array.from(r.data));
  backward(out, dout);

  const numeric = numericGrads([x, w1, b1, wa, ba, wb, bb], loss64);
  const tensors = [xt, ...ps];
  const names = ['x', 'w1', 'b1', 'wa', 'ba', 'wb', 'bb'];
  for (let i = 0; i < tensors.length; i++) {
    assertClose(await tensors[i].grad!.read(), numeric[i], { atol: 2e-5, rtol: 2e-3 }, `d L / d ${names[i]}`);
  }
  ctx.dispose();
  for (const t of tensors) t.release();
  dout.release();
});

test.run();
