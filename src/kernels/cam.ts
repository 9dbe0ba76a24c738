// Class activation maps on the GPU (Zhou et al., CVPR 2016): for a network whose head is global average pooling
// then one dense layer, the logit of class k is the spatial mean of sum_c F[y, x, c] * W[c, k] (plus a bias),
// so that sum, taken before the pooling, says where the evidence for k lies. Two dispatches:
//   shaders/cam.wgsl           features (N, h, w, C) x weights (C, K), picking one column per map -> (M, h, w)
//   shaders/cam_upsample.wgsl  bilinear, half-pixel centres, (M, h, w) -> (M, outH, outW)
// Two kernels rather than one fused one because a fused kernel redoes four C-long dot products per OUTPUT
// pixel (a 14x14x512 map on a 500x375 photo: ~770 M loads against ~0.2 M here), and loads are what costs on
// llvmpipe (platform.md). It also lets every photo of a batch be upsampled to its own size from one set of
// low-resolution maps (`camUpsample` with `first`/`count`).
//
// Maps are raw, unnormalised values (the dense bias left out: it shifts every pixel alike). Top-k CAMs: give
// classIdx as (N, k) and get (N, k, ...) maps, map j of image n for class classIdx[n, j] (see topKClasses in
// src/train/cam.ts). Nothing here knows a model: the caller hands in the last conv's output (after its ReLU)
// and the head's dense weights in graft's (in, out) layout.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { describe } from './shapes.ts';
import { grid1d, packParams } from './params.ts';

const WG_MAPS = 64;
const WG_UPSAMPLE = 256;

/**
 * Low-resolution CAMs: features (N, h, w, C) f32, classWeights (C, K) f32, classIdx (N) or (N, k) i32 ->
 * (N, h, w) or (N, k, h, w) f32. A class index outside [0, K) yields a map of NaN (checked on the GPU: kernels
 * never read back).
 */
export function camMaps(gpu: Gpu, features: GpuTensor, classWeights: GpuTensor, classIdx: GpuTensor<'i32'>): GpuTensor {
  const op = 'cam';
  const all = () => describe({ features, classWeights, classIdx });
  if (features.shape.length !== 4) throw new ShapeError(`${op}: features must be (N, h, w, C), got ${all()}`);
  if (classWeights.shape.length !== 2) throw new ShapeError(`${op}: classWeights must be (C, K), got ${all()}`);
  const [n, h, w, c] = features.shape;
  const [cw, k] = classWeights.shape;
  if (cw !== c) throw new ShapeError(`${op}: classWeights rows (${cw}) must equal the feature channels (${c}), got ${all()}`);
  if (features.dtype !== 'f32' || classWeights.dtype !== 'f32' || classIdx.dtype !== 'i32') {
    throw new ShapeError(`${op}: features and classWeights must be f32 and classIdx i32, got ${features.dtype}, ${classWeights.dtype}, ${classIdx.dtype}`);
  }
  const idx = classIdx.shape;
  if (!((idx.length === 1 || idx.length === 2) && idx[0] === n)) {
    throw new ShapeError(`${op}: classIdx must be (N) or (N, k) with N = ${n}, got ${all()}`);
  }
  if (k === 0) throw new ShapeError(`${op}: classWeights has no class column, got ${all()}`);
  const perImage = idx.length === 2 ? idx[1] : 1;
  const outShape = idx.length === 2 ? [n, perImage, h, w] : [n, h, w];
  const cam = GpuTensor.empty(gpu, outShape, 'f32', 'cam.lowres');
  const count = n * perImage * h * w;
  if (count === 0) return cam;
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('cam', { WG: WG_MAPS }),
    what: `cam features${fmtShape(features.shape)} w${fmtShape(classWeights.shape)} classIdx${fmtShape(idx)}`,
    params: packParams([
      ['u32', count],
      ['u32', h * w],
      ['u32', c],
      ['u32', k],
      ['u32', perImage],
      ['f32', NaN],
    ]),
    buffers: [features.binding, classWeights.binding, classIdx.binding, cam.binding],
    workgroups: grid1d(count, WG_MAPS),
  });
  return cam;
}

export interface UpsampleRange {
  /** First map to upsample, counting over all leading dimensions (default 0). */
  first?: number;
  /** How many maps (default: all from `first` on). */
  count?: number;
}

/**
 * Bilinear upsampling (half-pixel centres, edge-clamped) of maps (..., h, w) to (outH, outW). Without a range the
 * leading dimensions are kept: (N, h, w) -> (N, outH, outW), (N, k, h, w) -> (N, k, outH, outW). With a range the
 * result is (count, outH, outW): the way to send each photo's map to that photo's own size.
 */
export function camUpsample(gpu: Gpu, maps: GpuTensor, outH: number, outW: number, range?: UpsampleRange): GpuTensor {
  const op = 'cam upsample';
  if (maps.shape.length < 3) throw new ShapeError(`${op}: maps must be (M, h, w) or (N, k, h, w), got maps${fmtShape(maps.shape)}`);
  const h = maps.shape[maps.shape.length - 2];
  const w = maps.shape[maps.shape.length - 1];
  const total = maps.size / Math.max(1, h * w);
  if (!(Number.isInteger(outH) && Number.isInteger(outW) && outH > 0 && outW > 0) || h === 0 || w === 0) {
    throw new ShapeError(`${op}: cannot upsample maps${fmtShape(maps.shape)} to ${outH}x${outW}`);
  }
  const first = range?.first ?? 0;
  const count = range?.count ?? total - first;
  if (!(Number.isInteger(first) && Number.isInteger(count) && first >= 0 && count >= 0 && first + count <= total)) {
    throw new ShapeError(`${op}: maps ${first}..${first + count - 1} asked of maps${fmtShape(maps.shape)} (${total} maps)`);
  }
  const outShape = range ? [count, outH, outW] : [...maps.shape.slice(0, -2), outH, outW];
  const out = GpuTensor.empty(gpu, outShape, 'f32', 'cam.upsampled');
  const threads = count * outH * outW;
  if (threads === 0) return out;
  gpu.batcher.dispatch({
    kernel: gpu.pipelines.get('cam_upsample', { WG: WG_UPSAMPLE }),
    what: `cam upsample maps${fmtShape(maps.shape)}[${first}..${first + count - 1}] -> ${outH}x${outW}`,
    params: packParams([
      ['u32', threads],
      ['u32', h],
      ['u32', w],
      ['u32', outH],
      ['u32', outW],
      ['u32', first],
      ['f32', h / outH],
      ['f32', w / outW],
    ]),
    buffers: [maps.binding, out.binding],
    workgroups: grid1d(threads, WG_UPSAMPLE),
  });
  return out;
}

/**
 * CAMs at (outH, outW): features (N, h, w, C) f32 from the last conv (after ReLU), classWeights (C, K) f32 (the
 * head's dense weights, (in, out)), classIdx (N) or (N, k) i32 -> (N, outH, outW) or (N, k, outH, outW) f32,
 * raw values bilinearly upsampled with half-pixel centres.
 */
export function camForward(
  gpu: Gpu,
  features: GpuTensor,
  classWeights: GpuTensor,
  classIdx: GpuTensor<'i32'>,
  outH: number,
  outW: number,
): GpuTensor {
  const low = camMaps(gpu, features, classWeights, classIdx);
  try {
    return camUpsample(gpu, low, outH, outW);
  } finally {
    low.release(); // work recorded later (the buffer's next owner) runs after the upsampling above
  }
}
