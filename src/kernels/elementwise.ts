// Elementwise arithmetic (shaders/elementwise_{add,scale,axpy,fill}.wgsl): sums of gradients, scaling,
// in-place accumulation y += alpha*x, and filling. Tensors past one binding are processed in chunks.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams, type ScalarType } from './params.ts';
import { expectSameShape } from './shapes.ts';
import { flatRanges, window } from './windows.ts';

const WG = 256;

export interface FlatOptions {
  firstParam?: (start: number) => ReadonlyArray<readonly [ScalarType, number]>;
  perInvocation?: number;
}

/**
 * Dispatches `kernel` once per chunk of `count` elements: Params are (count of the chunk, ...extra), the bindings
 * the windows of `tensors` over that chunk, in order. Chunk starts are 256-byte aligned, so every window's base
 * is 0 and the shader indexes from 0. A `{ stub }` entry is bound whole: a stand-in for a binding the shader
 * declares but this variant never touches. Options: `firstParam`, Params placed between the count and `extra`
 * that depend on the chunk's first element (dropout's seed offset); `perInvocation`, elements each invocation takes
 * (4 for a vec4 kernel, which then needs count % 4 == 0; chunk starts are multiples of 64). Shared with dropout and
 * the optimizers.
 */
export function dispatchFlat(
  gpu: Gpu,
  kernel: string,
  constants: Record<string, number | boolean>,
  what: string,
  count: number,
  extra: ReadonlyArray<readonly [ScalarType, number]>,
  tensors: Array<GpuTensor | { stub: GpuTensor }>,
  { firstParam, perInvocation = 1 }: FlatOptions = {},
): void {
  for (const t of tensors) {
    if (!(t instanceof GpuTensor)) continue;
    if (t.size !== count) throw new ShapeError(`${what}: every tensor must have ${count} elements, got ${t.label}${fmtShape(t.shape)}`);
  }
  for (const [s, e] of flatRanges(gpu, count)) {
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get(kernel, { WG, ...constants }),
      what: count > e - s ? `${what} elements ${s}..${e}` : what,
      params: packParams([['u32', e - s], ...(firstParam ? firstParam(s) : []), ...extra]),
      buffers: tensors.map((t) => (t instanceof GpuTensor ? window(t, s, e).binding : t.stub.binding)),
      workgroups: grid1d(Math.ceil((e - s) / perInvocation), WG),
    });
  }
}

function expectF32(op: string, tensors: Record<string, GpuTensor>): void {
  for (const [name, t] of Object.entries(tensors)) {
    if (t.dtype !== 'f32') throw new ShapeError(`${op}: ${name} must be f32, got ${t.dtype}`);
  }
}

/** a + b, same shapes. */
export function add(gpu: Gpu, a: GpuTensor, b: GpuTensor): GpuTensor {
  expectSameShape('add', { a, b });
  expectF32('add', { a, b });
  const y = GpuTensor.empty(gpu, a.shape, 'f32', 'add.y');
  dispatchFlat(gpu, 'elementwise_add', {}, `add a${fmtShape(a.shape)}`, a.size, [], [a, b, y]);
  return y;
}

/** s * a. */
export function scale(gpu: Gpu, a: GpuTensor, s: number): GpuTensor {
  expectF32('scale', { a });
  const y = GpuTensor.empty(gpu, a.shape, 'f32', 'scale.y');
  dispatchFlat(gpu, 'elementwise_scale', {}, `scale a${fmtShape(a.shape)}`, a.size, [['f32', s]], [a, y]);
  return y;
}

/** y += alpha * x in place (gradient accumulation); same shapes. */
export function axpyInPlace(gpu: Gpu, y: GpuTensor, x: GpuTensor, alpha: number): void {
  expectSameShape('axpy', { y, x });
  expectF32('axpy', { y, x });
  if (y.buffer === x.buffer) throw new ShapeError(`axpy: y and x share storage (y${fmtShape(y.shape)}); use scale instead`);
  dispatchFlat(gpu, 'elementwise_axpy', {}, `axpy y${fmtShape(y.shape)}`, y.size, [['f32', alpha]], [x, y]);
}

/** Sets every element of t to value (converted to t's dtype: i32/u32 values must be integers). */
export function fill(gpu: Gpu, t: GpuTensor, value: number): void {
  const word = new DataView(new ArrayBuffer(4));
  if (t.dtype === 'f32') word.setFloat32(0, value, true);
  else if (Number.isInteger(value) && (t.dtype === 'i32' ? value >= -(2 ** 31) && value < 2 ** 31 : value >= 0 && value < 2 ** 32)) {
    if (t.dtype === 'i32') word.setInt32(0, value, true);
    else word.setUint32(0, value, true);
  } else {
    throw new RangeError(`fill ${t.label}${fmtShape(t.shape)}: ${value} is not a valid ${t.dtype}`);
  }
  dispatchFlat(gpu, 'elementwise_fill', {}, `fill t${fmtShape(t.shape)}`, t.size, [['u32', word.getUint32(0, true)]], [t]);
}
