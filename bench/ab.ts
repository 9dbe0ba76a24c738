// Interleaved A/B benchmark of one kernel setting on VGG19's 3x3 convolutions: the Winograd tile (4 or 6), the
// Winograd grad weight's form (folded, stored, gemm) or the kernel path (auto, winograd, gemm, ...). Both sides run
// in one process, alternating A B B A ..., so that a machine whose speed drifts (a software GPU sharing its cores:
// this VM's moved by up to 2x within minutes) moves both alike; separate `npm run bench:kernels` runs cannot be
// compared that finely. Prints each side's median and spread, B / A, and how far B's results are from A's (the
// two sides compute the same convolution; the float64 check is bench:kernels' job).
//
//   npm run bench:ab -- --setting tile [--a 4 --b 6] [--only 56x56] [--batch 1] [--directions fwd,dx] [--rounds 8]

import { Command, Option } from 'commander';
import { loadavg } from 'node:os';
import { getGpu, type Gpu } from '../src/gpu/device.ts';
import { GpuTensor } from '../src/gpu/tensor.ts';
import { Rng } from '../src/util/rng.ts';
import {
  conv2dForward, conv2dGradInput, conv2dGradWeight, conv2dKernelNames, conv2dOutputShape, setConv2dPath,
  setWinogradGradWeightForm, setWinogradTile, type Conv2dOptions, type Conv2dPath, type WinogradGradWeightForm,
} from '../src/kernels/conv2d.ts';
import type { WinogradTile } from '../src/kernels/conv2d-winograd.ts';
import { relativeError } from './check.ts';
import { median } from './harness.ts';
import { VGG19_CONVS, convFlop, convLabel, type ConvShape } from './vgg19-convs.ts';

/** A setting the bench can flip: its values, the two it compares by default, and how to apply one. */
interface Setting {
  values: string[];
  defaults: [string, string];
  /** Applies a value; returns a function that restores the previous one. */
  apply(value: string): () => void;
}

const SETTINGS: Record<string, Setting> = {
  tile: {
    values: ['4', '6'],
    defaults: ['4', '6'],
    apply: (v) => {
      const previous = setWinogradTile(Number(v) as WinogradTile);
      return () => setWinogradTile(previous);
    },
  },
  form: {
    values: ['folded', 'stored', 'gemm'],
    defaults: ['stored', 'gemm'],
    apply: (v) => {
      const previous = setWinogradGradWeightForm(v as WinogradGradWeightForm);
      return () => setWinogradGradWeightForm(previous);
    },
  },
  path: {
    values: ['auto', 'winograd', 'gemm', 'storage', 'direct'],
    defaults: ['gemm', 'winograd'],
    apply: (v) => {
      const previous = setConv2dPath(v as Conv2dPath);
      return () => setConv2dPath(previous);
    },
  },
};

type Direction = 'fwd' | 'dx' | 'dw';
const DIRECTIONS: Direction[] = ['fwd', 'dx', 'dw'];

interface Args {
  setting: string;
  a: string;
  b: string;
  only: string | undefined;
  batch: number;
  directions: Direction[];
  rounds: number;
}


function parseArgs(argv: string[]): Args {
  const program = new Command('bench:ab')
    .description("Times two values of one kernel setting alternately on VGG19's convolutions")
    .addOption(new Option('--setting <name>', 'what to compare').choices(Object.keys(SETTINGS)).makeOptionMandatory())
    .option('--a <value>', "side A's value (default: the setting's usual pair)")
    .option('--b <value>', "side B's value")
    .option('--only <text>', 'shapes whose label contains the text, e.g. 56x56')
    .option('--batch <n>', 'images per run', '1')
    .option('--directions <list>', 'of fwd, dx, dw', 'fwd,dx,dw')
    .option('--rounds <n>', 'timed runs of each side', '8');
  program.parse(argv, { from: 'user' });
  const o = program.opts<{ setting: string; a?: string; b?: string; only?: string; batch: string; directions: string; rounds: string }>();
  const positiveInt = (flag: string, text: string) => {
    const n = Number(text);
    if (!(Number.isInteger(n) && n > 0)) program.error(`error: ${flag} ${text}: not a positive integer`);
    return n;
  };
  const setting = SETTINGS[o.setting];
  const [a, b] = [o.a ?? setting.defaults[0], o.b ?? setting.defaults[1]];
  for (const v of [a, b]) {
    if (!setting.values.includes(v)) program.error(`error: --setting ${o.setting} takes ${setting.values.join(', ')}, not '${v}'`);
  }
  const directions = o.directions.split(',').map((d) => d.trim());
  for (const d of directions) {
    if (!DIRECTIONS.includes(d as Direction)) program.error(`error: --directions takes ${DIRECTIONS.join(', ')}, not '${d}'`);
  }
  return {
    setting: o.setting, a, b, only: o.only, batch: positiveInt('--batch', o.batch),
    directions: directions as Direction[], rounds: positiveInt('--rounds', o.rounds),
  };
}

