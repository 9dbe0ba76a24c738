// Turns the runs into results: per engine and workload, milliseconds per image (median, min, max), the untimed
// first run's time (compilation and weight preparation included), GFLOPS from the workload's exact FLOP count, the
// share of the adapter's ceiling measured before the workload (WebGPU engines on a software adapter), the
// cross-check, and graft's speed-up over each peer (peer time / graft time, only where both ran and the peer's
// outputs agreed with graft's). Printed as a terminal table, or written as JSON or Markdown.

import type { EngineRun, Status } from './harness.ts';
import type { MachineInfo } from './environment.ts';
import type { Workload } from './workloads/types.ts';

export interface ResultRow {
  workload: string;
  title: string;
  engine: string;
  batch: number;
  /** Images in one run: batch x steps. */
  images: number;
  msPerImage: number | null;
  msPerImageMin: number | null;
  msPerImageMax: number | null;
  reps: number;
  /**
   * Milliseconds of the untimed first run, the whole run: shader compilation, weight packing and first allocations
   * included (but not what an earlier workload of the same process already compiled).
   */
  firstRunMs: number | null;
  gflops: number | null;
  /** Ran, and its outputs agreed with graft's (graft itself: ran). */
  ok: boolean;
  status: Status;
  /** The check's errors, or why it did not run. */
  detail: string;
  /** Timed the forward pass only (ONNX Runtime on training workloads). */
  forwardOnly: boolean;
  shareOfCeiling: number | null;
  /** Peer's time / graft's time for the same images; null where not comparable. */
  graftSpeedup: number | null;
}

export interface Ratio {
  workload: string;
  peer: string;
  graftSpeedup: number;
  /** False when the peer did less work (forward only): the ratio is then shown but not like for like. */
  likeForLike: boolean;
}

export interface RunInfo {
  date: string;
  mode: 'full' | 'quick';
  adapter: string;
  software: boolean;
  ceilingGflops: number | null;
  machine: MachineInfo;
  engines: Record<string, string>;
  warnings: string[];
  notes: string[];
}

/** A workload as the report lists it. */
export interface ReportWorkload {
  id: string;
  title: string;
  flops: number;
  flopsNote: string;
  /**
   * The adapter's ceiling measured just before this workload (software adapters; null otherwise): its engines'
   * share of the ceiling is of this one, since this VM's speed drifts by up to 2x over a run.
   */
  ceilingGflops: number | null;
}

export interface Report {
  info: RunInfo;
  results: ResultRow[];
  ratios: Ratio[];
  workloads: ReportWorkload[];
}

function imagesOf(w: Workload): number {
  return w.batch * (w.kind === 'train' ? w.steps : 1);
}

/**
 * The report of `runs` over `workloads`; `ceilings` holds the ceiling measured before each workload (by id), where
 * one was: a workload without one is measured against info.ceilingGflops.
 */
export function buildReport(
  runs: EngineRun[], info: RunInfo, workloads: Workload[], ceilings: ReadonlyMap<string, number> = new Map(),
): Report {
  const results: ResultRow[] = [];
  const ratios: Ratio[] = [];
  const ceilingOf = (w: Workload) => ceilings.get(w.id) ?? info.ceilingGflops;
  for (const w of workloads) {
    const ceiling = ceilingOf(w);
    const mine = runs.filter((r) => r.workload === w);
    const graft = mine.find((r) => r.engine.id === 'graft');
    const graftMs = graft?.status === 'reference' ? graft.timing?.median : undefined;
    for (const r of mine) {
      const images = imagesOf(w);
      const t = r.timing;
      const forwardOnly = r.engine.forwardOnly && w.kind === 'train';
      const flops = forwardOnly && w.kind === 'train' ? w.forwardFlops : w.flops;
      const gflops = t ? flops / (t.median / 1000) / 1e9 : null;
      const ok = r.status === 'ok' || r.status === 'reference';
      let speedup: number | null = null;
      if (r.engine.id !== 'graft' && ok && t && graftMs !== undefined) {
        speedup = t.median / graftMs;
        ratios.push({ workload: w.id, peer: r.engine.id, graftSpeedup: speedup, likeForLike: !forwardOnly });
      }
      results.push({
        workload: w.id,
        title: w.title,
        engine: r.engine.id,
        batch: w.batch,
        images,
        msPerImage: t ? t.median / images : null,
        msPerImageMin: t ? t.min / images : null,
        msPerImageMax: t ? t.max / images : null,
        reps: t?.reps ?? 0,
        firstRunMs: t?.warmupMs ?? null,
        gflops,
        ok,
        status: r.status,
        detail: r.check?.detail ?? r.reason ?? '',
        forwardOnly,
        shareOfCeiling: gflops !== null && r.engine.usesAdapter && info.software && ceiling ? gflops / ceiling : null,
        graftSpeedup: speedup,
      });
    }
  }
  return {
    info, results, ratios,
    workloads: workloads.map((w) => ({ id: w.id, title: w.title, flops: w.flops, flopsNote: w.flopsNote, ceilingGflops: ceilingOf(w) })),
  };
}

