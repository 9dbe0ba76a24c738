// The values an ONNX graph passes between nodes while graft runs it, and the layout rules between them.
//
// Float tensors live on the GPU as f32. ONNX is NCHW, graft's kernels are NHWC: a 4-D activation produced by a
// layout-aware operator (Conv, the pools, Relu and the other activations, BatchNormalization, Add, Sub, Mul, Div,
// Pad, and Concat when all its inputs are channels-last) stays channels-last between such operators, tagged
// 'nhwc' (its buffer then holds (N, H, W, C) for the logical (N, C, H, W)); a layout-sensitive
// consumer (Flatten, Reshape, Transpose, Gemm, MatMul, Softmax, ReduceMean, a graph output) asks for `nchw()`,
// which transposes, so results are exactly ONNX's. Integer and bool tensors (shapes, labels, indices, masks)
// stay on the CPU as OnnxTensors: graft's GPU tensors are f32/i32/u32 and none of the supported operators
// computes with int64 values on the device.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { transpose } from '../kernels/transpose.ts';
import { toFloat32, FLOAT_TYPES, type DType, type OnnxTensor } from './tensor.ts';
import { UnsupportedOnnxError } from './errors.ts';

export type Layout = 'nchw' | 'nhwc';

export interface GpuValue {
  kind: 'gpu';
  /** Holds (N, H, W, C) when layout is 'nhwc' and `shape` is (N, C, H, W); else exactly `shape`, row-major. */
  t: GpuTensor;
  /** The ONNX (logical) shape. */
  shape: number[];
  layout: Layout;
  /** The ONNX element type this value stands for (the GPU holds it as f32). */
  dtype: DType;
}

export interface CpuValue {
  kind: 'cpu';
  t: OnnxTensor;
}

export type Value = GpuValue | CpuValue;

/** (N, C, H, W) -> (N, H, W, C), the buffer order of an 'nhwc' value. */
export function nhwcShape(shape: readonly number[]): number[] {
  return [shape[0], shape[2], shape[3], shape[1]];
}

/** NHWC and NCHW orders coincide when one of C and H*W is 1: a re-tag, no copy. */
export function layoutsCoincide(shape: readonly number[]): boolean {
  return shape.length === 4 && (shape[1] === 1 || shape[2] * shape[3] === 1);
}

/**
 * Per-node scratch: tensors a node borrows or makes for itself (uploads, layout conversions), released once the
 * node has run. Values the node returns are owned by the run, never put here.
 */
export class Scratch {
  private readonly temps: GpuTensor[] = [];

  constructor(readonly gpu: Gpu) {}

  /** Registers a temporary and returns it. */
  keep<T extends GpuTensor>(t: T): T {
    this.temps.push(t);
    return t;
  }

  /** A row-major tensor of the logical shape, in NCHW order (a temporary view or transposed copy). */
  nchw(v: GpuValue): GpuTensor {
    if (v.layout === 'nchw' || layoutsCoincide(v.shape)) return this.keep(v.t.reshape(v.shape));
    return this.keep(transpose(this.gpu, v.t, [0, 3, 1, 2])); // (N, H, W, C) -> (N, C, H, W)
  }

  /** The (N, H, W, C) tensor of a 4-D value. */
  nhwc(v: GpuValue, node: string): GpuTensor {
    if (v.shape.length !== 4) throw new UnsupportedOnnxError(`node '${node}': expects a 4-D (N,C,H,W) input, got [${v.shape.join(',')}]`);
    if (v.layout === 'nhwc' || layoutsCoincide(v.shape)) return this.keep(v.t.reshape(nhwcShape(v.shape)));
    return this.keep(transpose(this.gpu, v.t, [0, 2, 3, 1])); // (N, C, H, W) -> (N, H, W, C)
  }

  release(): void {
    for (const t of this.temps) t.release();
    this.temps.length = 0;
  }
}

/** Uploads a float OnnxTensor as an f32 GPU tensor of its own shape (NCHW order). */
export function uploadFloat(gpu: Gpu, t: OnnxTensor): GpuTensor {
  if (!FLOAT_TYPES.has(t.dtype)) {
    throw new UnsupportedOnnxError(`tensor '${t.name}' holds ${t.dtype}, where graft's GPU operators take floating-point values`);
  }
  return GpuTensor.from(gpu, t.dims, toFloat32(t), 'f32', `onnx.${t.name}`);
}
