// Kernel micro-benchmark: VGG19's 3x3 convolutions (forward, grad input, grad weight) at batch 1 and 8.
// Each result is first checked against the float64 CPU reference on ~200 sampled elements (the full reference
// is far too slow at these sizes), then timed: median of several runs after a warm-up that also compiles the
// pipelines, each run waited for with gpu.sync(). GFLOPS count 2 * N * OH * OW * Cout * KH * KW * Cin per
// direction. On a software GPU sharing its cores with other processes the figures are noisy: the load average
// is printed alongside.
//
//   npm run bench:kernels [-- --quick] [-- --only 14x14x512] [-- --batch 8] [-- --path storage] [-- --weights f16]
// --quick: batch 1, three shapes; --only: shapes whose label contains the text; --batch: that batch size only;
// --path: 'auto' (default: Winograd for 3x3 stride 1, but on a GPU only from 256 channels and not for a grad weight
// over fewer than 64 tiles; else operands read from textures where the shapes allow), 'winograd' (Winograd wherever it applies), 'gemm'
// (the same without Winograd: the implicit-GEMM kernels), 'storage' (the octet kernels reading everything
// from storage buffers) or 'direct' (the plain kernels), for A/B comparisons;
// --weights f16: the forward texture kernel stores weights as packed halves (f32 arithmetic; the gradient kernels
// read f32 weights); the check then allows the rounding of the weights (atol 2e-2 rather than 2e-3).

import { Command, Option } from 'commander';
import { measureCeiling } from './ceiling.ts';
import { runUntimedFor } from './harness.ts';
import { cpus, loadavg } from 'node:os';
import { cpuDetail } from './environment.ts';
import { getGpu, type Gpu } from '../src/gpu/device.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { Rng } from '../src/util/rng.ts';
import {
  conv2dForward, conv2dGradInput, conv2dGradWeight, conv2dKernelNames, conv2dOutputShape, setConv2dPath,
  setConv2dWeightFormat, type Conv2dOptions, type Conv2dPath,
} from '../src/kernels/conv2d.ts';
import { conv2dRefAt, conv2dGradInputRefAt, conv2dGradWeightRefAt, refShapes } from '../test/reference/conv2d.ts';
import { VGG19_CONVS as VGG19, convFlop, convLabel as label, type ConvShape } from './vgg19-convs.ts';

const QUICK = ['224x224x3->64', '56x56x256->256', '14x14x512->512'];
const SAMPLES = 200;
const TOL = { atol: 2e-3, rtol: 2e-3 };
const PATHS: Conv2dPath[] = ['auto', 'winograd', 'gemm', 'storage', 'direct'];

interface Args {
  quick: boolean;
  only: string | undefined;
  batch: number | undefined;
  path: Conv2dPath;
  f16: boolean;
}

function parseArgs(argv: string[]): Args {
  const program = new Command('bench:kernels')
    .description("Times VGG19's convolutions (forward, grad-input, grad-weight) after checking each against the float64 reference")
    .option('--quick', 'batch 1, three shapes')
    .option('--only <text>', 'shapes whose label contains the text, e.g. 14x14x512')
    .option('--batch <n>', 'that batch size only')
    .addOption(new Option('--path <path>', 'kernel family').choices([...PATHS]).default('auto'))
    .addOption(new Option('--weights <format>', 'weight texture format').choices(['f32', 'f16']).default('f32'));
  program.parse(argv, { from: 'user' });
  const o = program.opts<{ quick?: boolean; only?: string; batch?: string; path: Conv2dPath; weights: 'f32' | 'f16' }>();
  const batch = o.batch === undefined ? undefined : Number(o.batch);
  if (batch !== undefined && !(Number.isInteger(batch) && batch > 0)) throw new Error(`--batch ${o.batch}: not a positive integer`);
  return { quick: Boolean(o.quick), only: o.only, batch, path: o.path, f16: o.weights === 'f16' };
}

interface Timing {
  /** Median wall-clock ms of one run. */
  ms: number;
  /** Median CPU ms of this process (llvmpipe's worker threads run inside it) per run, over CPU_CORES. */
  cpuMs: number;
}

/**
 * CPU time tells what a run would take on otherwise idle cores: on a software GPU the "GPU" is this process's
 * own worker threads, so when other processes share the cores, wall time stretches but CPU time much less.
 */
const CPU_CORES = Number(process.env.LP_NUM_THREADS) || Math.min(2, cpus().length);

