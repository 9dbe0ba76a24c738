// Small Keras models built with tfjs-layers for the importer's tests (test/keras-tiny.test.ts) and the ONNX
// encoder of model descriptions (test/onnx-export-graph.test.ts): between them they use every layer the importer
// supports, so their descriptions hold every node type (folded and explicit pads, both BatchNorm cases, pools,
// Add, Flatten, dense with ReLU and softmax).

import { Rng } from '../../src/util/rng.ts';
import { tf, tfl } from '../reference/tfjs-reference.ts';

/** Random weights; BatchNorm scales and variances kept positive and away from 1 so folding is really tested. */
export function randomize(model: tfl.LayersModel, rng: Rng): void {
  model.setWeights(
    model.weights.map((w) => {
      const n = w.shape.reduce((a: number, b) => a * (b ?? 1), 1);
      const positive = /moving_variance|gamma/.test(w.originalName);
      return tf.tensor(rng.uniformArray(n, positive ? 0.3 : -0.6, positive ? 2 : 0.6), w.shape as number[]);
    }),
  );
}

/** A residual network using every supported layer: folded and explicit pads, both BN cases, Add, pools. */
export function residualModel(): tfl.LayersModel {
  const L = tfl.layers;
  const x = tfl.input({ shape: [23, 21, 3], name: 'img' });
  const p0 = L.zeroPadding2d({ padding: [[1, 2], [2, 1]], name: 'pad0' }).apply(x) as tfl.SymbolicTensor;
  const c1 = L.conv2d({ filters: 8, kernelSize: 3, strides: 2, name: 'c1' }).apply(p0) as tfl.SymbolicTensor; // (12, 11, 8)
  const b1 = L.batchNormalization({ name: 'bn1', epsilon: 0.01 }).apply(c1) as tfl.SymbolicTensor;
  const r1 = L.activation({ activation: 'relu', name: 'r1' }).apply(b1) as tfl.SymbolicTensor;
  const p1 = L.zeroPadding2d({ padding: 1, name: 'pad1' }).apply(r1) as tfl.SymbolicTensor;
  const m1 = L.maxPooling2d({ poolSize: 3, strides: 2, name: 'pool1' }).apply(p1) as tfl.SymbolicTensor; // (6, 6, 8)
  const a = L.conv2d({ filters: 6, kernelSize: 3, strides: 2, padding: 'same', name: 'a' }).apply(m1) as tfl.SymbolicTensor; // (3, 3, 6)
  const ab = L.batchNormalization({ name: 'a_bn' }).apply(a) as tfl.SymbolicTensor;
  const ar = L.reLU({ name: 'a_relu' }).apply(ab) as tfl.SymbolicTensor;
  const a2 = L.conv2d({ filters: 6, kernelSize: 1, name: 'a2' }).apply(ar) as tfl.SymbolicTensor;
  const a2b = L.batchNormalization({ name: 'a2_bn', center: false }).apply(a2) as tfl.SymbolicTensor;
  const s = L.conv2d({ filters: 6, kernelSize: 1, strides: 2, useBias: false, name: 'short' }).apply(m1) as tfl.SymbolicTensor;
  const sb = L.batchNormalization({ name: 'short_bn', scale: false }).apply(s) as tfl.SymbolicTensor;
  const sum = L.add({ name: 'sum' }).apply([a2b, sb]) as tfl.SymbolicTensor;
  const sr = L.activation({ activation: 'relu', name: 'sum_relu' }).apply(sum) as tfl.SymbolicTensor;
  const avg = L.averagePooling2d({ poolSize: 2, strides: 1, padding: 'same', name: 'avg' }).apply(sr) as tfl.SymbolicTensor;
  const bn = L.batchNormalization({ name: 'lone_bn' }).apply(avg) as tfl.SymbolicTensor; // nothing to fold into
  const p2 = L.zeroPadding2d({ padding: 1, name: 'pad2' }).apply(bn) as tfl.SymbolicTensor; // may be negative: kept
  const m2 = L.maxPooling2d({ poolSize: 2, strides: 1, name: 'pool2' }).apply(p2) as tfl.SymbolicTensor; // (4, 4, 6)
  const g = L.globalAveragePooling2d({ name: 'gap' }).apply(m2) as tfl.SymbolicTensor;
  const d1 = L.dense({ units: 5, activation: 'relu', name: 'd1' }).apply(g) as tfl.SymbolicTensor;
  const d2 = L.dense({ units: 4, activation: 'softmax', name: 'd2' }).apply(d1) as tfl.SymbolicTensor;
  return tfl.model({ inputs: x, outputs: d2, name: 'tiny_resnet' });
}

/** A Sequential model: padding folded into a 'same' conv with its own relu (so the BN after it cannot fold), odd 'same' pooling, Flatten. */
export function sequentialModel(): tfl.LayersModel {
  const L = tfl.layers;
  const m = tfl.sequential({ name: 'tiny_seq' });
  m.add(L.zeroPadding2d({ inputShape: [10, 9, 2], padding: [[0, 1], [2, 0]], name: 'spad' }));
  m.add(L.conv2d({ filters: 4, kernelSize: [3, 2], strides: [2, 1], padding: 'same', activation: 'relu', name: 'sc1' }));
  m.add(L.batchNormalization({ name: 'sbn' }));
  m.add(L.maxPooling2d({ poolSize: 2, strides: 2, padding: 'same', name: 'spool' }));
  m.add(L.averagePooling2d({ poolSize: [2, 3], strides: [1, 2], padding: 'same', name: 'savg' }));
  m.add(L.flatten({ name: 'flat' }));
  m.add(L.dense({ units: 3, name: 'out' }));
  return m;
}