/** Runs `fn` with the setting at `value`, restoring the previous value after. */
function withValue<T>(setting: Setting, value: string, fn: () => T): T {
  const restore = setting.apply(value);
  try {
    return fn();
  } finally {
    restore();
  }
}

async function compare(gpu: Gpu, args: Args, setting: Setting, s: ConvShape, rng: Rng): Promise<void> {
  const N = args.batch;
  const o: Conv2dOptions = { stride: [1, 1], pad: [1, 1, 1, 1] };
  const xShape = [N, s.H, s.H, s.Cin];
  const wShape = [3, 3, s.Cin, s.Cout];
  const yShape = conv2dOutputShape(xShape, wShape, o);
  const size = (sh: number[]) => sh.reduce((p, q) => p * q, 1);
  const x = GpuTensor.from(gpu, xShape, rng.uniformArray(size(xShape)), 'f32', 'ab.x');
  const w = GpuTensor.from(gpu, wShape, rng.uniformArray(size(wShape), -0.1, 0.1), 'f32', 'ab.w');
  const dy = GpuTensor.from(gpu, yShape, rng.uniformArray(size(yShape)), 'f32', 'ab.dy');
  const runs: Record<Direction, () => GpuTensor> = {
    fwd: () => conv2dForward(gpu, x, w, null, o),
    dx: () => conv2dGradInput(gpu, dy, w, xShape, o),
    dw: () => conv2dGradWeight(gpu, x, dy, wShape, o),
  };
  const kernelOf = (d: Direction, value: string) => {
    const k = withValue(setting, value, () => conv2dKernelNames(gpu, xShape, wShape, o));
    return d === 'fwd' ? k.forward : d === 'dx' ? k.gradInput : k.gradWeight;
  };
  for (const d of args.directions) {
    const sides = [args.a, args.b];
    // One untimed run each (compiles the pipelines), whose results are compared.
    const results: Float32Array[] = [];
    for (const value of sides) {
      const t = withValue(setting, value, runs[d]);
      results.push((await t.read()) as Float32Array);
      t.release();
    }
    const times: number[][] = [[], []];
    for (let r = 0; r < args.rounds; r++) {
      for (const side of r % 2 === 0 ? [0, 1] : [1, 0]) {
        const t0 = performance.now();
        withValue(setting, sides[side], runs[d]).release();
        await gpu.sync();
        times[side].push(performance.now() - t0);
      }
    }
    const [ma, mb] = [median(times[0]), median(times[1])];
    const flop = convFlop(s, N);
    const cell = (m: number, t: number[], kernel: string) =>
      `${m.toFixed(1).padStart(8)} ${(flop / m / 1e6).toFixed(1).padStart(5)} ${`${Math.min(...t).toFixed(0)}-${Math.max(...t).toFixed(0)}`.padStart(11)} ${kernel.padEnd(22)}`;
    console.log(`${convLabel(s).padEnd(17)} ${String(N).padStart(2)} ${d.padEnd(3)} ${cell(ma, times[0], kernelOf(d, args.a))} ` +
      `${cell(mb, times[1], kernelOf(d, args.b))} ${(mb / ma).toFixed(3).padStart(5)}  ${relativeError(results[1], results[0]).toExponential(1)}`);
  }
  for (const t of [x, w, dy]) t.release();
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const setting = SETTINGS[args.setting];
  const gpu = await getGpu();
  const shapes = VGG19_CONVS.filter((s) => !args.only || convLabel(s).includes(args.only));
  if (shapes.length === 0) {
    console.error(`error: --only ${args.only}: no VGG19 convolution's label (e.g. 56x56x256->256) contains it`);
    process.exit(1);
  }
  const load = () => loadavg().map((l) => l.toFixed(1)).join(' ');
  console.log(`${args.setting}: A = ${args.a}, B = ${args.b}, alternating, ${args.rounds} runs each; on ${gpu.describe()}; load average ${load()}`);
  const side = (name: string) => `${`${name} ms`.padStart(8)} ${'GF'.padStart(5)} ${'range ms'.padStart(11)} ${'kernel'.padEnd(22)}`;
  console.log(`${'shape'.padEnd(17)}  N dir ${side('A')} ${side('B')}   B/A  |A-B|/max|A|`);
  const rng = new Rng(2017);
  for (const s of shapes) await compare(gpu, args, setting, s, rng);
  console.log(`load average now ${load()}`);
}

await main();
