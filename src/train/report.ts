// The run's written record: RUNDIR/results.json (numbers for machines) and RUNDIR/report.md (the study's
// Table 1 beside ours, one section per stage with its pictures, the run's settings, and whether each stage
// beat the study). Takes the results as a typed object; it runs nothing and measures nothing.
//
// "Beat the study" means a lower log loss, a higher accuracy and a higher kappa on the test set, all three.
// Seconds per epoch are shown beside the study's but are not part of it: they depend on the machine (the
// study used a GPU in 2017), and the report says which adapter ran.

import { join, relative, resolve, isAbsolute } from 'node:path';
import { writeFileAtomic } from './checkpoint-io.ts';
import type { CamScoreTable } from './cam-score.ts';

export type StageNumber = 1 | 2 | 3;

/** The study's Table 1 (test set of 100 KTH photos + 40 web images). Accuracy as a fraction. */
export const STUDY_TABLE: Record<StageNumber, { name: string; secondsPerEpoch: number; logLoss: number; accuracy: number; kappa: number }> = {
  1: { name: 'Benchmark CNN (from scratch)', secondsPerEpoch: 8.95, logLoss: 1.83, accuracy: 0.57, kappa: 0.5479 },
  2: { name: 'Top model on VGG19 bottleneck features', secondsPerEpoch: 0.17, logLoss: 1.41, accuracy: 0.6, kappa: 0.5777 },
  3: { name: 'Fine-tuned (VGG19 block 5 + top)', secondsPerEpoch: 12.5, logLoss: 0.93, accuracy: 0.8, kappa: 0.789 },
};

/** Bars a stage's test metrics are expected to clear (accuracy and kappa at least, log loss at most). */
export interface StageTargets {
  accuracy?: number;
  kappa?: number;
  logLoss?: number;
}

/** Targets set for a backbone on this data, and where they come from (shown in the report, met or not). */
export interface Targets {
  source: string;
  stages: Partial<Record<StageNumber, StageTargets>>;
}

/** One target: the bar, our value (null when the stage did not run), and whether it was met. */
export interface TargetCheck {
  stage: StageNumber;
  metric: keyof StageTargets;
  bar: number;
  value: number | null;
  met: boolean;
}

/** One line per target, in stage order. */
export function checkTargets(targets: Targets, stages: readonly (StageResult | SkippedStage)[]): TargetCheck[] {
  const out: TargetCheck[] = [];
  for (const stage of [1, 2, 3] as StageNumber[]) {
    const bars = targets.stages[stage];
    if (!bars) continue;
    const ours = stages.find((s) => s.stage === stage);
    const result = ours && !isSkipped(ours) ? ours : null;
    for (const metric of ['accuracy', 'kappa', 'logLoss'] as const) {
      const bar = bars[metric];
      if (bar === undefined) continue;
      const value = result ? result[metric] : null;
      const met = value !== null && Number.isFinite(value) && (metric === 'logLoss' ? value <= bar : value >= bar);
      out.push({ stage, metric, bar, value, met });
    }
  }
  return out;
}

export interface StageResult {
  stage: StageNumber;
  /** Defaults to the study's name for the stage. */
  name?: string;
  /** Test-set metrics of the kept (best-epoch) weights. Accuracy as a fraction. */
  accuracy: number;
  kappa: number;
  logLoss: number;
  secondsPerEpoch: number;
  /** Epochs run. */
  epochs: number;
  /** Epoch whose weights were kept (1-based). */
  bestEpoch: number;
  /** Per true class, as from metrics.ts (null where the test set has none). */
  perClassAccuracy?: (number | null)[];
  /** Learning-curve and confusion-matrix PNGs, absolute or relative to the run folder. */
  curvesPng?: string;
  confusionPng?: string;
  /** Free lines for the stage's section (architecture, learning rate, what was frozen...). */
  notes?: string[];
}

export interface SkippedStage {
  stage: StageNumber;
  /** Why it did not run (e.g. no pretrained weights, and how to get them). */
  skipped: string;
}