// --- formatting ------------------------------------------------------------------------------------------

function num(x: number | null, digits = 3): string {
  if (x === null || !Number.isFinite(x)) return '—';
  if (x >= 1000) return Math.round(x).toLocaleString('en-US');
  return x >= 100 ? x.toFixed(0) : x.toPrecision(digits);
}

function fmtFlops(f: number): string {
  return f >= 1e9 ? `${(f / 1e9).toFixed(2)} GFLOP` : f >= 1e6 ? `${(f / 1e6).toFixed(2)} MFLOP` : `${(f / 1e3).toFixed(1)} kFLOP`;
}

function checkCell(r: ResultRow): string {
  switch (r.status) {
    case 'reference': return 'reference';
    case 'ok': return 'agrees';
    case 'mismatch': return 'MISMATCH';
    case 'unchecked': return 'unchecked';
    case 'unsupported': return 'unsupported';
    case 'skipped': return 'skipped';
    default: return 'ERROR';
  }
}

function speedupCell(r: ResultRow): string {
  if (r.engine === 'graft') return '';
  if (r.graftSpeedup === null) return r.status === 'mismatch' ? 'no ratio' : '';
  const x = r.graftSpeedup >= 10 ? r.graftSpeedup.toFixed(1) : r.graftSpeedup.toFixed(2);
  return `${x}x${r.forwardOnly ? ' (peer fwd only)' : ''}`;
}

const HEADERS = ['engine', 'ms/image', 'min–max', 'reps', 'first run', 'GFLOPS', '% ceiling', 'check', 'graft speed-up'];
/** Columns of HEADERS that are text, left-aligned in the terminal table (the others are figures). */
const TEXT_COLUMNS = new Set([0, HEADERS.indexOf('check'), HEADERS.indexOf('graft speed-up')]);

function seconds(ms: number | null): string {
  if (ms === null) return '';
  return ms >= 1000 ? `${num(ms / 1000)} s` : `${num(ms)} ms`;
}

function cells(r: ResultRow): string[] {
  const timed = r.msPerImage !== null;
  return [
    r.engine + (r.forwardOnly ? ' (fwd only)' : ''),
    timed ? num(r.msPerImage) : '—',
    timed ? `${num(r.msPerImageMin)}–${num(r.msPerImageMax)}` : '',
    timed ? String(r.reps) : '',
    seconds(r.firstRunMs),
    num(r.gflops),
    r.shareOfCeiling === null ? '' : `${(100 * r.shareOfCeiling).toFixed(0)}%`,
    checkCell(r),
    speedupCell(r),
  ];
}

