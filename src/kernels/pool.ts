// Pooling over NHWC activations and its backward: max pooling (saving argmax indices), average pooling, and
// the global average / max pools that feed a classifier (VGG19's 14x14x512, ResNet50's 7x7x2048 features).
// WGSL: shaders/maxpool2d.wgsl, maxpool2d_backward.wgsl, avgpool2d.wgsl, avgpool2d_backward.wgsl.
//
// Semantics are ONNX's and PyTorch's: padding cells are never a max candidate; ceil mode drops a last window
// that would start inside the bottom/right padding; average pooling divides by the valid cells, or with
// countIncludePad by the cells inside the padded input; max ties go to the first cell in (kh, kw) scan order.
//
// A global pool is a 2-D pool whose window is the whole plane (kernel H x W, stride 1, no padding), so it runs
// the same kernels, with (N, 1, 1, C) viewed as (N, C): one invocation per (n, c) looping over H*W.
//
// A batch whose tensors would pass maxStorageBufferBindingSize (VGG19's 224x224x64 activations past 10 images on
// lavapipe's 128 MiB), or whose rows would pass the grid's 65535 workgroups, runs in chunks of whole images: every
// window and plane lies inside one image, so the kernels need only the chunk's bytes (forImageChunks in
// conv2d-chunks.ts).

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor, type DType } from '../gpu/tensor.ts';
import { GpuLimitError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { forImageChunks, imagesOf } from './conv2d-chunks.ts';
import { expectRank, sameShape } from './shapes.ts';
import { packParams, type ScalarType } from './params.ts';

/** Invocations per workgroup. */
const WG = 64;

/**
 * Every kernel here runs on a grid of (channels, columns, rows) rather than a flat index: integer division has
 * no vector instruction on the CPU driver we target (llvmpipe), and decoding (n, h, w, c) from a flat index made
 * a plain copy kernel about 1.7x slower there (noisy measurement on a loaded 2-core machine). A workgroup spans
 * WGC adjacent channels by WGW adjacent columns; few-channel inputs get a narrow WGC so that lanes are not left
 * idle. Rows (N * OH, or N * H) are one workgroup each: batches with more than 65535 run in chunks of images.
 */
function tile(C: number, columns: number, rows: number): { constants: { WGC: number; WGW: number }; workgroups: [number, number, number] } {
  const WGC = Math.min(WG, 2 ** Math.ceil(Math.log2(Math.max(C, 1))));
  const WGW = WG / WGC;
  return { constants: { WGC, WGW }, workgroups: [Math.ceil(C / WGC), Math.ceil(columns / WGW), rows] };
}

export interface Pool2dOptions {
  kernel: [number, number];
  stride: [number, number];
  /** top, left, bottom, right */
  pad: [number, number, number, number];
  ceilMode?: boolean;
}

export type AvgPool2dOptions = Pool2dOptions & { countIncludePad?: boolean };

// --- shapes -----------------------------------------------------------------------------------------------

/** Output size along one axis (ONNX / PyTorch), for an already validated geometry. */
function outSize(size: number, k: number, s: number, before: number, after: number, ceil: boolean): number {
  const span = size + before + after - k;
  if (!ceil) return Math.floor(span / s) + 1;
  let out = Math.ceil(span / s) + 1;
  // A last window starting in the bottom/right padding would see no input at all: drop it.
  if ((out - 1) * s >= size + before) out--;
  return out;
}

function describeOptions(o: Pool2dOptions): string {
  return `kernel [${o.kernel}] stride [${o.stride}] pad [${o.pad}]${o.ceilMode ? ' ceil' : ''}`;
}

function isCount(v: unknown, min: number): boolean {
  return typeof v === 'number' && Number.isInteger(v) && v >= min;
}

/** Validates the pooling geometry against an input shape; `op` names the caller in messages. */
function checkGeometry(op: string, xShape: readonly number[], o: Pool2dOptions): void {
  const where = `${op}: x${fmtShape(xShape)} ${describeOptions(o)}`;
  if (xShape.length !== 4) throw new ShapeError(`${where}: x must be NHWC (rank 4)`);
  if (!xShape.every((d) => isCount(d, 0)) || xShape[1] < 1 || xShape[2] < 1) {
    throw new ShapeError(`${where}: x needs non-empty height and width`);
  }
  if (o.kernel?.length !== 2 || !o.kernel.every((k) => isCount(k, 1))) {
    throw new ShapeError(`${where}: kernel must be two positive integers`);
  }
  if (o.stride?.length !== 2 || !o.stride.every((s) => isCount(s, 1))) {
    throw new ShapeError(`${where}: stride must be two positive integers`);
  }
  if (o.pad?.length !== 4 || !o.pad.every((p) => isCount(p, 0))) {
    throw new ShapeError(`${where}: pad must be four non-negative integers (top, left, bottom, right)`);
  }
  const [, H, W] = xShape;
  const [kh, kw] = o.kernel;
  const [pt, pl, pb, pr] = o.pad;
  if (H + pt + pb < kh || W + pl + pr < kw) {
    throw new ShapeError(`${where}: the kernel does not fit in the padded input (${H + pt + pb}x${W + pl + pr})`);
  }
  // Each pad below the kernel size guarantees every window holds at least one real cell (a max over padding
  // alone, or an average over zero cells, has no meaning).
  if (pt >= kh || pb >= kh || pl >= kw || pr >= kw) {
    throw new ShapeError(`${where}: each pad must be smaller than the kernel along its axis`);
  }
}

/** [N, OH, OW, C] for pooling an (N, H, W, C) input. */
export function pool2dOutputShape(xShape: readonly number[], o: Pool2dOptions): number[] {
  return outputShapeFor('pool2d', xShape, o);
}

/** pool2dOutputShape, with errors naming the calling op. */
function outputShapeFor(op: string, xShape: readonly number[], o: Pool2dOptions): number[] {
  checkGeometry(op, xShape, o);
  const [N, H, W, C] = xShape;
  const ceil = o.ceilMode ?? false;
  return [
    N,
    outSize(H, o.kernel[0], o.stride[0], o.pad[0], o.pad[2], ceil),
    outSize(W, o.kernel[1], o.stride[1], o.pad[1], o.pad[3], ceil),
    C,
  ];
}

function checkInput(op: string, x: GpuTensor): void {
  expectRank(op, 'x', x, 4, 'NHWC');
  if (x.dtype !== 'f32') throw new ShapeError(`${op}: x${fmtShape(x.shape)} must be f32, got ${x.dtype}`);
}

/** The geometry fields that open every Params struct here except maxpool2d_backward's. */
function geometry(xShape: readonly number[], yShape: readonly number[], o: Pool2dOptions): [ScalarType, number][] {
  const [, H, W, C] = xShape;
  const [, OH, OW] = yShape;
  return [
    ['i32', H],
    ['i32', W],
    ['i32', C],
    ['i32', OH],
    ['i32', OW],
    ['i32', o.kernel[0]],
    ['i32', o.kernel[1]],
    ['i32', o.stride[0]],
    ['i32', o.stride[1]],
    ['i32', o.pad[0]],
    ['i32', o.pad[1]],
  ];
}

// --- max pooling ------------------------------------------------------------------------------------------

/**
 * x (N, H, W, C) -> y (N, OH, OW, C) and, unless saveArgmax is false, argmax (N, OH, OW, C) i32 holding the
 * flat NHWC index into x of each maximum (what the backward needs).
 */
export function maxPool2dForward(
  gpu: Gpu,
  x: GpuTensor,
  o: Pool2dOptions,
  saveArgmax = true,
): { y: GpuTensor; argmax: GpuTensor<'i32'> | null } {
  checkInput('maxpool2d', x);
  const yShape = outputShapeFor('maxpool2d', x.shape, o);
  const y = GpuTensor.empty(gpu, yShape, 'f32', 'maxpool2d.y'); // (N, OH, OW, C)
  // Without saved indices the shader still declares the binding: give it one dummy word.
  const argmax = GpuTensor.empty(gpu, saveArgmax ? yShape : [1], 'i32', 'maxpool2d.argmax');
  const [N, OH, OW, C] = yShape;
  const what = `maxpool2d x${fmtShape(x.shape)} ${describeOptions(o)}`;
  // argmax holds flat indices into the whole of x, as i32 (the ONNX runner hands them on as MaxPool's Indices).
  if (saveArgmax && x.size > 2 ** 31 - 1) throw new GpuLimitError(`${what}: x has ${x.size} elements, too many for i32 argmax indices`);
  forImageChunks(gpu, what, N, saveArgmax ? [x, y, argmax] : [x, y], OH, (n0, count, range) => {
    const { constants, workgroups } = tile(C, OW, count * OH);
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('maxpool2d', { ...constants, SAVE_ARGMAX: saveArgmax }),
      what: what + imagesOf(n0, count, N),
      // base: the flat index in x of the chunk's first element, so that argmax indexes the whole of x
      params: packParams([...geometry(x.shape, yShape, o), ['i32', n0 * (x.size / Math.max(1, N))]]),
      buffers: [range(x), range(y), saveArgmax ? range(argmax) : argmax.binding],
      workgroups,
    });
  });
  if (saveArgmax) return { y, argmax };
  argmax.release();
  return { y, argmax: null };
}