/** Untimed runs on a GPU after the first, so it is timed at its working clock (bench/harness.ts says why). */
const GPU_WARM_MS = 300;

/** Runs `run` once to warm up (more on a GPU), then times it: medians over several runs. */
async function time(gpu: Gpu, run: () => GpuTensor): Promise<Timing> {
  const warm = performance.now();
  run().release();
  await gpu.sync();
  const first = performance.now() - warm;
  if (!gpu.adapter.isSoftware) {
    await runUntimedFor(GPU_WARM_MS, async () => {
      run().release();
      await gpu.sync();
    });
  }
  const reps = Math.max(3, Math.min(7, Math.ceil(1500 / first)));
  const times: number[] = [];
  const cpuTimes: number[] = [];
  for (let r = 0; r < reps; r++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    const out = run();
    await gpu.sync();
    times.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpuTimes.push((c.user + c.system) / 1000 / CPU_CORES);
    out.release();
  }
  const median = (a: number[]) => a.sort((p, q) => p - q)[Math.floor(a.length / 2)];
  return { ms: median(times), cpuMs: median(cpuTimes) };
}

/** Compares `SAMPLES` random elements of `got` with `ref(index)`; returns the worst error as a ratio of the tolerance. */
function sampleCheck(got: Float32Array, rng: Rng, ref: (i: number) => number): number {
  let worst = 0;
  for (let s = 0; s < SAMPLES; s++) {
    const i = rng.int(got.length);
    const want = ref(i);
    const ratio = Math.abs(got[i] - want) / (TOL.atol + TOL.rtol * Math.abs(want));
    worst = Math.max(worst, Number.isNaN(ratio) ? Infinity : ratio);
  }
  return worst;
}

/** Splits a flat NHWC / HWIO index into its four coordinates. */
function unflatten(i: number, shape: readonly number[]): [number, number, number, number] {
  const d = shape[3];
  const c = shape[2];
  const b = shape[1];
  return [Math.floor(i / (b * c * d)), Math.floor(i / (c * d)) % b, Math.floor(i / d) % c, i % d];
}

interface Row {
  shape: string;
  N: number;
  kernels: string;
  ms: [number, number, number];
  gflops: [number, number, number];
  /** GFLOPS had the run's CPU time been spread over CPU_CORES idle cores. */
  cpuGflops: [number, number, number];
  check: string;
}

async function benchShape(gpu: Gpu, s: ConvShape, N: number, rng: Rng): Promise<Row> {
  const o: Conv2dOptions = { stride: [1, 1], pad: [1, 1, 1, 1] };
  const xShape = [N, s.H, s.H, s.Cin];
  const wShape = [3, 3, s.Cin, s.Cout];
  const yShape = conv2dOutputShape(xShape, wShape, o);
  const size = (sh: number[]) => sh.reduce((a, b) => a * b, 1);
  const x = rng.uniformArray(size(xShape));
  const w = rng.uniformArray(size(wShape), -0.1, 0.1);
  const bias = rng.uniformArray(s.Cout, -0.1, 0.1);
  const dy = rng.uniformArray(size(yShape));
  const xt = GpuTensor.from(gpu, xShape, x, 'f32', 'bench.x');
  const wt = GpuTensor.from(gpu, wShape, w, 'f32', 'bench.w');
  const bt = GpuTensor.from(gpu, [s.Cout], bias, 'f32', 'bench.b');
  const dyt = GpuTensor.from(gpu, yShape, dy, 'f32', 'bench.dy');
  const rs = refShapes(xShape, wShape, o);

  // Correctness first, on samples.
  const yt = conv2dForward(gpu, xt, wt, bt, { ...o, relu: true });
  const y = (await yt.read()) as Float32Array;
  yt.release();
  const errY = sampleCheck(y, rng, (i) => {
    const [n, oh, ow, co] = unflatten(i, yShape);
    return Math.max(0, conv2dRefAt(x, w, rs, o, n, oh, ow, co) + bias[co]);
  });
  const dxt = conv2dGradInput(gpu, dyt, wt, xShape, o);
  const dx = (await dxt.read()) as Float32Array;
  dxt.release();
  const errDx = sampleCheck(dx, rng, (i) => {
    const [n, ih, iw, ci] = unflatten(i, xShape);
    return conv2dGradInputRefAt(dy, w, rs, o, n, ih, iw, ci);
  });
  const dwt = conv2dGradWeight(gpu, xt, dyt, wShape, o);
  const dw = (await dwt.read()) as Float32Array;
  dwt.release();
  const errDw = sampleCheck(dw, rng, (i) => {
    const [kh, kw, ci, co] = unflatten(i, wShape);
    return conv2dGradWeightRefAt(x, dy, rs, o, kh, kw, ci, co);
  });
  const worst = Math.max(errY, errDx, errDw);
  const check = worst <= 1 ? 'ok' : `FAIL (y ${errY.toFixed(1)}, dx ${errDx.toFixed(1)}, dw ${errDw.toFixed(1)} x tol)`;

  const tF = await time(gpu, () => conv2dForward(gpu, xt, wt, bt, { ...o, relu: true }));
  const tI = await time(gpu, () => conv2dGradInput(gpu, dyt, wt, xShape, o));
  const tW = await time(gpu, () => conv2dGradWeight(gpu, xt, dyt, wShape, o));
  for (const t of [xt, wt, bt, dyt]) t.release();

  const flop = convFlop(s, N);
  const k = conv2dKernelNames(gpu, xShape, wShape, o);
  const short = (name: string) => name.replace('conv2d_', '').replace('conv2d', 'octet') || name;
  return {
    shape: label(s),
    N,
    kernels: [k.forward, k.gradInput, k.gradWeight].map(short).join(' / '),
    ms: [tF.ms, tI.ms, tW.ms],
    gflops: [flop / tF.ms / 1e6, flop / tI.ms / 1e6, flop / tW.ms / 1e6],
    cpuGflops: [flop / tF.cpuMs / 1e6, flop / tI.cpuMs / 1e6, flop / tW.cpuMs / 1e6],
    check,
  };
}

