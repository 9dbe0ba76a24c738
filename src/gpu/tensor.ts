// GPU tensors: a storage buffer with a shape and a dtype. No autodiff here (that is src/graph); this is what
// kernels read and write.
//
// Layout: activations are NHWC (batch, height, width, channels), row-major, because the convolutions are
// implicit GEMMs whose reduction runs over (kh, kw, cin) with cin innermost: one contiguous run of channels per
// tap, which is what vectorised loads want (platform.md measured NHWC implicit GEMM as the fastest conv here).
// Convolution weights are HWIO (kh, kw, cin, cout), dense weights (in, out). Importers convert to these.
//
// Memory is pooled: `release()` hands the buffer back for reuse. Views made by `reshape` share storage and
// count references, so the buffer returns to the pool when the last view is released.

import type { Gpu } from './device.ts';
import { GraftError, ShapeError, fmtShape } from './errors.ts';

export type DType = 'f32' | 'i32' | 'u32';
export type TypedArrayOf<D extends DType> = D extends 'f32' ? Float32Array : D extends 'i32' ? Int32Array : Uint32Array;

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

interface Storage {
  buffer: GPUBuffer;
  refs: number;
}

let nextId = 1;

export class GpuTensor<D extends DType = DType> {
  readonly id = nextId++;
  readonly shape: readonly number[];
  readonly dtype: D;
  readonly size: number;
  private storage: Storage | undefined;

  private constructor(
    readonly gpu: Gpu,
    shape: readonly number[],
    dtype: D,
    storage: Storage,
    readonly label: string,
  ) {
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
    this.size = numel(shape);
    this.storage = storage;
  }

  /** A tensor with undefined contents (kernels that write every element use this). */
  static empty<D extends DType = 'f32'>(gpu: Gpu, shape: readonly number[], dtype: D = 'f32' as D, label = 'tensor'): GpuTensor<D> {
    checkShape(shape, label);
    const bytes = Math.max(4, numel(shape) * 4);
    const buffer = gpu.pool.acquire(bytes, STORAGE(), label);
    return new GpuTensor(gpu, shape, dtype, { buffer, refs: 1 }, label);
  }

  /** A tensor of zeros (zero-filled on the GPU, in order with recorded work). */
  static zeros<D extends DType = 'f32'>(gpu: Gpu, shape: readonly number[], dtype: D = 'f32' as D, label = 'zeros'): GpuTensor<D> {
    const t = GpuTensor.empty(gpu, shape, dtype, label);
    gpu.batcher.clear(t.buffer, 0, t.byteLength);
    return t;
  }

  /** Uploads `data` (its length must equal the shape's element count). */
  static from<D extends DType = 'f32'>(
    gpu: Gpu,
    shape: readonly number[],
    data: ArrayLike<number>,
    dtype: D = 'f32' as D,
    label = 'tensor',
  ): GpuTensor<D> {
    if (data.length !== numel(shape)) {
      throw new ShapeError(`${label}: ${data.length} values given for shape ${fmtShape(shape)} (${numel(shape)} elements)`);
    }
    const t = GpuTensor.empty(gpu, shape, dtype, label);
    t.write(data);
    return t;
  }

  get buffer(): GPUBuffer {
    if (!this.storage) throw new GraftError(`${this.label}${fmtShape(this.shape)} was used after release()`);
    return this.storage.buffer;
  }

  get byteLength(): number {
    return this.size * 4;
  }

  /** The binding for a kernel: exactly this tensor's bytes, not the pooled buffer's size class. */
  get binding(): { buffer: GPUBuffer; size: number } {
    return { buffer: this.buffer, size: Math.max(4, this.byteLength) };
  }

  get released(): boolean {
    return this.storage === undefined;
  }

  /** Overwrites the contents from the CPU. */
  write(data: ArrayLike<number>): void {
    const typed = toTyped(data, this.dtype);
    this.gpu.batcher.write(this.buffer, 0, typed);
  }

  /** Copies the contents back to the CPU (submits recorded work and waits for it). */
  async read(): Promise<TypedArrayOf<D>> {
    const bytes = await this.gpu.batcher.read(this.buffer, 0, this.byteLength);
    return (this.dtype === 'f32' ? new Float32Array(bytes) : this.dtype === 'i32' ? new Int32Array(bytes) : new Uint32Array(bytes)) as TypedArrayOf<D>;
  }

  /** A view with another shape of the same element count, sharing memory. */
  reshape(shape: readonly number[]): GpuTensor<D> {
    const resolved = resolveShape(shape, this.size, this.label);
    const storage = this.storage;
    if (!storage) throw new GraftError(`${this.label}${fmtShape(this.shape)} was reshaped after release()`);
    storage.refs++;
    return new GpuTensor(this.gpu, resolved, this.dtype, storage, this.label);
  }

  /** A new tensor with a copy of the contents. */
  clone(label = this.label): GpuTensor<D> {
    const t = GpuTensor.empty(this.gpu, this.shape, this.dtype, label);
    this.gpu.batcher.copy(this.buffer, 0, t.buffer, 0, Math.ceil(this.byteLength / 4) * 4);
    return t;
  }

  /** Copies another tensor's contents into this one (same element count). */
  copyFrom(src: GpuTensor<D>): void {
    if (src.size !== this.size) {
      throw new ShapeError(`copy into ${this.label}${fmtShape(this.shape)} from ${src.label}${fmtShape(src.shape)}: sizes differ`);
    }
    this.gpu.batcher.copy(src.buffer, 0, this.buffer, 0, this.byteLength);
  }

  /** Returns the memory to the pool. Using the tensor afterwards throws. Releasing twice throws. */
  release(): void {
    const storage = this.storage;
    if (!storage) throw new GraftError(`${this.label}${fmtShape(this.shape)} was released twice`);
    this.storage = undefined;
    if (--storage.refs === 0) this.gpu.pool.release(storage.buffer);
  }
}

export function numel(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function checkShape(shape: readonly number[], label: string): void {
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new ShapeError(`${label}: invalid shape ${fmtShape(shape)}`);
  }
}

/** Resolves one -1 entry in a target shape, checking the element count. */
export function resolveShape(shape: readonly number[], size: number, label: string): number[] {
  const out = [...shape];
  const free = out.indexOf(-1);
  if (free >= 0) {
    const rest = numel(out.filter((_, i) => i !== free));
    out[free] = rest === 0 ? 0 : size / rest;
  }
  if (numel(out) !== size || out.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${label}: cannot reshape ${size} elements to ${fmtShape(shape)}`);
  }
  return out;
}

function toTyped(data: ArrayLike<number>, dtype: DType): Float32Array | Int32Array | Uint32Array {
  if (dtype === 'f32') return data instanceof Float32Array ? data : Float32Array.from(data);
  if (dtype === 'i32') return data instanceof Int32Array ? data : Int32Array.from(data);
  return data instanceof Uint32Array ? data : Uint32Array.from(data);
}
