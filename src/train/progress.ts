// Progress for long runs: a cli-progress bar with ETA, loss and accuracy on a terminal; one plain line per
// epoch (and per ~10% of jobs that run longer than 10 s) when the output is a log file or CI, so logs stay readable.

import cliProgress from 'cli-progress';

export interface ProgressBar {
  /** Advance to `done` of `total`, with the figures to show beside the bar. */
  update(done: number, values?: Record<string, string | number>): void;
  /** Finish the bar with a closing line. */
  stop(summary?: string): void;
}

const interactive = () => Boolean(process.stderr.isTTY) && process.env.CI !== 'true';

/** A bar titled `title` counting to `total` `unit`s. */
export function progressBar(title: string, total: number, unit = 'batches'): ProgressBar {
  const started = performance.now();
  if (interactive()) {
    const bar = new cliProgress.SingleBar(
      {
        format: `${title} [{bar}] {value}/{total} ${unit} | ETA {eta_formatted} | {extra}`,
        stream: process.stderr,
        hideCursor: true,
        etaBuffer: 20,
      },
      cliProgress.Presets.shades_classic,
    );
    bar.start(total, 0, { extra: '' });
    return {
      update(done, values) {
        bar.update(done, { extra: values ? fmtValues(values) : '' });
      },
      stop(summary) {
        bar.stop();
        if (summary) process.stderr.write(`${title}: ${summary}\n`);
      },
    };
  }
  let lastDecile = -1;
  return {
    update(done, values) {
      const decile = Math.floor((10 * done) / Math.max(1, total));
      const s = (performance.now() - started) / 1000;
      // Short jobs (a 2-second epoch) get only their closing line; long ones a line per tenth.
      if (s > 10 && decile > lastDecile && done < total) {
        lastDecile = decile;
        const eta = done > 0 ? (s * (total - done)) / done : 0;
        process.stderr.write(`${title}: ${done}/${total} ${unit}, ${s.toFixed(0)} s, ETA ${eta.toFixed(0)} s ${values ? fmtValues(values) : ''}\n`);
      }
    },
    stop(summary) {
      const s = (performance.now() - started) / 1000;
      process.stderr.write(`${title}: done in ${s.toFixed(1)} s${summary ? ` | ${summary}` : ''}\n`);
    },
  };
}

function fmtValues(values: Record<string, string | number>): string {
  return Object.entries(values)
    .map(([k, v]) => `${k} ${typeof v === 'number' ? (Math.abs(v) < 10 ? v.toFixed(4) : v.toFixed(1)) : v}`)
    .join(' ');
}
