// Row reductions (shaders/sum_rows.wgsl): sum over all leading dimensions (bias gradients) and the mean of a
// whole tensor (losses). Tall inputs are reduced in passes of segments of rows, so the work spreads over many
// invocations instead of one long loop per column.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { ShapeError, fmtShape } from '../gpu/errors.ts';
import { grid1d, packParams } from './params.ts';
import { rowRanges, window } from './windows.ts';

const WG = 64;
/** At most this many rows are summed by one invocation in one pass. */
const SEGMENT = 256;

/** x (R,C), any rank: leading dims flattened into R -> (C). */
export function sumRows(gpu: Gpu, x: GpuTensor): GpuTensor {
  const cols = x.shape.length === 0 ? 1 : x.shape[x.shape.length - 1];
  const rows = cols === 0 ? 0 : x.size / cols;
  return reduceRows(gpu, x, rows, cols, 1, `sum_rows x${fmtShape(x.shape)}`);
}

/** The mean of every element -> (1). */
export function meanAll(gpu: Gpu, x: GpuTensor): GpuTensor {
  if (x.size === 0) throw new ShapeError(`mean: x${fmtShape(x.shape)} has no elements`);
  return reduceRows(gpu, x, x.size, 1, 1 / x.size, `mean x${fmtShape(x.shape)}`); // (1)
}

/** scale * column sums of x viewed as (rows, cols) -> (cols). */
function reduceRows(gpu: Gpu, x: GpuTensor, rows: number, cols: number, scale: number, what: string): GpuTensor {
  if (x.dtype !== 'f32') throw new ShapeError(`${what}: x must be f32, got ${x.dtype}`);
  if (rows === 0) return GpuTensor.zeros(gpu, [cols], 'f32', 'sum_rows.out');
  const chunks = rowRanges(gpu, what, rows, cols);
  const rowsPerSeg = chunks.length === 1 && rows <= 4 * SEGMENT ? rows : SEGMENT;
  const segsOf = ([r0, r1]: [number, number]) => Math.ceil((r1 - r0) / rowsPerSeg);
  const totalSegs = chunks.reduce((n, c) => n + segsOf(c), 0);
  const final = totalSegs === 1;
  // (totalSegs, cols) partial sums, or the result itself when one segment covers every row
  const out = GpuTensor.empty(gpu, final ? [cols] : [totalSegs, cols], 'f32', final ? 'sum_rows.out' : 'sum_rows.partial');
  // Four columns per invocation where cols allows (sum_rows_vec4.wgsl); the windows' bases are then multiples of 4
  const lanes = cols % 4 === 0 ? 4 : 1;
  let seg0 = 0;
  for (const chunk of chunks) {
    const [r0, r1] = chunk;
    const segs = segsOf(chunk);
    const xWin = window(x, r0 * cols, r1 * cols);
    const outWin = window(out, seg0 * cols, (seg0 + segs) * cols);
    gpu.batcher.dispatch({
      kernel: gpu.pipelines.get(lanes === 4 ? 'sum_rows_vec4' : 'sum_rows', { WG }),
      what: `${what} rows ${r0}..${r1}`,
      params: packParams([
        ['u32', r1 - r0], ['u32', cols], ['u32', rowsPerSeg], ['u32', segs],
        ['u32', xWin.base], ['u32', outWin.base], ['f32', final ? scale : 1],
      ]),
      buffers: [xWin.binding, outWin.binding],
      workgroups: grid1d((segs * cols) / lanes, WG),
    });
    seg0 += segs;
  }
  if (final) return out;
  const reduced = reduceRows(gpu, out, totalSegs, cols, scale, what);
  out.release();
  return reduced;
}