/**
 * dy (N, OH, OW, C) and the forward's argmax (N, OH, OW, C) -> dx (N, H, W, C), inputShape = x's shape.
 * Gradients of outputs sharing an input (overlapping windows) are summed, deterministically.
 */
export function maxPool2dBackward(
  gpu: Gpu,
  dy: GpuTensor,
  argmax: GpuTensor<'i32'>,
  inputShape: readonly number[],
): GpuTensor {
  const op = 'maxpool2d backward';
  const shapes = `dy${fmtShape(dy.shape)}, argmax${fmtShape(argmax.shape)}, input ${fmtShape(inputShape)}`;
  if (dy.shape.length !== 4 || inputShape.length !== 4) {
    throw new ShapeError(`${op}: dy and the input must be NHWC (rank 4), got ${shapes}`);
  }
  if (!sameShape(dy.shape, argmax.shape)) throw new ShapeError(`${op}: dy and argmax shapes must match, got ${shapes}`);
  if (argmax.dtype !== 'i32') throw new ShapeError(`${op}: argmax must be i32, got ${argmax.dtype} (${shapes})`);
  if (dy.dtype !== 'f32') throw new ShapeError(`${op}: dy must be f32, got ${dy.dtype} (${shapes})`);
  if (!inputShape.every((d) => isCount(d, 0)) || dy.shape[0] !== inputShape[0] || dy.shape[3] !== inputShape[3]) {
    throw new ShapeError(`${op}: dy and the input must agree in batch and channels, got ${shapes}`);
  }
  const [N, H, W, C] = inputShape;
  const [, OH, OW] = dy.shape;
  const dx = GpuTensor.empty(gpu, inputShape, 'f32', 'maxpool2d.dx'); // (N, H, W, C)
  // One invocation per (n, c) plane (see the shader): the grid is (channels, images).
  forImageChunks(gpu, `${op} ${shapes}`, N, [dy, argmax, dx], 1, (n0, count, range) => {
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('maxpool2d_backward', { WG }),
      what: `${op} ${shapes}${imagesOf(n0, count, N)}`,
      params: packParams([
        ['u32', C],
        ['u32', H * W],
        ['u32', OH * OW],
        ['u32', n0 * H * W * C], // the flat index in x of the chunk's first element: argmax indexes the whole of x
      ]),
      buffers: [range(dy), range(argmax), range(dx)],
      workgroups: [Math.ceil(C / WG), count, 1],
    });
  });
  return dx;
}