function infoLines(rep: Report): string[] {
  const info = rep.info;
  const m = info.machine;
  const lines = [
    `graft bench (${info.mode}), ${info.date}`,
    `adapter: ${info.adapter}${info.software ? ' — a software adapter: "GPU" figures are this CPU running WGSL through the driver' : ''}`,
    `CPU: ${m.cpu}${m.cpuDetail ? ` (${m.cpuDetail})` : ''}, ${m.cores} cores, ${m.memoryGiB} GiB; ${m.platform}; Node ${m.node}`,
    `packages: ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`,
    `load average (1 min): ${m.loadBefore.toFixed(2)} before${m.loadAfter !== undefined ? `, ${m.loadAfter.toFixed(2)} after (the bench's own work included)` : ''}`,
  ];
  if (info.ceilingGflops !== null) {
    const each = rep.workloads.map((w) => w.ceilingGflops).filter((c): c is number => c !== null);
    const again = each.length
      ? `; again before each workload, ${Math.min(...each).toFixed(1)}-${Math.max(...each).toFixed(1)} (each workload's % ceiling is of its own)`
      : '';
    lines.push(`adapter arithmetic ceiling (FMA-only WGSL kernel, best of several dispatches): ${info.ceilingGflops.toFixed(1)} GFLOPS at the start${again}`);
  }
  lines.push('engines:', ...Object.entries(info.engines).map(([id, label]) => `  ${id}: ${label}`));
  return lines;
}

/** The ceiling measured before a workload, as a clause for its heading or line. */
function ceilingNote(w: ReportWorkload): string {
  return w.ceilingGflops === null ? '' : `; adapter ceiling before it ${w.ceilingGflops.toFixed(1)} GFLOPS`;
}

/** The terminal table: a block per workload. */
export function formatTable(rep: Report): string {
  const out: string[] = [...infoLines(rep), ''];
  for (const w of rep.workloads) {
    const rows = rep.results.filter((r) => r.workload === w.id);
    if (!rows.length) continue;
    const table = [HEADERS, ...rows.map(cells)];
    const widths = HEADERS.map((_, i) => Math.max(...table.map((row) => row[i].length)));
    out.push(`${w.title}  [${w.id}, ${fmtFlops(w.flops)} per run${ceilingNote(w)}]`);
    table.forEach((row, k) => {
      out.push('  ' + row.map((c, i) => (TEXT_COLUMNS.has(i) ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ').trimEnd());
      if (k === 0) out.push('  ' + widths.map((n) => '-'.repeat(n)).join('  '));
    });
    for (const r of rows) {
      if (r.status !== 'ok' && r.status !== 'reference' && r.detail) out.push(`    ${r.engine}: ${r.detail}`);
    }
    out.push('');
  }
  out.push(...rep.info.notes.map((n) => `note: ${n}`));
  out.push(...rep.info.warnings);
  return out.join('\n');
}

/** Markdown: the run's description, one table for everything, the FLOP counts and notes. */
export function formatMarkdown(rep: Report): string {
  const [, ...details] = infoLines(rep); // the first line becomes the heading
  const out: string[] = [`## graft bench (${rep.info.mode}), ${rep.info.date}`, '', ...details.map((l) => (l.startsWith('  ') ? `  - ${l.trim()}` : `- ${l}`)), ''];
  out.push(...rep.info.warnings.map((w) => `> ${w}`), '');
  out.push(`| workload | ${HEADERS.join(' | ')} |`, `|${'---|'.repeat(HEADERS.length + 1)}`);
  for (const r of rep.results) {
    const c = cells(r);
    out.push(`| ${r.workload} | ${c.map((x) => x.replace(/\|/g, '/')).join(' | ')} |`);
  }
  out.push('', 'FLOP counts (flops.ts explains the rule):', '');
  out.push(...rep.workloads.map((w) => `- ${w.title}: ${w.flopsNote}${ceilingNote(w)}`));
  const problems = rep.results.filter((r) => r.status !== 'ok' && r.status !== 'reference' && r.detail);
  if (problems.length) out.push('', 'Not compared:', '', ...problems.map((r) => `- ${r.workload} / ${r.engine}: ${r.status}: ${r.detail}`));
  out.push('', ...rep.info.notes.map((n) => `- ${n}`), '');
  return out.join('\n');
}

/** JSON: `results` is the array of {workload, engine, batch, msPerImage, gflops, ok, ...}; `ratios` graft's speed-ups. */
export function formatJson(rep: Report): string {
  return JSON.stringify({ info: rep.info, results: rep.results, ratios: rep.ratios, workloads: rep.workloads }, null, 2);
}
