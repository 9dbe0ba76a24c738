// Local response normalisation across channels (shaders/lrn.wgsl) for the ONNX runner's LRN: the classic CNNs of
// the ONNX model zoo (AlexNet, CaffeNet, GoogLeNet) use it after their early convolutions. NHWC, inference only.
// A batch past one storage binding runs in chunks of whole images (a pixel's channel window never straddles one).

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { forImageChunks, imagesOf } from './conv2d-chunks.ts';

const WG = 256;

export interface LrnOptions {
  /** Channels in the window (the window is size wide, centred as ONNX places it). */
  size: number;
  alpha: number;
  beta: number;
  bias: number;
}

/** y (N, H, W, C) = x normalised by the squared activity of its neighbouring channels. */
export function lrn(gpu: Gpu, x: GpuTensor, o: LrnOptions): GpuTensor {
  const what = `lrn x${fmtShape(x.shape)} size ${o.size}`;
  if (x.shape.length !== 4) throw new ShapeError(`${what}: x must be (N, H, W, C)`);
  if (!Number.isInteger(o.size) || o.size < 1) throw new ShapeError(`${what}: size must be a positive integer`);
  if (x.dtype !== 'f32') throw new ShapeError(`${what}: x must be f32, got ${x.dtype}`);
  const [N, , , C] = x.shape;
  const y = GpuTensor.empty(gpu, x.shape, 'f32', 'lrn.y');
  forImageChunks(gpu, what, N, [x, y], 0, (n0, count, range) => {
    const size = (x.size / N) * count;
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('lrn', { WG }),
      what: what + imagesOf(n0, count, N),
      params: packParams([
        ['u32', size], ['u32', C], ['u32', Math.floor((o.size - 1) / 2)], ['u32', Math.ceil((o.size - 1) / 2)],
        ['f32', o.alpha / o.size], ['f32', o.beta], ['f32', o.bias],
      ]),
      buffers: [range(x), range(y)],
      workgroups: grid1d(size, WG),
    });
  });
  return y;
}