export interface CamReport {
  /** Scores of the trained model's CAMs. */
  model: CamScoreTable;
  /** The centred Gaussian blob on the same photos. */
  baseline: CamScoreTable;
  /** A grid of overlays, absolute or relative to the run folder. */
  gridPng?: string;
  notes?: string[];
}

export interface RunReport {
  /** The WebGPU adapter, e.g. "llvmpipe: Mesa 25.0.7 (mesa, software)". */
  adapter: string;
  preset: string;
  inputSize: number;
  split: { train: number; val: number; test: number };
  seed: number;
  classes: string[];
  stages: (StageResult | SkippedStage)[];
  backbone?: string;
  weights?: string;
  /** The preprocessing used (describePreprocess). */
  preprocess?: string;
  dataDir?: string;
  /** ISO time the run started / finished. */
  startedAt?: string;
  finishedAt?: string;
  /** Warnings and remarks shown near the top (data warnings, preprocessing mismatch...). */
  notes?: string[];
  cam?: CamReport;
  /** Targets for this backbone, if any were set: the report says which were met. */
  targets?: Targets;
}

export const REPORT_FILE = 'report.md';
export const RESULTS_FILE = 'results.json';

export interface Comparison {
  logLoss: boolean;
  accuracy: boolean;
  kappa: boolean;
  /** All three better than the study. */
  all: boolean;
}

/** Whether a stage's test metrics beat the study's row for that stage. */
export function compareWithStudy(s: StageResult): Comparison {
  const study = STUDY_TABLE[s.stage];
  const logLoss = s.logLoss < study.logLoss;
  const accuracy = s.accuracy > study.accuracy;
  const kappa = s.kappa > study.kappa;
  return { logLoss, accuracy, kappa, all: logLoss && accuracy && kappa };
}

function isSkipped(s: StageResult | SkippedStage): s is SkippedStage {
  return 'skipped' in s;
}

/** The results.json object (NaN becomes null in JSON). */
export function resultsObject(report: RunReport): Record<string, unknown> {
  const stages: Record<string, unknown> = {};
  for (const s of report.stages) {
    if (isSkipped(s)) {
      stages[`stage${s.stage}`] = { skipped: s.skipped };
      continue;
    }
    stages[`stage${s.stage}`] = {
      name: s.name ?? STUDY_TABLE[s.stage].name,
      accuracy: s.accuracy,
      kappa: s.kappa,
      logLoss: s.logLoss,
      secondsPerEpoch: s.secondsPerEpoch,
      epochs: s.epochs,
      bestEpoch: s.bestEpoch,
      perClassAccuracy: s.perClassAccuracy ?? null,
      beatsStudy: compareWithStudy(s),
    };
  }
  return {
    adapter: report.adapter,
    preset: report.preset,
    inputSize: report.inputSize,
    split: report.split,
    seed: report.seed,
    backbone: report.backbone ?? null,
    weights: report.weights ?? null,
    preprocess: report.preprocess ?? null,
    classes: report.classes,
    startedAt: report.startedAt ?? null,
    finishedAt: report.finishedAt ?? null,
    stages,
    study: STUDY_TABLE,
    cam: report.cam ? { model: report.cam.model, baseline: report.cam.baseline } : null,
    targets: report.targets ? { source: report.targets.source, checks: checkTargets(report.targets, report.stages) } : null,
  };
}

const pct = (x: number) => (Number.isFinite(x) ? `${(x * 100).toFixed(1)}%` : 'n/a');
const num = (x: number, digits: number) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const secs = (x: number) => (Number.isFinite(x) ? (x >= 100 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2)) : 'n/a');
const mark = (ok: boolean) => (ok ? 'yes' : 'no');

