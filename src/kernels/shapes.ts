// Shape checks shared by the kernel dispatchers: every failure names the op and all the shapes involved.

import { ShapeError, fmtShape } from '../gpu/errors.ts';
import type { GpuTensor } from '../gpu/tensor.ts';

/** Throws unless every named tensor has the same shape. */
export function expectSameShape(op: string, tensors: Record<string, GpuTensor>): void {
  const entries = Object.entries(tensors);
  const [, first] = entries[0];
  if (entries.some(([, t]) => !sameShape(t.shape, first.shape))) {
    throw new ShapeError(`${op}: shapes must match, got ${describe(tensors)}`);
  }
}

/** Throws unless the tensor has the given rank. */
export function expectRank(op: string, name: string, t: GpuTensor, rank: number, layout: string): void {
  if (t.shape.length !== rank) {
    throw new ShapeError(`${op}: ${name} must be ${layout} (rank ${rank}), got ${fmtShape(t.shape)}`);
  }
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** "x[8,14,14,512], w[3,3,512,512]" for messages. */
export function describe(tensors: Record<string, GpuTensor>): string {
  return Object.entries(tensors)
    .map(([name, t]) => `${name}${fmtShape(t.shape)}`)
    .join(', ');
}
