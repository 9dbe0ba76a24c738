// onnxruntime-node on the CPU (its MLAS kernels, one intra-op thread per core): the practical limit of the processor,
// forward only. Each workload becomes an ONNX model written with graft's own OnnxBuilder (src/onnx/builder.ts),
// holding the shared weights converted to ONNX's layouts: activations NCHW, conv weights OIHW, and Gemm with
// the dense weight (in, out) as is. Training workloads run their forward passes only (every step's logits) and
// are marked so; a convolution's backward is unsupported.

import { cpus } from 'node:os';
import * as ort from 'onnxruntime-node';
import { OnnxBuilder } from '../../src/onnx/builder.ts';
import { hwioToOihw } from '../../src/onnx/conv-layouts.ts';
import { stackShapes } from '../workloads/flops.ts';
import type { Layer, Workload, WorkloadData } from '../workloads/types.ts';
import type { Engine, Outputs, Runner } from './engine.ts';

// Every core (2 on the machine the README's lavapipe figures come from; on a GPU host, all of its CPU).
const THREADS = cpus().length;

/** (N, H, W, C) -> (N, C, H, W) */
export function nhwcToNchw(x: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let y = 0; y < h; y++)
      for (let xx = 0; xx < w; xx++)
        for (let ch = 0; ch < c; ch++) out[((b * c + ch) * h + y) * w + xx] = x[((b * h + y) * w + xx) * c + ch];
  return out;
}

/** (N, C, H, W) -> (N, H, W, C) */
export function nchwToNhwc(x: Float32Array, n: number, c: number, h: number, w: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let b = 0; b < n; b++)
    for (let ch = 0; ch < c; ch++)
      for (let y = 0; y < h; y++)
        for (let xx = 0; xx < w; xx++) out[((b * h + y) * w + xx) * c + ch] = x[((b * c + ch) * h + y) * w + xx];
  return out;
}

/** Conv (+ Relu) and MaxPool nodes for a stack, from input `x`; returns the last value's name. */
function addStack(b: OnnxBuilder, layers: readonly Layer[], data: WorkloadData, x: string): string {
  let cur = x;
  let i = 0;
  layers.forEach((l, k) => {
    if (l.kind === 'conv') {
      const wts = data.convs[i++];
      b.initializer(`w${k}`, 'float32', [l.cout, l.cin, l.k, l.k], hwioToOihw(wts.w, [l.k, l.k, l.cin, l.cout]));
      b.initializer(`b${k}`, 'float32', [l.cout], wts.b);
      b.node('Conv', [cur, `w${k}`, `b${k}`], [`conv${k}`], { kernel_shape: [l.k, l.k], strides: [l.stride, l.stride], pads: [...l.pad], dilations: [1, 1], group: 1 });
      cur = `conv${k}`;
      if (l.relu) {
        b.node('Relu', [cur], [`relu${k}`]);
        cur = `relu${k}`;
      }
    } else {
      b.node('MaxPool', [cur], [`pool${k}`], { kernel_shape: [l.k, l.k], strides: [l.stride, l.stride] });
      cur = `pool${k}`;
    }
  });
  return cur;
}

function modelFor(w: Workload, data: WorkloadData): { bytes: Uint8Array; output: number[] } {
  const b = new OnnxBuilder({ opset: 13, producerName: 'graft-bench' });
  const [H, W, C] = w.input;
  b.input('x', 'float32', [w.batch, C, H, W]);
  if (w.kind === 'forward') {
    const last = addStack(b, w.layers, data, 'x');
    const [oh, ow, oc] = stackShapes(w.input, w.layers).at(-1)!;
    b.node('Identity', [last], ['y']);
    b.output('y', 'float32', [w.batch, oc, oh, ow]);
    return { bytes: b.encode().model, output: [w.batch, oc, oh, ow] };
  }
  if (w.kind !== 'train') throw new Error(`onnxruntime: no model for ${w.kind}`);
  const last = addStack(b, w.layers, data, 'x');
  const shapes = stackShapes(w.input, w.layers);
  const features = shapes.length ? shapes[shapes.length - 1][2] : C;
  b.initializer('dense_w', 'float32', [features, w.classes], data.dense!.w);
  b.initializer('dense_b', 'float32', [w.classes], data.dense!.b);
  b.node('GlobalAveragePool', [last], ['gap']);
  b.node('Flatten', ['gap'], ['features'], { axis: 1 });
  b.node('Gemm', ['features', 'dense_w', 'dense_b'], ['y'], { transB: 0 });
  b.output('y', 'float32', [w.batch, w.classes]);
  return { bytes: b.encode().model, output: [w.batch, w.classes] };
}

export function ortEngine(version: string): Engine {
  return {
    id: 'ort-cpu',
    label: `onnxruntime-node ${version}, CPU execution provider, ${THREADS} intra-op threads (forward only)`,
    polite: false,
    forwardOnly: true,
    usesAdapter: false,
    unsupported: (w) => (w.kind === 'convGrad' ? 'forward only (no training in onnxruntime-node)' : null),
    async prepare(w: Workload, data: WorkloadData): Promise<Runner> {
      const { bytes, output } = modelFor(w, data);
      const session = await ort.InferenceSession.create(bytes, {
        executionProviders: ['cpu'],
        intraOpNumThreads: THREADS,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
      });
      const [H, W, C] = w.input;
      const feeds = data.inputs.map((d) => new ort.Tensor('float32', nhwcToNchw(d, w.batch, H, W, C), [w.batch, C, H, W]));
      const captured: Outputs = {};
      let first = true;
      return {
        async run() {
          for (const x of feeds) {
            const { y } = await session.run({ x });
            if (first) {
              const values = y.data as Float32Array;
              captured[w.kind === 'train' ? 'logits0' : 'y'] =
                output.length === 4 ? nchwToNhwc(values, output[0], output[1], output[2], output[3]) : Float32Array.from(values);
              first = false;
            }
            y.dispose();
          }
        },
        outputs: async () => captured,
        async release() {
          await session.release();
        },
      };
    },
  };
}