// --- average pooling --------------------------------------------------------------------------------------

function avgParams(xShape: readonly number[], yShape: readonly number[], o: AvgPool2dOptions): ArrayBuffer {
  return packParams([
    ...geometry(xShape, yShape, o),
    ['i32', o.pad[2]],
    ['i32', o.pad[3]],
    ['u32', o.countIncludePad ? 1 : 0],
  ]);
}

/** x (N, H, W, C) -> y (N, OH, OW, C), the mean of each window (divisor per countIncludePad, default false). */
export function avgPool2dForward(gpu: Gpu, x: GpuTensor, o: AvgPool2dOptions): GpuTensor {
  checkInput('avgpool2d', x);
  const yShape = outputShapeFor('avgpool2d', x.shape, o);
  const y = GpuTensor.empty(gpu, yShape, 'f32', 'avgpool2d.y'); // (N, OH, OW, C)
  const [N, OH, OW, C] = yShape;
  const what = `avgpool2d x${fmtShape(x.shape)} ${describeOptions(o)}${o.countIncludePad ? ' countIncludePad' : ''}`;
  forImageChunks(gpu, what, N, [x, y], OH, (n0, count, range) => {
    const { constants, workgroups } = tile(C, OW, count * OH);
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('avgpool2d', constants),
      what: what + imagesOf(n0, count, N),
      params: avgParams(x.shape, yShape, o),
      buffers: [range(x), range(y)],
      workgroups,
    });
  });
  return y;
}

