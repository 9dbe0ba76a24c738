// Runs one engine on one workload: prepare (upload, build), one untimed run that is both the warm-up (pipeline
// and shader compilation, first allocations) and the cross-check against graft's outputs, then timed runs.
// Each run ends only when the engine has finished the work on its device. Engines marked polite run every
// run inside withPoliteWaits, so Dawn's busy-poll does not take a core from the driver while they wait.
//
// Repetitions: as many as fit a time budget after the warm-up, between a minimum and a maximum, so slow engines
// (tfjs-webgpu as shipped, tfjs-cpu) get fewer; the report states how many each got.
//
// On a real GPU the warm-up goes on with untimed runs for warmMs (bench.ts sets it; 0 on a software adapter, whose
// first run already takes seconds): a GPU idles at a low clock (an H200 at 345 of 1980 MHz) and takes some
// hundreds of milliseconds of load to raise it, so without this the first engine of each workload (graft) was
// timed partly at the idle clock (runs at up to 2.3x the steady time).

import { withPoliteWaits } from '../src/gpu/wait.ts';
import { compareOutputs, type CheckResult } from './check.ts';
import type { Engine, Outputs } from './peers/engine.ts';
import type { Workload, WorkloadData } from './workloads/types.ts';

export interface RepPolicy {
  minReps: number;
  maxReps: number;
  /** Milliseconds of timed runs to aim for, judged from the warm-up's duration. */
  budgetMs: number;
  /** Runs longer than this get a single timed repetition (tfjs-cpu on VGG19: minutes). */
  singleRepAboveMs: number;
  /** Untimed runs after the first until they have lasted this long (at most MAX_WARM_RUNS of them). */
  warmMs: number;
}

export const FULL_POLICY: RepPolicy = { minReps: 2, maxReps: 10, budgetMs: 20_000, singleRepAboveMs: 45_000, warmMs: 0 };
export const QUICK_POLICY: RepPolicy = { minReps: 1, maxReps: 3, budgetMs: 500, singleRepAboveMs: 5_000, warmMs: 0 };
const MAX_WARM_RUNS = 50;

export interface Timing {
  reps: number;
  /** Milliseconds per run (one run = `batch * steps` images). */
  median: number;
  min: number;
  max: number;
  warmupMs: number;
}

export type Status = 'ok' | 'reference' | 'mismatch' | 'unchecked' | 'unsupported' | 'error' | 'skipped';

export interface EngineRun {
  workload: Workload;
  engine: Engine;
  status: Status;
  /** Why it did not run, or what failed. */
  reason?: string;
  check?: CheckResult;
  timing?: Timing;
  outputs?: Outputs;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * Runs `run` untimed until its runs have lasted `ms` in all, or `maxRuns` of them have run: a GPU's warm-up to its
 * working clock (also used by bench/kernels.ts). Returns how many ran and the last one's milliseconds.
 */
export async function runUntimedFor(
  ms: number, run: () => Promise<void>, maxRuns = Infinity,
): Promise<{ runs: number; lastMs: number | null }> {
  let runs = 0;
  let lastMs: number | null = null;
  for (let spent = 0; spent < ms && runs < maxRuns; spent += lastMs, runs++) {
    const t = performance.now();
    await run();
    lastMs = performance.now() - t;
  }
  return { runs, lastMs };
}

function repsFor(policy: RepPolicy, warmupMs: number): number {
  if (warmupMs > policy.singleRepAboveMs) return 1;
  return Math.max(policy.minReps, Math.min(policy.maxReps, Math.floor(policy.budgetMs / Math.max(warmupMs, 1e-3))));
}

/**
 * Runs `engine` on `w`. `reference` is graft's outputs (null when this is graft, or graft failed); with
 * `timeIt` false only the cross-check runs (the test does that).
 */
export async function runEngine(
  engine: Engine, w: Workload, data: WorkloadData, reference: Outputs | null, policy: RepPolicy,
  o: { timeIt?: boolean; log?: (line: string) => void } = {},
): Promise<EngineRun> {
  const log = o.log ?? (() => {});
  const why = engine.unsupported(w);
  if (why) return { workload: w, engine, status: 'unsupported', reason: why };
  const exec = (fn: () => Promise<void>) => (engine.polite ? withPoliteWaits(fn) : fn());
  let runner;
  try {
    runner = await engine.prepare(w, data);
  } catch (err) {
    return { workload: w, engine, status: 'error', reason: `prepare: ${(err as Error).message}` };
  }
  try {
    const t0 = performance.now();
    await exec(() => runner.run());
    const warmupMs = performance.now() - t0;
    const outputs = await runner.outputs();
    let status: Status = 'reference';
    let check: CheckResult | undefined;
    if (engine.id !== 'graft') {
      if (reference) {
        check = compareOutputs(w, data, reference, outputs, engine.forwardOnly, engine.tolerance);
        status = check.ok ? 'ok' : 'mismatch';
      } else {
        status = 'unchecked';
      }
    }
    log(`  ${engine.id}: warm-up ${fmtMs(warmupMs)}${check ? `, check ${check.ok ? 'ok' : 'MISMATCH'} (${check.detail})` : ''}`);
    if (o.timeIt === false) return { workload: w, engine, status, check, outputs };
    // Steady state: more untimed runs for warmMs; the last one's time sizes the repetitions.
    const warm = await runUntimedFor(policy.warmMs, () => exec(() => runner.run()), MAX_WARM_RUNS);
    const lastMs = warm.lastMs ?? warmupMs;
    if (warm.runs) log(`  ${engine.id}: ${warm.runs} more warm-up run${warm.runs === 1 ? '' : 's'}, the last ${fmtMs(lastMs)}`);
    const reps = repsFor(policy, lastMs);
    const times: number[] = [];
    for (let i = 0; i < reps; i++) {
      const t = performance.now();
      await exec(() => runner.run());
      times.push(performance.now() - t);
    }
    const timing: Timing = { reps, median: median(times), min: Math.min(...times), max: Math.max(...times), warmupMs };
    log(`  ${engine.id}: ${reps} rep${reps === 1 ? '' : 's'}, median ${fmtMs(timing.median)} per run (${times.map(fmtMs).join(', ')})`);
    return { workload: w, engine, status, check, timing, outputs };
  } catch (err) {
    return { workload: w, engine, status: 'error', reason: (err as Error).message.split('\n')[0] };
  } finally {
    try {
      await runner.release();
    } catch {
      // a failed run may have released its own resources already
    }
  }
}

export function fmtMs(ms: number): string {
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toPrecision(3)} ms`;
}
