// The bench harness's repetition policy, on a fake engine whose runs take a known time: the first run is the
// untimed warm-up and cross-check; with warmMs set (a GPU), untimed runs follow until they have lasted that long,
// and the last of them sizes the timed repetitions; without it (a software adapter) timing starts at once. The
// report gives the first run's time (compilation included) next to the timed ones.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runEngine, type RepPolicy } from '../bench/harness.ts';
import { buildReport, formatMarkdown, formatTable, type RunInfo } from '../bench/report.ts';
import type { Engine } from '../bench/peers/engine.ts';
import { quickWorkloads } from '../bench/workloads/index.ts';
import type { WorkloadData } from '../bench/workloads/types.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** An engine whose first run takes firstMs and every later one runMs; counts its runs. */
function fakeEngine(firstMs: number, runMs: number) {
  const counts = { runs: 0 };
  const engine: Engine = {
    id: 'graft', // the reference: no cross-check needed
    label: 'fake',
    polite: false,
    forwardOnly: false,
    usesAdapter: false,
    unsupported: () => null,
    async prepare() {
      return {
        run: async () => {
          await sleep(counts.runs++ === 0 ? firstMs : runMs);
        },
        outputs: async () => ({}),
        release: () => {},
      };
    },
  };
  return { engine, counts };
}

const workload = quickWorkloads()[0];
const data = {} as WorkloadData;
const base: RepPolicy = { minReps: 2, maxReps: 50, budgetMs: 100, singleRepAboveMs: 10_000, warmMs: 0 };

test('without warmMs the timed runs follow the first, sized by its time', async () => {
  const { engine, counts } = fakeEngine(50, 5);
  const r = await runEngine(engine, workload, data, null, base);
  assert.is(r.status, 'reference');
  assert.is(r.timing!.reps, 2, '100 ms of budget over a 50 ms first run');
  assert.is(counts.runs, 1 + 2);
});

test('with warmMs, untimed runs fill it first and the last one sizes the repetitions', async () => {
  const { engine, counts } = fakeEngine(50, 5);
  const r = await runEngine(engine, workload, data, null, { ...base, warmMs: 40 });
  const reps = r.timing!.reps;
  const warm = counts.runs - 1 - reps;
  // Runs of about 5 ms: timers may fire late, and up to a millisecond early as performance.now() measures them
  // (sleep(5) measured 4.15 ms at shortest here, and 9 runs filled 40 ms in 2 of 300 tries), so 40 ms of them
  // take at most 10, and at least 2 even if each took 20 ms.
  assert.ok(warm >= 2 && warm <= 10, `warm-up runs: ${warm}`);
  // The budget is judged from a ~5 ms run, not the 50 ms first one: far more than 2 repetitions.
  assert.ok(reps > 4, `timed repetitions: ${reps}`);
  assert.ok(r.timing!.median < 40, `median ${r.timing!.median} ms excludes the slow first run`);
});

test('the report gives the first run, whole, apart from the timed runs, and the share of the ceiling measured next to it', async () => {
  const { engine } = fakeEngine(1500, 5);
  const run = await runEngine({ ...engine, usesAdapter: true }, workload, data, null, base);
  const info: RunInfo = {
    date: 'today', mode: 'quick', adapter: 'fake', software: true, ceilingGflops: 100,
    machine: { cpu: 'cpu', cpuDetail: 'family 1 model 2, AVX2 (no AVX-512)', cores: 1, memoryGiB: 1, platform: 'os', node: 'v0', packages: {}, loadBefore: 0 },
    engines: { graft: 'fake' }, warnings: [], notes: [],
  };
  const report = buildReport([run], info, [workload], new Map([[workload.id, 50]]));
  const row = report.results[0];
  // the workload's own ceiling (50), not the one at the start (100)
  assert.ok(Math.abs(row.shareOfCeiling! - row.gflops! / 50) < 1e-12, `share ${row.shareOfCeiling}`);
  assert.is(report.workloads[0].ceilingGflops, 50);
  assert.match(formatMarkdown(report), /100\.0 GFLOPS at the start; again before each workload, 50\.0-50\.0/);
  assert.ok(row.firstRunMs! >= 1490 && row.firstRunMs! < 3000, `first run ${row.firstRunMs} ms`);
  assert.ok(row.msPerImage! < 100, `timed runs ${row.msPerImage} ms per image, without the first`);
  // Markdown: the column and its figure in seconds, in the header's position
  const lines = formatMarkdown(report).split('\n');
  const header = lines.find((l) => l.startsWith('| workload |'))!.split('|').map((c) => c.trim());
  const cells = lines.find((l) => l.startsWith(`| ${workload.id} |`))!.split('|').map((c) => c.trim());
  assert.match(cells[header.indexOf('first run')], /^1\.\d+ s$/);
  assert.match(formatTable(report), /first run/);
  // the CPU's family, model and vector width beside its name (a VM's name alone does not tell hosts apart)
  assert.match(formatMarkdown(report), /CPU: cpu \(family 1 model 2, AVX2 \(no AVX-512\)\), 1 cores/);
});

test.run();