/** dy (N, OH, OW, C) -> dx (N, H, W, C) for the average pooling of an input of `inputShape` with options `o`. */
export function avgPool2dBackward(gpu: Gpu, dy: GpuTensor, inputShape: readonly number[], o: AvgPool2dOptions): GpuTensor {
  const op = 'avgpool2d backward';
  expectRank(op, 'dy', dy, 4, 'NHWC');
  const yShape = outputShapeFor(op, inputShape, o);
  if (!sameShape(dy.shape, yShape)) {
    throw new ShapeError(
      `${op}: dy${fmtShape(dy.shape)} does not match the output ${fmtShape(yShape)} of pooling input ` +
        `${fmtShape(inputShape)} with ${describeOptions(o)}`,
    );
  }
  if (dy.dtype !== 'f32') throw new ShapeError(`${op}: dy${fmtShape(dy.shape)} must be f32, got ${dy.dtype}`);
  const dx = GpuTensor.empty(gpu, inputShape, 'f32', 'avgpool2d.dx'); // (N, H, W, C)
  const [N, H, W, C] = inputShape;
  const [, OH, OW] = yShape;
  const [KH, KW] = o.kernel;
  const [SH, SW] = o.stride;
  // At most one output covering each input along both axes: the shader's loop-free path.
  const oneCandidate = (SH >= KH || OH === 1) && (SW >= KW || OW === 1);
  const what = `${op} dy${fmtShape(dy.shape)} input ${fmtShape(inputShape)} ${describeOptions(o)}`;
  forImageChunks(gpu, what, N, [dy, dx], H, (n0, count, range) => {
    const { constants, workgroups } = tile(C, W, count * H);
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('avgpool2d_backward', { ...constants, ONE_CANDIDATE: oneCandidate }),
      what: what + imagesOf(n0, count, N),
      params: avgParams(inputShape, yShape, o),
      buffers: [range(dy), range(dx)],
      workgroups,
    });
  });
  return dx;
}

// --- global pooling: a 2-D pool whose window is the whole plane -------------------------------------------

function wholePlane(inputShape: readonly number[]): Pool2dOptions {
  return { kernel: [inputShape[1], inputShape[2]], stride: [1, 1], pad: [0, 0, 0, 0] };
}

/** Views an (N, 1, 1, C) result as (N, C), handing ownership to the view. */
function squeeze<D extends DType>(t: GpuTensor<D>): GpuTensor<D> {
  const view = t.reshape([t.shape[0], t.shape[3]]);
  t.release();
  return view;
}