/** The report's Markdown. Picture links are made relative to `runDir`. */
export function reportMarkdown(runDir: string, report: RunReport): string {
  const link = (p: string) => (isAbsolute(p) ? relative(resolve(runDir), p) : p).split('\\').join('/');
  const lines: string[] = [];
  lines.push('# KTH-ANIMALS transfer learning: run report', '');
  lines.push(
    `Adapter: ${report.adapter}. Preset: \`${report.preset}\`, input ${report.inputSize}x${report.inputSize}, ` +
      `split ${report.split.train} train / ${report.split.val} validation / ${report.split.test} test, seed ${report.seed}.`,
  );
  const extra = [
    report.backbone ? `Backbone: ${report.backbone}` : '',
    report.weights ? `weights: \`${report.weights}\`` : '',
    report.preprocess ? `preprocessing: ${report.preprocess}` : '',
    report.dataDir ? `data: \`${report.dataDir}\`` : '',
  ].filter(Boolean);
  if (extra.length) lines.push(`${extra.join('; ')}.`);
  if (report.startedAt || report.finishedAt) lines.push(`Started ${report.startedAt ?? '?'}, finished ${report.finishedAt ?? '?'}.`);
  lines.push('');
  for (const n of report.notes ?? []) lines.push(`> ${n}`, '');

  lines.push('## Test-set results beside the study (Table 1)', '');
  lines.push('| stage | | s/epoch | log loss | accuracy | kappa | epochs (best) | beats the study |');
  lines.push('|---|---|---|---|---|---|---|---|');
  for (const stage of [1, 2, 3] as StageNumber[]) {
    const study = STUDY_TABLE[stage];
    lines.push(`| ${stage}. ${study.name} | study (2017) | ${study.secondsPerEpoch} | ${study.logLoss} | ${pct(study.accuracy)} | ${study.kappa.toFixed(4)} | | |`);
    const ours = report.stages.find((s) => s.stage === stage);
    if (!ours) lines.push(`| | ours | not run | | | | | |`);
    else if (isSkipped(ours)) lines.push(`| | ours | skipped | | | | | |`);
    else {
      const c = compareWithStudy(ours);
      const verdict = c.all ? 'yes' : `no (log loss ${mark(c.logLoss)}, accuracy ${mark(c.accuracy)}, kappa ${mark(c.kappa)})`;
      lines.push(
        `| | **ours** | ${secs(ours.secondsPerEpoch)} | ${num(ours.logLoss, 2)} | ${pct(ours.accuracy)} | ${num(ours.kappa, 4)} | ` +
          `${ours.epochs} (${ours.bestEpoch}) | ${verdict} |`,
      );
    }
  }
  lines.push('');
  lines.push(
    `The study's test set was 100 KTH photos plus 40 web images; ours is the ${report.split.test} KTH photos of the split above. ` +
      `Seconds per epoch depend on the machine: the study's were measured on a 2017 GPU, ours on the adapter named above.`,
    '',
  );
  if (report.targets) {
    const checks = checkTargets(report.targets, report.stages);
    const value = (metric: string, v: number | null) => (v === null ? 'not run' : metric === 'logLoss' ? num(v, 3) : metric === 'kappa' ? num(v, 4) : pct(v));
    const bar = (metric: string, b: number) => (metric === 'logLoss' ? `≤ ${b}` : metric === 'kappa' ? `≥ ${b}` : `≥ ${pct(b)}`);
    lines.push('## Targets', '', `Set by ${report.targets.source}.`, '');
    lines.push('| stage | metric | target | ours | met |', '|---|---|---|---|---|');
    for (const c of checks) {
      const ours = report.stages.find((s) => s.stage === c.stage && !isSkipped(s)) as StageResult | undefined;
      const name = ours?.name ?? STUDY_TABLE[c.stage].name;
      lines.push(`| ${c.stage}. ${name} | ${c.metric === 'logLoss' ? 'log loss' : c.metric} | ${bar(c.metric, c.bar)} | ${value(c.metric, c.value)} | ${c.met ? 'yes' : '**no**'} |`);
    }
    const missed = checks.filter((c) => !c.met).length;
    lines.push('', missed === 0 ? 'Every target was met.' : `${missed} of ${checks.length} targets were not met.`, '');
  }

  for (const s of report.stages) {
    const title = (s as StageResult).name ?? STUDY_TABLE[s.stage].name;
    lines.push(`## Stage ${s.stage}: ${title}`, '');
    if (isSkipped(s)) {
      lines.push(`Skipped: ${s.skipped}`, '');
      continue;
    }
    const c = compareWithStudy(s);
    lines.push(
      `Test accuracy ${pct(s.accuracy)}, kappa ${num(s.kappa, 4)}, log loss ${num(s.logLoss, 3)}; ` +
        `${s.epochs} epochs at ${secs(s.secondsPerEpoch)} s each, weights of epoch ${s.bestEpoch} kept. ` +
        (c.all ? 'Beats the study on all three metrics.' : `Does not beat the study on ${[!c.logLoss && 'log loss', !c.accuracy && 'accuracy', !c.kappa && 'kappa'].filter(Boolean).join(', ')}.`),
      '',
    );
    for (const n of s.notes ?? []) lines.push(`- ${n}`);
    if (s.notes?.length) lines.push('');
    if (s.curvesPng) lines.push(`![Stage ${s.stage} learning curves](${link(s.curvesPng)})`, '');
    if (s.confusionPng) lines.push(`![Stage ${s.stage} confusion matrix](${link(s.confusionPng)})`, '');
    if (s.perClassAccuracy && s.perClassAccuracy.length === report.classes.length) {
      lines.push('| class | test accuracy |', '|---|---|');
      report.classes.forEach((name, i) => {
        const a = s.perClassAccuracy![i];
        lines.push(`| ${name} | ${a === null ? 'no photo' : pct(a)} |`);
      });
      lines.push('');
    }
  }

  if (report.cam) lines.push(...camMarkdown(report.cam, link));
  return lines.join('\n');
}

