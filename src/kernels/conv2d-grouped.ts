// Grouped 2-D convolution (shaders/conv2d_direct.wgsl, conv2d_grad_input_direct.wgsl and
// conv2d_grad_weight_direct.wgsl with G groups): depthwise layers (MobileNet's) and grouped ones (ResNeXt's), for the
// ONNX runner's Conv with group > 1 and the training graph's grouped conv2d. NHWC activations, weights
// (KH, KW, Cin / G, Cout), ONNX's (Cout, Cin / G, KH, KW) turned around. A batch past one storage binding runs in
// chunks of images. A depthwise layer (one input channel per output, channels a multiple of 4) runs forward on
// shaders/conv2d_depthwise.wgsl, 4 channels of 4 output pixels per invocation with vec4 loads shared between them:
// it does only KH * KW multiply-adds per output, so its loads, not its arithmetic, set the pace. The rest are plain
// per-element loops, untuned.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { forImageChunks, imagesOf } from './conv2d-chunks.ts';
import { commonParams, conv2dOutputShape, type Conv2dOptions } from './conv2d.ts';
import { add } from './elementwise.ts';

const WG = 64;

/** y (N, OH, OW, Cout) = grouped convolution of x (N, H, W, Cin) with w (KH, KW, Cin / groups, Cout), + bias, ReLU. */
export function conv2dGrouped(
  gpu: Gpu, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, o: Conv2dOptions & { groups: number; relu?: boolean },
): GpuTensor {
  const what = `grouped conv2d x${fmtShape(x.shape)} w${fmtShape(w.shape)} groups ${o.groups}`;
  if (x.shape.length !== 4 || w.shape.length !== 4) throw new ShapeError(`${what}: x must be (N, H, W, Cin) and w (KH, KW, Cin / groups, Cout)`);
  const { N, H, W, Cin, KH, KW, Cout, OH, OW } = groupedDims(what, x.shape, w.shape, o.groups, o);
  const G = o.groups;
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== Cout)) throw new ShapeError(`${what}: bias must be (${Cout}), got bias${fmtShape(bias.shape)}`);
  const y = GpuTensor.empty(gpu, [N, OH, OW, Cout], 'f32', 'conv2d_grouped.y');
  if (G === Cin && G === Cout && Cin % 4 === 0 && KW <= 8) {
    depthwise(gpu, what, x, w, bias, y, { N, H, W, Cin, KH, KW, Cout, OH, OW }, o);
    return y;
  }
  forImageChunks(gpu, what, N, [x, y], 0, (n0, count, range) => {
    const total = count * OH * OW * Cout;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('conv2d_direct', { WG }),
      what: what + imagesOf(n0, count, N),
      params: packParams([
        ...commonParams({ N, H, W, Cin, KH, KW, Cout, OH, OW }, o),
        ['u32', total], ['u32', bias ? 1 : 0], ['u32', o.relu ? 1 : 0], ['u32', G],
      ]),
      buffers: [range(x), w.binding, (bias ?? w).binding, range(y)],
      workgroups: grid1d(total, WG),
    });
  });
  return y;
}

/** Depthwise (one input channel per output) on the vectorised kernel: 4 channels of 4 output pixels per invocation. */
function depthwise(
  gpu: Gpu, what: string, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, y: GpuTensor,
  d: { N: number; H: number; W: number; Cin: number; KH: number; KW: number; Cout: number; OH: number; OW: number },
  o: Conv2dOptions & { relu?: boolean },
): void {
  forImageChunks(gpu, what, d.N, [x, y], 0, (n0, count, range) => {
    const total = count * d.OH * Math.ceil(d.OW / 4) * (d.Cout / 4);
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('conv2d_depthwise', { WG, THREE_WIDE: d.KW === 3 && o.stride[1] === 1 }),
      what: `${what} (depthwise)${imagesOf(n0, count, d.N)}`,
      params: packParams([...commonParams(d, o), ['u32', total], ['u32', bias ? 1 : 0], ['u32', o.relu ? 1 : 0]]),
      buffers: [range(x), w.binding, (bias ?? w).binding, range(y)],
      workgroups: grid1d(total, WG),
    });
  });
}

