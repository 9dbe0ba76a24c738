// `npm run bench`: graft against TensorFlow.js (webgpu on the same Dawn adapter, as shipped and under graft's
// polite waits; wasm; cpu) and ONNX Runtime (CPU), side by side, in one run. For each workload every engine
// gets the same random input and weights, is cross-checked against graft's outputs, then timed; the table gives
// ms per image, the first (untimed, compiling) run's time, GFLOPS from the exact FLOP count, the share of the
// adapter's arithmetic ceiling measured before the workload, and graft's speed-up over each peer whose outputs agreed.
//
//   npm run bench                      every workload and engine (tfjs-cpu only on the small workloads)
//   npm run bench -- --quick           toy sizes, a smoke run in seconds
//   npm run bench -- --only vgg19,tfjs-webgpu    workloads (ids or groups) and/or engines to run
//   npm run bench -- --json out.json --md out.md

import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { getGpu } from '../src/gpu/device.ts';
import { measureCeiling } from './ceiling.ts';
import { compareOutputs } from './check.ts';
import { busyWarning, currentLoad, machineInfo } from './environment.ts';
import { FULL_POLICY, QUICK_POLICY, runEngine, type EngineRun, type RepPolicy } from './harness.ts';
import { createEngines, ENGINE_IDS } from './peers/index.ts';
import { buildReport, formatJson, formatMarkdown, formatTable } from './report.ts';
import { makeData } from './workloads/data.ts';
import { fullWorkloads, GROUPS, quickWorkloads } from './workloads/index.ts';
import type { Workload } from './workloads/types.ts';

interface Options {
  quick?: boolean;
  only?: string;
  all?: boolean;
  json?: string;
  md?: string;
  maxReps?: string;
  budget?: string;
}

const program = new Command()
  .name('bench')
  .description('graft against TensorFlow.js (webgpu, wasm, cpu) and ONNX Runtime (CPU), side by side')
  .option('--quick', 'toy sizes and few repetitions: a smoke run in seconds')
  .option('--only <list>', `comma-separated workload ids or groups (${GROUPS.join(', ')}) and/or engines (${ENGINE_IDS.join(', ')})`)
  .option('--all', 'run tfjs-cpu on every workload (minutes per VGG19 image)')
  .option('--json <file>', 'write the results as JSON')
  .option('--md <file>', 'write the results as a Markdown table')
  .option('--max-reps <n>', 'most timed repetitions per engine and workload')
  .option('--budget <seconds>', 'timed seconds to aim for per engine and workload (fewer reps for slow engines)')
  .parse();
const opts = program.opts<Options>();

const log = (line: string) => process.stderr.write(`${line}\n`);
const GPU_WARM_MS = 1_000;

