// Measures the adapter's arithmetic ceiling with an FMA-only kernel (bench/shaders/fma_peak.wgsl): no loads,
// so on a software adapter it is what the driver's generated code can reach on these cores (70-88 GFLOPS through
// llvmpipe on the 2-core machine; platform.md quotes 163-168 for an FMA loop, which this kernel has not
// reproduced). The bench reports each WebGPU engine's GFLOPS as a share of it. Best of several dispatches, since
// the figure is a ceiling and noise only lowers it.

import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Gpu } from '../src/gpu/device.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { packParams } from '../src/kernels/params.ts';

const WG = 64;
const FLOPS_PER_ITERATION = 4 * 4 * 4 * 2; // 4 chains x 4 nested FMAs x vec4 x (multiply + add)

export interface Ceiling {
  gflops: number;
  /** Every trial's GFLOPS, for the report. */
  trials: number[];
}

export async function measureCeiling(gpu: Gpu, o: { workgroups?: number; iterations?: number; trials?: number } = {}): Promise<Ceiling> {
  const workgroups = o.workgroups ?? 128;
  const iterations = o.iterations ?? 8192;
  const trials = o.trials ?? 5;
  const code = readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'shaders', 'fma_peak.wgsl'), 'utf8');
  const kernel = gpu.pipelines.fromCode('fma_peak', code, { WG });
  const sink = GpuTensor.empty(gpu, [workgroups * WG * 4], 'f32', 'fma_peak.sink');
  const flops = workgroups * WG * iterations * FLOPS_PER_ITERATION;
  const run = async () => {
    const t0 = performance.now();
    gpu.batcher.dispatch({
      kernel, what: `fma_peak ${workgroups}x${WG} invocations x ${iterations}`,
      params: packParams([['u32', iterations], ['f32', 0.5]]),
      buffers: [sink.binding], workgroups: [workgroups, 1, 1],
    });
    await gpu.sync();
    return flops / ((performance.now() - t0) / 1000) / 1e9;
  };
  await run(); // compile and warm up
  const results: number[] = [];
  for (let i = 0; i < trials; i++) results.push(await run());
  sink.release();
  return { gflops: Math.max(...results), trials: results };
}