/** Prints a row; `ceiling`: the adapter's FMA ceiling measured just before it (software adapters), or null. */
function printRow(r: Row, ceiling: number | null): void {
  const cell = (i: number) =>
    `${r.ms[i].toFixed(1).padStart(8)} ${r.gflops[i].toFixed(1).padStart(5)} ${r.cpuGflops[i].toFixed(1).padStart(5)}`;
  const ceil = ceiling === null ? '' : ` ${ceiling.toFixed(0).padStart(4)}`;
  console.log(`${r.shape.padEnd(17)} ${String(r.N).padStart(2)} ${cell(0)} ${cell(1)} ${cell(2)}${ceil}  ${r.check.padEnd(5)} ${r.kernels}`);
}

async function main(): Promise<void> {
  const { quick, only, batch, path, f16 } = parseArgs(process.argv.slice(2));
  const gpu = await getGpu();
  setConv2dPath(path);
  setConv2dWeightFormat(f16 ? 'f16' : 'f32');
  if (f16) TOL.atol = 2e-2;
  let shapes = quick ? VGG19.filter((s) => QUICK.includes(label(s))) : VGG19;
  if (only) shapes = shapes.filter((s) => label(s).includes(only));
  const batches = batch ? [batch] : quick ? [1] : [1, 8];
  console.log(`conv2d 3x3 stride 1 pad 1 on ${gpu.describe()}; path ${path}, weights ${f16 ? 'f16' : 'f32'}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  const detail = cpuDetail();
  console.log(`CPU: ${cpus()[0]?.model.trim() ?? 'unknown'}${detail ? ` (${detail})` : ''}, ${cpus().length} cores`);
  const head = (d: string) => `${(d + ' ms').padStart(8)} ${'GF'.padStart(5)} ${'cpuGF'.padStart(5)}`;
  const software = gpu.adapter.isSoftware;
  console.log(`${'shape'.padEnd(17)}  N ${head('fwd')} ${head('dx')} ${head('dw')}${software ? ' ceil' : ''}  check kernels (fwd / dx / dw)`);
  console.log(`(GF: GFLOPS by wall time; cpuGF: by this process's CPU time over ${CPU_CORES} cores, less hurt by other processes` +
    `${software ? "; ceil: the adapter's FMA ceiling, GFLOPS, measured just before the row: this VM's speed drifts by up to 2x" : ''})`);
  const rng = new Rng(2017);
  let failed = false;
  for (const N of batches) {
    for (const s of shapes) {
      const ceiling = software ? (await measureCeiling(gpu, { trials: 3 })).gflops : null;
      const row = await benchShape(gpu, s, N, rng);
      printRow(row, ceiling);
      failed ||= row.check !== 'ok';
    }
  }
  console.log(`pipelines compiled in ${gpu.pipelines.compileMs.toFixed(0)} ms; load average now ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (failed) {
    console.error('some results did not match the reference');
    process.exitCode = 1;
  }
}

await main();