function select(all: Workload[]): { workloads: Workload[]; engines: Set<string>; explicitEngines: Set<string> } {
  const tokens = (opts.only ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  const engineTokens = tokens.filter((t) => (ENGINE_IDS as readonly string[]).includes(t));
  const workloadTokens = tokens.filter((t) => !engineTokens.includes(t));
  for (const t of workloadTokens) {
    if (!all.some((w) => w.id === t || w.group === t)) {
      program.error(`--only: '${t}' is neither a workload (${all.map((w) => w.id).join(', ')}), a group (${GROUPS.join(', ')}) nor an engine (${ENGINE_IDS.join(', ')})`);
    }
  }
  const workloads = workloadTokens.length ? all.filter((w) => workloadTokens.includes(w.id) || workloadTokens.includes(w.group)) : all;
  // graft always runs: it is the reference every peer is checked against.
  const engines = new Set<string>(['graft', ...(engineTokens.length ? engineTokens : ENGINE_IDS)]);
  return { workloads, engines, explicitEngines: new Set(engineTokens) };
}

async function main(): Promise<void> {
  const quick = !!opts.quick;
  const policy: RepPolicy = { ...(quick ? QUICK_POLICY : FULL_POLICY) };
  if (opts.maxReps) policy.maxReps = Math.max(1, Number(opts.maxReps));
  if (opts.budget) policy.budgetMs = Number(opts.budget) * 1000;
  policy.minReps = Math.min(policy.minReps, policy.maxReps);

  const { workloads, engines: wanted, explicitEngines } = select(quick ? quickWorkloads() : fullWorkloads());
  const machine = machineInfo();
  const warnings: string[] = [];
  const busy = busyWarning(machine.loadBefore, machine.cores, 'when the bench started');
  if (busy) {
    warnings.push(busy);
    log(busy);
  }
  const gpu = await getGpu();
  const { engines, failed } = await createEngines(gpu, wanted);
  for (const f of failed) {
    const line = `WARNING: engine ${f.id} could not start: ${f.error}`;
    warnings.push(line);
    log(line);
  }
  const software = gpu.adapter.isSoftware;
  // A real GPU raises its clock only under load: warm each engine for a second before timing it (harness.ts).
  if (!software && !quick) policy.warmMs = GPU_WARM_MS;
  let ceilingGflops: number | null = null;
  if (software) {
    const c = await measureCeiling(gpu, quick ? { iterations: 1024, trials: 3 } : {});
    ceilingGflops = c.gflops;
    log(`adapter ceiling: ${c.gflops.toFixed(1)} GFLOPS (trials: ${c.trials.map((g) => g.toFixed(0)).join(', ')})`);
  }

  const runs: EngineRun[] = [];
  const done: Workload[] = [];
  // The ceiling again before each workload: this VM's speed drifts by up to 2x within a run (68 GFLOPS at the start
  // of one complete run, 100 right after it), so each workload's share is of the ceiling measured next to it.
  const ceilings = new Map<string, number>();
  const report = () => buildReport(runs, {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    mode: quick ? 'quick' : 'full',
    adapter: gpu.describe(),
    software,
    ceilingGflops,
    machine: { ...machine, loadAfter: currentLoad() },
    engines: Object.fromEntries(engines.map((e) => [e.id, e.label])),
    warnings,
    notes: notes(policy, software),
  }, done, ceilings);
  const save = (partial: boolean) => {
    const rep = report();
    if (partial) rep.info.warnings = [...rep.info.warnings, `PARTIAL: interrupted after ${done.length} of ${workloads.length} workloads.`];
    if (opts.json) writeFileSync(opts.json, formatJson(rep));
    if (opts.md) writeFileSync(opts.md, formatMarkdown(rep));
    return rep;
  };
  // Ctrl-C (or a timeout's SIGTERM) still prints and saves the workloads that finished.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      process.stdout.write(`${formatTable(save(true))}\n`);
      process.exit(130);
    });
  }
  for (const [i, w] of workloads.entries()) {
    // The first workload follows the start's measurement at once: it is that workload's ceiling too.
    if (software) ceilings.set(w.id, i === 0 ? ceilingGflops! : (await measureCeiling(gpu, quick ? { iterations: 1024, trials: 3 } : { trials: 3 })).gflops);
    const ceilingNow = software ? `, adapter ceiling ${ceilings.get(w.id)!.toFixed(1)} GFLOPS` : '';
    log(`[${w.id}] ${w.title} — ${(w.flops / 1e9).toFixed(3)} GFLOP per run (load ${currentLoad().toFixed(2)}${ceilingNow})`);
    const data = makeData(w);
    let reference = null;
    const mine: EngineRun[] = [];
    for (const engine of engines) {
      if (engine.id === 'tfjs-cpu' && !w.smallForCpu && !opts.all && !explicitEngines.has('tfjs-cpu')) {
        mine.push({ workload: w, engine, status: 'skipped', reason: 'too slow at this size: add --all or --only tfjs-cpu' });
        continue;
      }
      const r = await runEngine(engine, w, data, reference, policy, { log });
      if (engine.id === 'graft') {
        if (r.status === 'reference') reference = r.outputs ?? null;
        else log(`  graft failed (${r.reason}): peers on this workload are unchecked`);
      }
      if (r.status === 'error' || r.status === 'unsupported') log(`  ${engine.id}: ${r.status}: ${r.reason}`);
      mine.push(r);
    }
    // A peer that disagrees with graft but agrees with another peer points at graft: say so in the report.
    for (const r of mine) {
      if (r.status !== 'mismatch' || !r.check || !r.outputs) continue;
      const allies = mine.filter((o) => o !== r && o.engine.id !== 'graft' && o.outputs &&
        compareOutputs(w, data, o.outputs, r.outputs!, r.engine.forwardOnly || o.engine.forwardOnly).ok);
      if (allies.length) r.check.detail += `; agrees with ${allies.map((o) => o.engine.id).join(', ')}`;
    }
    for (const r of mine) delete r.outputs;
    runs.push(...mine);
    done.push(w);
    if (w !== workloads[workloads.length - 1]) save(true); // a long run that dies still leaves what finished
  }
  process.stdout.write(`${formatTable(save(false))}\n`);
  // Dawn and tfjs keep handles open; the run is over.
  process.exit(0);
}

