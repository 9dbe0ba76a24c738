// Grouped 2-D convolution forward (shaders/conv2d_direct.wgsl with G groups) for the ONNX runner's Conv with
// group > 1: depthwise layers (MobileNet's) and grouped ones (ResNeXt's). NHWC activations, weights
// (KH, KW, Cin / G, Cout), ONNX's (Cout, Cin / G, KH, KW) turned around. Inference only: graft's training graph has
// no grouped layers. A batch past one storage binding runs in chunks of images.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { forImageChunks, imagesOf } from './conv2d-chunks.ts';
import { commonParams, conv2dOutputShape, type Conv2dOptions } from './conv2d.ts';

const WG = 64;

/** y (N, OH, OW, Cout) = grouped convolution of x (N, H, W, Cin) with w (KH, KW, Cin / groups, Cout), + bias, ReLU. */
export function conv2dGrouped(
  gpu: Gpu, x: GpuTensor, w: GpuTensor, bias: GpuTensor | null, o: Conv2dOptions & { groups: number; relu?: boolean },
): GpuTensor {
  const what = `grouped conv2d x${fmtShape(x.shape)} w${fmtShape(w.shape)} groups ${o.groups}`;
  if (x.shape.length !== 4 || w.shape.length !== 4) throw new ShapeError(`${what}: x must be (N, H, W, Cin) and w (KH, KW, Cin / groups, Cout)`);
  const [N, H, W, Cin] = x.shape;
  const [KH, KW, cinG, Cout] = w.shape;
  const G = o.groups;
  if (!Number.isInteger(G) || G < 1 || Cin % G !== 0 || Cout % G !== 0) throw new ShapeError(`${what}: Cin ${Cin} and Cout ${Cout} must be multiples of the groups`);
  if (cinG * G !== Cin) throw new ShapeError(`${what}: w holds ${cinG} input channels per group, x has ${Cin} in ${G} groups`);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== Cout)) throw new ShapeError(`${what}: bias must be (${Cout}), got bias${fmtShape(bias.shape)}`);
  const [, OH, OW] = conv2dOutputShape(x.shape, w.shape, o);
  if (OH < 1 || OW < 1) throw new ShapeError(`${what}: the output ${OH}x${OW} is empty`);
  const y = GpuTensor.empty(gpu, [N, OH, OW, Cout], 'f32', 'conv2d_grouped.y');
  // The plain kernel loops over one group's Cin / G channels per output: a depthwise layer does only KH * KW
  // multiply-adds per output, so its loads, not its arithmetic, set the pace.
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