/** Checks a (N, C) gradient against the NHWC input shape it pools. */
function checkGlobalGrad(op: string, dy: GpuTensor, inputShape: readonly number[], extra = ''): void {
  const shapes = `dy${fmtShape(dy.shape)}${extra}, input ${fmtShape(inputShape)}`;
  if (inputShape.length !== 4 || dy.shape.length !== 2) {
    throw new ShapeError(`${op}: dy must be (N, C) and the input NHWC (rank 4), got ${shapes}`);
  }
  if (dy.shape[0] !== inputShape[0] || dy.shape[1] !== inputShape[3]) {
    throw new ShapeError(`${op}: dy and the input must agree in batch and channels, got ${shapes}`);
  }
}

/**
 * x (N, H, W, C) -> y (N, C), the mean over each channel's plane: 4 channels per invocation where C % 4 == 0
 * (global_avgpool.wgsl), else the 2-D pool over the whole plane.
 */
export function globalAvgPoolForward(gpu: Gpu, x: GpuTensor): GpuTensor {
  checkInput('global avgpool', x);
  const [N, H, W, C] = x.shape;
  if (C % 4 !== 0) return squeeze(avgPool2dForward(gpu, x, wholePlane(x.shape)));
  const y = GpuTensor.empty(gpu, [N, C], 'f32', 'global_avgpool.y'); // (N, C)
  const what = `global avgpool x${fmtShape(x.shape)}`;
  forImageChunks(gpu, what, N, [x, y], 1, (n0, count, range) => {
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get('global_avgpool', { WG }),
      what: what + imagesOf(n0, count, N),
      params: packParams([['u32', H * W], ['u32', C / 4]]),
      buffers: [range(x), range(y)],
      workgroups: [Math.ceil(C / 4 / WG), count, 1],
    });
  });
  return y;
}

/** dy (N, C) -> dx (N, H, W, C): each cell gets dy / (H * W). */
export function globalAvgPoolBackward(gpu: Gpu, dy: GpuTensor, inputShape: readonly number[]): GpuTensor {
  checkGlobalGrad('global avgpool backward', dy, inputShape);
  const dy4 = dy.reshape([inputShape[0], 1, 1, inputShape[3]]);
  try {
    return avgPool2dBackward(gpu, dy4, inputShape, wholePlane(inputShape));
  } finally {
    dy4.release();
  }
}

/** x (N, H, W, C) -> y (N, C), the max over each channel's plane, and argmax (N, C), flat NHWC indices into x. */
export function globalMaxPoolForward(gpu: Gpu, x: GpuTensor): { y: GpuTensor; argmax: GpuTensor<'i32'> } {
  checkInput('global maxpool', x);
  const { y, argmax } = maxPool2dForward(gpu, x, wholePlane(x.shape), true);
  return { y: squeeze(y), argmax: squeeze(argmax!) };
}

/** dy (N, C) and the forward's argmax (N, C) -> dx (N, H, W, C), nonzero only at each plane's maximum. */
export function globalMaxPoolBackward(
  gpu: Gpu,
  dy: GpuTensor,
  argmax: GpuTensor<'i32'>,
  inputShape: readonly number[],
): GpuTensor {
  const op = 'global maxpool backward';
  checkGlobalGrad(op, dy, inputShape, `, argmax${fmtShape(argmax.shape)}`);
  if (!sameShape(dy.shape, argmax.shape)) {
    throw new ShapeError(`${op}: dy${fmtShape(dy.shape)} and argmax${fmtShape(argmax.shape)} shapes must match`);
  }
  const [N, , , C] = inputShape;
  const dy4 = dy.reshape([N, 1, 1, C]);
  const argmax4 = argmax.reshape([N, 1, 1, C]);
  try {
    return maxPool2dBackward(gpu, dy4, argmax4, inputShape);
  } finally {
    dy4.release();
    argmax4.release();
  }
}