function notes(policy: RepPolicy, software: boolean): string[] {
  return [
    'ms/image: median time of a run divided by the images in it (a training run: batch x steps); min–max over the timed reps. ' +
      'The first run is excluded from timing: it is the warm-up (compilation) and the cross-check against graft.' +
      (software ? '' : ` On this GPU each engine then ran untimed for ${GPU_WARM_MS / 1000} s more, so that it was timed at its working clock, not its idle one.`),
    "first run: that untimed first run, the whole of it (all its images and steps), with each engine's shader compilation, " +
      'weight packing and first allocations; engines keep what they compiled for earlier workloads of the same run, so a ' +
      "workload's figure counts only the kernels it is the first to need.",
    `reps: as many as fit ${(policy.budgetMs / 1000).toFixed(0)} s after the warm-up, between ${policy.minReps} and ${policy.maxReps} ` +
      `(1 for runs over ${(policy.singleRepAboveMs / 1000).toFixed(0)} s).`,
    'A run ends when the engine has finished on its device: graft gpu.sync(), tfjs-webgpu submit + onSubmittedWorkDone, ' +
      'training: every engine reads its loss back after every step.',
    "graft speed-up = peer's time / graft's time for the same images; given only where the peer's outputs agreed with graft's.",
    "tfjs-webgpu runs on graft's own Dawn instance and adapter. 'tfjs-webgpu' waits as shipped (Dawn's Node binding busy-polls a core " +
      "while a wait is pending); 'tfjs-webgpu-polite' waits under graft's policy for software adapters (spin 0.5 ms, then poll every 1 ms)" +
      (software ? ', as graft does here.' : '; on this GPU graft spins as tfjs does, which costs the device nothing.'),
    "graft-f16 is graft with GRAFT_WEIGHTS=f16 (conv weights stored as halves, f32 arithmetic): its 'graft speed-up' is " +
      "its own time over graft's f32 time, so below 1 by the option's gain; checked against graft within 1e-2 of the output's scale.",
    'ort-cpu rows on training workloads time the forward passes only (GFLOPS from the forward FLOP count); their speed-up is not like for like.',
    "GFLOPS: the workload's FLOP count, convolutions counted as direct ones (2 x N x OH x OW x Cout x KH x KW x Cin), over the time. " +
      "graft computes its 3x3 stride-1 convolutions by Winograd's F(4x4, 3x3) (a quarter of the multiply-adds, plus transforms; " +
      "F(6x6, 3x3) for large outputs on a software adapter, a fifth; on a GPU only from 256 channels), " +
      "so its figures there are effective ones (as are those of cuDNN or oneDNN when they take Winograd's algorithm), and " +
      "can pass the ceiling, which counts the multiply-adds the driver's code actually runs.",
  ];
}

main().catch((err) => {
  process.stderr.write(`bench: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