/** The CAM section: the localisation table beside the centred-blob baseline, and the grid of overlays. */
export function camMarkdown(cam: CamReport, link: (path: string) => string = (p) => p): string[] {
  const { model, baseline } = cam;
  const lines: string[] = [];
  lines.push('## Class activation maps: localisation against the KTH masks', '');
  lines.push(
    'Energy inside: share of the positive CAM mass inside the animal mask. Pointing game: the CAM maximum falls ' +
      'inside the mask. IoU: mask against the CAM thresholded at 20% of its maximum. Baseline: a centred Gaussian blob.',
    '',
  );
  if (cam.gridPng) lines.push(`![CAM overlays](${link(cam.gridPng)})`, '');
  for (const n of cam.notes ?? []) lines.push(`- ${n}`);
  if (cam.notes?.length) lines.push('');
  lines.push('| class | photos | energy inside (CAM / blob) | pointing game (CAM / blob) | IoU@20% (CAM / blob) |');
  lines.push('|---|---|---|---|---|');
  const row = (name: string, m: CamScoreTable['overall'], b: CamScoreTable['overall']) =>
    `| ${name} | ${m.count} | ${pct(m.energyInside)} / ${pct(b.energyInside)} | ${pct(m.pointingGame)} / ${pct(b.pointingGame)} | ${num(m.iou, 3)} / ${num(b.iou, 3)} |`;
  model.perClass.forEach((m, i) => lines.push(row(m.className, m, baseline.perClass[i])));
  lines.push(row('**all**', model.overall, baseline.overall), '');
  return lines;
}

/** Writes RUNDIR/report.md and RUNDIR/results.json atomically; returns their paths. */
export function writeRunReport(runDir: string, report: RunReport): { reportPath: string; resultsPath: string } {
  const dir = resolve(runDir);
  const reportPath = join(dir, REPORT_FILE);
  const resultsPath = join(dir, RESULTS_FILE);
  writeFileAtomic(resultsPath, JSON.stringify(resultsObject(report), (_, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  writeFileAtomic(reportPath, reportMarkdown(dir, report));
  return { reportPath, resultsPath };
}
