// The GPU shared by every test file (one device per process, as in real use).

import { getGpu, type Gpu } from '../../src/gpu/device.ts';

export function testGpu(): Promise<Gpu> {
  return getGpu({ quiet: process.env.GRAFT_TEST_VERBOSE !== '1' });
}

/** Dispatches of the named kernels so far on `gpu` (the batcher's counts), summed: tests check which kernel ran. */
export function kernelRuns(gpu: Gpu, ...kernels: string[]): number {
  return kernels.reduce((n, k) => n + (gpu.batcher.counts.byKernel.get(k) ?? 0), 0);
}

/**
 * A view of `gpu` that reports its adapter as a software one or as a GPU, for the kernel choices that depend on it
 * (the same device runs the work).
 */
export function asAdapter(gpu: Gpu, isSoftware: boolean): Gpu {
  return Object.create(gpu, { adapter: { value: { ...gpu.adapter, isSoftware } } }) as Gpu;
}

/** A view of `gpu` whose limits are lowered (or raised) as given, for the kernels' plans (the same device runs the work). */
export function withLimits(gpu: Gpu, limits: Partial<Gpu['limits']>): Gpu {
  return Object.create(gpu, { limits: { value: { ...gpu.limits, ...limits } } }) as Gpu;
}
