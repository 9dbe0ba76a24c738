// graft itself, as a user runs it: the graph layers (Conv2d with fused ReLU, MaxPool2d, GlobalAvgPool, Dense,
// Sequential) in a Context, inference under noGrad, training with backward + SGD and the loss read back every
// step; a single convolution's gradients straight from the kernels. Waits are graft's own policy for the adapter
// (polite on a software one, the binding's spin on a GPU: src/gpu/wait.ts).
// graft-f16 is the same engine with conv weights stored as half precision in the forward (GRAFT_WEIGHTS=f16),
// to show what that option buys; its check against graft allows the rounding.

import type { Gpu } from '../../src/gpu/device.ts';
import { GpuTensor } from '../../src/gpu/tensor.ts';
import { waitPolicy } from '../../src/gpu/wait.ts';
import {
  Context, Conv2d, Dense, GlobalAvgPool, MaxPool2d, SGD, Sequential, Tensor, backward, lossValue, softmaxCrossEntropy,
  type Module,
} from '../../src/graph/index.ts';
import { conv2dGradInput, conv2dGradWeight, setConv2dWeightFormat } from '../../src/kernels/conv2d.ts';
import { stackShapes } from '../workloads/flops.ts';
import type { Layer, Workload, WorkloadData } from '../workloads/types.ts';
import type { Engine, Outputs, Runner } from './engine.ts';

function buildStack(gpu: Gpu, layers: readonly Layer[], data: WorkloadData): { modules: Module[]; convs: Conv2d[] } {
  const modules: Module[] = [];
  const convs: Conv2d[] = [];
  for (const l of layers) {
    if (l.kind === 'conv') {
      const conv = new Conv2d(gpu, l.cin, l.cout, l.k, { stride: l.stride, padding: l.pad, relu: l.relu });
      const wts = data.convs[convs.length];
      conv.weight.load(wts.w);
      conv.bias!.load(wts.b);
      convs.push(conv);
      modules.push(conv);
    } else {
      modules.push(new MaxPool2d(l.k, { stride: l.stride }));
    }
  }
  return { modules, convs };
}

export function graftEngine(gpu: Gpu, version: string): Engine {
  return {
    id: 'graft',
    label: `graft ${version} on ${gpu.describe()}`,
    polite: waitPolicy() === 'polite',
    forwardOnly: false,
    usesAdapter: true,
    unsupported: () => null,
    async prepare(w: Workload, data: WorkloadData): Promise<Runner> {
      const [H, W, C] = w.input;
      const inputs = data.inputs.map((d) => GpuTensor.from(gpu, [w.batch, H, W, C], d, 'f32', 'bench.x')); // (N, H, W, C)
      const captured: Outputs = {};
      let first = true;

      if (w.kind === 'forward') {
        const { modules } = buildStack(gpu, w.layers, data);
        const model = new Sequential(modules);
        const x = new Tensor(inputs[0]);
        return {
          async run() {
            const ctx = new Context(gpu, { grad: false });
            const y = model.forward(x, ctx);
            await gpu.sync();
            if (first) captured.y = (await y.value.read()) as Float32Array;
            first = false;
            ctx.dispose();
          },
          outputs: async () => captured,
          release() {
            model.release();
            inputs.forEach((t) => t.release());
          },
        };
      }

      if (w.kind === 'convGrad') {
        const c = w.conv;
        const wt = GpuTensor.from(gpu, [c.k, c.k, c.cin, c.cout], data.convs[0].w, 'f32', 'bench.w'); // (KH, KW, Cin, Cout)
        const [[oh, ow]] = stackShapes(w.input, [c]);
        const dy = GpuTensor.from(gpu, [w.batch, oh, ow, c.cout], data.dy!, 'f32', 'bench.dy'); // (N, OH, OW, Cout)
        const o = { stride: [c.stride, c.stride] as [number, number], pad: c.pad };
        return {
          async run() {
            const dx = conv2dGradInput(gpu, dy, wt, inputs[0].shape, o);
            const dw = conv2dGradWeight(gpu, inputs[0], dy, wt.shape, o);
            await gpu.sync();
            if (first) {
              captured.dx = (await dx.read()) as Float32Array;
              captured.dw = (await dw.read()) as Float32Array;
            }
            first = false;
            dx.release();
            dw.release();
          },
          outputs: async () => captured,
          release() {
            [wt, dy, ...inputs].forEach((t) => t.release());
          },
        };
      }

      // train: the conv stack, GAP, dense, softmax cross-entropy, SGD
      const { modules, convs } = buildStack(gpu, w.layers, data);
      const shapes = stackShapes(w.input, w.layers);
      const features = shapes.length ? shapes[shapes.length - 1][2] : C;
      const dense = new Dense(gpu, features, w.classes);
      dense.weight.load(data.dense!.w);
      dense.bias!.load(data.dense!.b);
      const model = new Sequential([...modules, new GlobalAvgPool(), dense]);
      const opt = new SGD(model.parameters(), { lr: w.lr });
      const xs = inputs.map((t) => new Tensor(t));
      const labels = data.labels!.map((l) => GpuTensor.from(gpu, [w.batch], l, 'i32', 'bench.labels')); // (N)
      return {
        async run() {
          const losses = new Float32Array(w.steps);
          for (let s = 0; s < w.steps; s++) {
            const ctx = new Context(gpu);
            const logits = model.forward(xs[s], ctx); // (N, classes)
            const loss = softmaxCrossEntropy(ctx, logits, labels[s]);
            if (first && s === 0) captured.logits0 = (await logits.value.read()) as Float32Array;
            backward(loss);
            opt.step();
            losses[s] = await lossValue(loss);
            opt.zeroGrad();
            ctx.dispose();
          }
          if (first) captured.loss = losses;
          first = false;
        },
        async outputs() {
          if (convs.length) captured['conv0.w'] = (await convs[0].weight.value.read()) as Float32Array;
          captured['dense.w'] = (await dense.weight.value.read()) as Float32Array;
          return captured;
        },
        release() {
          opt.release();
          model.release();
          [...inputs, ...labels].forEach((t) => t.release());
        },
      };
    },
  };
}

/**
 * graft with the forward's conv weights stored as packed halves (arithmetic f32; gradients read f32 weights).
 * Its outputs may differ from graft's by the rounding of every weight to 11 significant bits: 1e-2 of the output's
 * scale leaves margin over the ~1e-3 that deep stacks show.
 */
export function graftF16Engine(gpu: Gpu, version: string): Engine {
  const base = graftEngine(gpu, version);
  const inF16 = async (fn: () => Promise<void>) => {
    const previous = setConv2dWeightFormat('f16');
    try {
      await fn();
    } finally {
      setConv2dWeightFormat(previous);
    }
  };
  return {
    ...base,
    id: 'graft-f16',
    label: `graft ${version}, conv weights stored as f16 (f32 arithmetic), on ${gpu.describe()}`,
    tolerance: 1e-2,
    // Only where it changes anything: a workload without a forward convolution would time graft twice.
    unsupported: (w) => (w.kind === 'convGrad' || !w.layers.some((l) => l.kind === 'conv')
      ? 'no forward convolution: the same kernels as graft' : null),
    async prepare(w, data) {
      const runner = await base.prepare(w, data);
      return { ...runner, run: () => inF16(() => runner.run()) };
    },
  };
}