/** The sizes of a grouped convolution of x (N, H, W, Cin) with w (KH, KW, Cin / groups, Cout), checked. */
function groupedDims(what: string, xShape: readonly number[], wShape: readonly number[], G: number, o: Conv2dOptions) {
  if (xShape.length !== 4 || wShape.length !== 4) throw new ShapeError(`${what}: x must be (N, H, W, Cin) and w (KH, KW, Cin / groups, Cout)`);
  const [N, H, W, Cin] = xShape;
  const [KH, KW, cinG, Cout] = wShape;
  if (!Number.isInteger(G) || G < 1 || Cin % G !== 0 || Cout % G !== 0) throw new ShapeError(`${what}: Cin ${Cin} and Cout ${Cout} must be multiples of the groups`);
  if (cinG * G !== Cin) throw new ShapeError(`${what}: w holds ${cinG} input channels per group, x has ${Cin} in ${G} groups`);
  const [, OH, OW] = conv2dOutputShape(xShape, wShape, o);
  if (OH < 1 || OW < 1) throw new ShapeError(`${what}: the output ${OH}x${OW} is empty`);
  return { N, H, W, Cin, KH, KW, Cout, OH, OW };
}

/** dx (N, H, W, Cin) of a grouped convolution, from dy (N, OH, OW, Cout) and w (KH, KW, Cin / groups, Cout). */
export function conv2dGroupedGradInput(
  gpu: Gpu, dy: GpuTensor, w: GpuTensor, inputShape: readonly number[], o: Conv2dOptions & { groups: number },
): GpuTensor {
  const what = `grouped conv2d grad input dy${fmtShape(dy.shape)} w${fmtShape(w.shape)} groups ${o.groups}`;
  const d = groupedDims(what, inputShape, w.shape, o.groups, o);
  if (dy.shape.join() !== [d.N, d.OH, d.OW, d.Cout].join()) throw new ShapeError(`${what}: dy must be (${d.N}, ${d.OH}, ${d.OW}, ${d.Cout})`);
  const dx = GpuTensor.empty(gpu, [d.N, d.H, d.W, d.Cin], 'f32', 'conv2d_grouped.dx');
  forImageChunks(gpu, what, d.N, [dy, dx], 0, (n0, count, range) => {
    const total = count * d.H * d.W * d.Cin;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('conv2d_grad_input_direct', { WG }),
      what: what + imagesOf(n0, count, d.N),
      params: packParams([...commonParams({ ...d, N: count }, o), ['u32', total], ['u32', o.groups]]),
      buffers: [range(dy), w.binding, range(dx)],
      workgroups: grid1d(total, WG),
    });
  });
  return dx;
}

/** dw (KH, KW, Cin / groups, Cout) of a grouped convolution, from x (N, H, W, Cin) and dy (N, OH, OW, Cout). */
export function conv2dGroupedGradWeight(
  gpu: Gpu, x: GpuTensor, dy: GpuTensor, weightShape: readonly number[], o: Conv2dOptions & { groups: number },
): GpuTensor {
  const what = `grouped conv2d grad weight x${fmtShape(x.shape)} dy${fmtShape(dy.shape)} groups ${o.groups}`;
  const d = groupedDims(what, x.shape, weightShape, o.groups, o);
  if (dy.shape.join() !== [d.N, d.OH, d.OW, d.Cout].join()) throw new ShapeError(`${what}: dy must be (${d.N}, ${d.OH}, ${d.OW}, ${d.Cout})`);
  const total = weightShape.reduce((p, k) => p * k, 1);
  // Each chunk of images sums over its own images; the chunks' sums are added.
  let dw: GpuTensor | null = null;
  forImageChunks(gpu, what, d.N, [x, dy], 0, (n0, count, range) => {
    const part = GpuTensor.empty(gpu, weightShape, 'f32', 'conv2d_grouped.dw');
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('conv2d_grad_weight_direct', { WG }),
      what: what + imagesOf(n0, count, d.N),
      params: packParams([...commonParams({ ...d, N: count }, o), ['u32', count], ['u32', total], ['u32', o.groups]]),
      buffers: [range(x), range(dy), part.binding],
      workgroups: grid1d(total, WG),
    });
    if (dw) {
      const sum = add(gpu, dw, part);
      dw.release();
      part.release();
      dw = sum;
    } else dw = part;
  });
  return dw!;
}
