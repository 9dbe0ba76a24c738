// The bench's workloads written once against TensorFlow.js's ops, for every tfjs backend (webgpu, wasm, cpu).
// Written as a Keras/tfjs-layers model would run them: fused conv2d with bias and ReLU, maxPool, mean over H
// and W for GAP, fused matMul with bias, tf.losses.softmaxCrossEntropy (batch mean, like graft's) and
// tf.train.sgd through optimizer.minimize, the cost read back every step. A single convolution's gradients
// call the two kernels its gradient uses (Conv2DBackpropInput, Conv2DBackpropFilter).
// Layouts are graft's (NHWC, HWIO, dense (in, out)): the shared data goes in unchanged.

import * as tf from '@tensorflow/tfjs-core';
// tfjs-core's Node bundle registers no gradient functions (the @tensorflow/tfjs union package does, and so does
// tfjs-layers's bundle, into tfjs's global registry): without this, training fails with "gradient function not
// found for RealDiv".
import '@tensorflow/tfjs-layers';
import { stackShapes } from '../workloads/flops.ts';
import type { ConvLayer, Layer, Workload, WorkloadData } from '../workloads/types.ts';
import type { Engine, Outputs, Runner } from './engine.ts';

export interface TfjsBackendSpec {
  id: string;
  label: string;
  backend: string;
  polite: boolean;
  /** Waits until everything queued has run (webgpu: submit and await the queue; the CPU backends run eagerly). */
  finish(): Promise<void>;
}

type Pad = number | [[number, number], [number, number], [number, number], [number, number]];

function tfPad(c: ConvLayer): Pad {
  const [t, l, b, r] = c.pad;
  return t === l && l === b && b === r ? t : [[0, 0], [t, b], [l, r], [0, 0]];
}

interface ConvVars {
  w: tf.Tensor4D; // (KH, KW, Cin, Cout)
  b: tf.Tensor1D; // (Cout)
}

function stack(x: tf.Tensor4D, layers: readonly Layer[], vars: readonly ConvVars[]): tf.Tensor4D {
  let h = x;
  let i = 0;
  for (const l of layers) {
    if (l.kind === 'conv') {
      const v = vars[i++];
      h = tf.fused.conv2d({ x: h, filter: v.w, strides: l.stride, pad: tfPad(l) as never, bias: v.b, activation: l.relu ? 'relu' : 'linear' });
    } else {
      h = tf.maxPool(h, l.k, l.stride, 'valid');
    }
  }
  return h;
}

/** Kernels a workload needs beyond the forward ones, which a backend may lack (wasm 4.22: Conv2DBackpropFilter). */
function neededKernels(w: Workload): string[] {
  if (w.kind === 'convGrad') return ['Conv2DBackpropInput', 'Conv2DBackpropFilter'];
  if (w.kind === 'train' && w.layers.some((l) => l.kind === 'conv')) return ['Conv2DBackpropInput', 'Conv2DBackpropFilter'];
  return [];
}

export function tfjsEngine(spec: TfjsBackendSpec): Engine {
  return {
    id: spec.id,
    label: spec.label,
    polite: spec.polite,
    forwardOnly: false,
    usesAdapter: spec.backend === 'webgpu',
    unsupported(w) {
      const missing = neededKernels(w).filter((k) => !tf.getKernel(k, spec.backend));
      return missing.length ? `${spec.backend} backend has no ${missing.join(', ')} kernel` : null;
    },
    async prepare(w: Workload, data: WorkloadData): Promise<Runner> {
      if (!(await tf.setBackend(spec.backend))) throw new Error(`tfjs backend '${spec.backend}' failed to initialise`);
      await tf.ready();
      const [H, W, C] = w.input;
      const inputs = data.inputs.map((d) => tf.tensor4d(d, [w.batch, H, W, C])); // (N, H, W, C)
      const captured: Outputs = {};
      let first = true;
      const read = async (t: tf.Tensor) => Float32Array.from((await t.data()) as Float32Array);

      if (w.kind === 'forward') {
        const convs = w.layers.filter((l): l is ConvLayer => l.kind === 'conv');
        const vars = convs.map((c, i) => ({ w: tf.tensor4d(data.convs[i].w, [c.k, c.k, c.cin, c.cout]), b: tf.tensor1d(data.convs[i].b) }));
        return {
          async run() {
            const y = tf.tidy(() => stack(inputs[0], w.layers, vars));
            await spec.finish();
            if (first) captured.y = await read(y);
            first = false;
            y.dispose();
          },
          outputs: async () => captured,
          release() {
            tf.dispose([...inputs, ...vars.flatMap((v) => [v.w, v.b])]);
          },
        };
      }

      if (w.kind === 'convGrad') {
        const c = w.conv;
        const filter = tf.tensor4d(data.convs[0].w, [c.k, c.k, c.cin, c.cout]);
        const [[oh, ow]] = stackShapes(w.input, [c]);
        const dy = tf.tensor4d(data.dy!, [w.batch, oh, ow, c.cout]);
        const attrs = { strides: [c.stride, c.stride], pad: tfPad(c), dataFormat: 'NHWC', dimRoundingMode: undefined };
        return {
          async run() {
            const dx = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, { ...attrs, inputShape: [w.batch, H, W, C] } as never) as tf.Tensor;
            const dw = tf.engine().runKernel('Conv2DBackpropFilter', { x: inputs[0], dy }, { ...attrs, filterShape: [c.k, c.k, c.cin, c.cout] } as never) as tf.Tensor;
            await spec.finish();
            if (first) {
              captured.dx = await read(dx);
              captured.dw = await read(dw);
            }
            first = false;
            tf.dispose([dx, dw]);
          },
          outputs: async () => captured,
          release() {
            tf.dispose([...inputs, filter, dy]);
          },
        };
      }

      // train
      const convs = w.layers.filter((l): l is ConvLayer => l.kind === 'conv');
      const vars = convs.map((c, i) => ({
        w: tf.variable(tf.tensor4d(data.convs[i].w, [c.k, c.k, c.cin, c.cout])) as tf.Variable<tf.Rank.R4>,
        b: tf.variable(tf.tensor1d(data.convs[i].b)) as tf.Variable<tf.Rank.R1>,
      }));
      const shapes = stackShapes(w.input, w.layers);
      const features = shapes.length ? shapes[shapes.length - 1][2] : C;
      const dw = tf.variable(tf.tensor2d(data.dense!.w, [features, w.classes])); // (in, out)
      const db = tf.variable(tf.tensor1d(data.dense!.b));
      const varList = [...vars.flatMap((v) => [v.w, v.b]), dw, db];
      const onehots = data.labels!.map((l) => tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(l, 'int32'), w.classes), 'float32')));
      const opt = tf.train.sgd(w.lr);
      return {
        async run() {
          const losses = new Float32Array(w.steps);
          let logits0: tf.Tensor | undefined;
          for (let s = 0; s < w.steps; s++) {
            const cost = opt.minimize(() => {
              const h = stack(inputs[s], w.layers, vars);
              const logits = tf.fused.matMul({ a: tf.mean(h, [1, 2]) as tf.Tensor2D, b: dw, bias: db }); // (N, classes)
              if (first && s === 0) logits0 = tf.keep(logits);
              return tf.losses.softmaxCrossEntropy(onehots[s], logits) as tf.Scalar;
            }, true, varList)!;
            losses[s] = (await cost.data())[0];
            cost.dispose();
          }
          if (first) {
            captured.logits0 = await read(logits0!);
            logits0!.dispose();
            captured.loss = losses;
          }
          first = false;
        },
        async outputs() {
          if (vars.length) captured['conv0.w'] = await read(vars[0].w);
          captured['dense.w'] = await read(dw);
          return captured;
        },
        release() {
          opt.dispose();
          tf.dispose([...inputs, ...onehots, ...varList]);
        },
      };
    },
  };
}
