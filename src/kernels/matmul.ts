// Matrix multiply and the dense layer (shaders/matmul.wgsl, matmul_sg.wgsl, matmul_nt.wgsl, matmul_generic.wgsl).
//
// Kernels chosen by layout: the vec4 register-tiled fast path for C = A B (K, N multiples of 4; with subgroups
// and more than 8 rows its 32-row variant matmul_sg.wgsl, which shares rows of A by subgroup shuffles), a vec4
// dot-product path for C = A B^T (K a multiple of 4: ONNX Gemm with transB, the dense input gradient), and a
// scalar strided path for everything else (odd sizes, A transposed). Matrices larger than one storage binding
// are cut into chunks of rows (M), columns (N) and reduction steps (K); K chunks after the first accumulate
// onto C, and bias and relu are applied with the last one.

import type { Gpu } from '../gpu/device.ts';
import { GpuTensor } from '../gpu/tensor.ts';
import { GpuLimitError, ShapeError, fmtShape } from '../gpu/errors.ts';
import { packParams } from './params.ts';
import { describe } from './shapes.ts';
import { sumRows } from './reduce.ts';
import { ALIGN, bindingLimit, ranges, window } from './windows.ts';

const WG = 64;
const MAX_GROUPS = 65535;
/** Rows per workgroup of matmul_sg.wgsl. */
const SG_ROWS = 32;

export interface MatmulOptions {
  transA?: boolean;
  transB?: boolean;
  /** (N), added to every row of C. */
  bias?: GpuTensor | null;
  /** Fused max(., 0) after the bias. */
  relu?: boolean;
}

type Path = 'nn' | 'nt' | 'generic';

/** Per path: rows of C per workgroup row, columns of C per workgroup, alignment of N and K chunk starts. */
const TILE: Record<Path, { rows: number; cols: number; align: number }> = {
  nn: { rows: 8, cols: 2 * WG * 4, align: 4 },
  nt: { rows: 4, cols: 4 * WG, align: 4 },
  generic: { rows: 4, cols: 4 * WG, align: 1 },
};

/** a (M,K) [or (K,M) if transA], b (K,N) [or (N,K) if transB] -> (M,N); optional bias (N); optional fused relu. */
export function matmul(
  gpu: Gpu,
  a: GpuTensor,
  b: GpuTensor,
  o: { transA?: boolean; transB?: boolean; bias?: GpuTensor | null; relu?: boolean } = {},
): GpuTensor {
  const transA = o.transA ?? false;
  const transB = o.transB ?? false;
  const bias = o.bias ?? null;
  const named = `a${fmtShape(a.shape)}${transA ? '^T' : ''}, b${fmtShape(b.shape)}${transB ? '^T' : ''}`;
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new ShapeError(`matmul: a and b must be matrices (rank 2), got ${named}`);
  }
  const [M, K] = transA ? [a.shape[1], a.shape[0]] : [a.shape[0], a.shape[1]];
  const [Kb, N] = transB ? [b.shape[1], b.shape[0]] : [b.shape[0], b.shape[1]];
  if (K !== Kb) throw new ShapeError(`matmul: inner dimensions differ (${K} vs ${Kb}), got ${named}`);
  if (bias && (bias.shape.length !== 1 || bias.shape[0] !== N)) {
    throw new ShapeError(`matmul: bias must be (${N}), got ${named}, bias${fmtShape(bias.shape)}`);
  }
  for (const [name, t] of [['a', a], ['b', b], ['bias', bias]] as const) {
    if (t && t.dtype !== 'f32') throw new ShapeError(`matmul: ${name} must be f32, got ${t.dtype}`);
  }

  const c = GpuTensor.empty(gpu, [M, N], 'f32', 'matmul.c'); // (M, N)
  if (M === 0 || N === 0) return c;
  const path: Path = !transA && !transB && K % 4 === 0 && N % 4 === 0 ? 'nn' : !transA && transB && K % 4 === 0 ? 'nt' : 'generic';
  const tile = TILE[path];

  const [mc, nc, kc] = planChunks(named, M, N, K, transA, transB, tile, bindingLimit(gpu) - ALIGN);
  const kRanges: Array<[number, number]> = K === 0 ? [[0, 0]] : ranges(K, kc, tile.align);

  for (const [m0, m1] of ranges(M, mc)) {
    for (const [n0, n1] of ranges(N, nc, tile.align)) {
      kRanges.forEach(([k0, k1], ki) => {
        const last = ki === kRanges.length - 1;
        const kEnd = Math.max(k1, k0 + 1); // an empty K still binds a valid window
        const aWin = transA ? window(a, k0 * M + m0, (kEnd - 1) * M + m1) : window(a, m0 * K + k0, (m1 - 1) * K + kEnd);
        const bWin = transB ? window(b, n0 * K + k0, (n1 - 1) * K + kEnd) : window(b, k0 * N + n0, (kEnd - 1) * N + n1);
        const cWin = window(c, m0 * N + n0, (m1 - 1) * N + n1);
        const biasWin = bias ? window(bias, n0, n1) : aWin; // an unused stand-in: the binding must exist
        const constants = { WG, HAS_BIAS: bias !== null && last, RELU: (o.relu ?? false) && last, ACCUM: ki > 0 };
        const [mm, nn, kk] = [m1 - m0, n1 - n0, k1 - k0];
        let params: ArrayBuffer;
        if (path === 'nn') {
          params = packParams([
            ['u32', mm], ['u32', nn / 4], ['u32', kk / 4], ['u32', K / 4], ['u32', N / 4], ['u32', N / 4],
            ['u32', aWin.base / 4], ['u32', bWin.base / 4], ['u32', cWin.base / 4], ['u32', bias ? biasWin.base / 4 : 0],
          ]);
        } else if (path === 'nt') {
          params = packParams([
            ['u32', mm], ['u32', nn], ['u32', kk / 4], ['u32', K / 4], ['u32', K / 4], ['u32', N],
            ['u32', aWin.base / 4], ['u32', bWin.base / 4], ['u32', cWin.base], ['u32', bias ? biasWin.base : 0],
          ]);
        } else {
          params = packParams([
            ['u32', mm], ['u32', nn], ['u32', kk],
            ['u32', transA ? 1 : K], ['u32', transA ? M : 1], ['u32', transB ? 1 : N], ['u32', transB ? K : 1],
            ['u32', N], ['u32', aWin.base], ['u32', bWin.base], ['u32', cWin.base], ['u32', bias ? biasWin.base : 0],
          ]);
        }
        const cols = path === 'nn' ? nn / 4 / (2 * WG) : nn / tile.cols;
        // The 32-row subgroup kernel does 32 rows of work whatever M is: below 9 rows the 8-row kernel wins.
        const sg = path === 'nn' && gpu.hasSubgroups && mm > 8;
        const rowsPerGroup = sg ? SG_ROWS : tile.rows;
        gpu.batcher.dispatch({
          kernel: gpu.pipelines.get(sg ? 'matmul_sg' : path === 'nn' ? 'matmul' : path === 'nt' ? 'matmul_nt' : 'matmul_generic', constants),
          what: `matmul ${named} rows ${m0}..${m1} cols ${n0}..${n1} k ${k0}..${k1}`,
          params,
          buffers: [aWin.binding, bWin.binding, biasWin.binding, cWin.binding],
          workgroups: [Math.ceil(cols), Math.ceil(mm / rowsPerGroup)],
        });
      });
    }
  }
  return c;
}

/**
 * Chunk sizes (rows, columns, reduction steps) such that each operand's window, the span from a chunk's first
 * element to its last, fits `limit` elements and the grid fits the workgroup limit. Halves the dimension that
 * most shrinks an oversized window (its outer one first), so realistic sizes get few, large chunks (VGG19's
 * (25088,4096) weights: 4 K chunks), while a single row too long for a binding is still split along K.
 */
function planChunks(
  named: string, M: number, N: number, K: number, transA: boolean, transB: boolean,
  tile: { rows: number; cols: number; align: number }, limit: number,
): [number, number, number] {
  const size = { m: Math.min(M, MAX_GROUPS * tile.rows), n: Math.min(N, MAX_GROUPS * tile.cols), k: Math.max(1, K) };
  if (size.n < N) size.n = Math.floor(size.n / tile.align) * tile.align;
  const floor = { m: 1, n: Math.min(N, tile.align), k: Math.min(Math.max(1, K), tile.align) };
  const windows: Array<[() => number, Array<'m' | 'n' | 'k'>]> = [
    [() => (transA ? (size.k - 1) * M + size.m : (size.m - 1) * K + size.k), transA ? ['k', 'm'] : ['m', 'k']],
    [() => (transB ? (size.n - 1) * K + size.k : (size.k - 1) * N + size.n), transB ? ['n', 'k'] : ['k', 'n']],
    [() => (size.m - 1) * N + size.n, ['m', 'n']],
  ];
  for (const [span, dims] of windows) {
    for (const d of dims) {
      while (span() > limit && size[d] > floor[d]) {
        const half = Math.ceil(size[d] / 2);
        size[d] = d === 'm' ? half : Math.max(floor[d], Math.ceil(half / tile.align) * tile.align);
        if (size[d] === floor[d] && span() > limit) break;
      }
    }
    if (span() > limit) {
      throw new GpuLimitError(`matmul ${named}: cannot be cut into chunks that fit one binding of ${limit * 4} bytes`);
    }
  }
  return [size.m, size.n, size.k];
}

/** Dense layer: x (N,in), w (in,out), b (out) or null -> (N,out). */
export function denseForward(gpu: Gpu, x: GpuTensor, w: GpuTensor, b: GpuTensor | null): GpuTensor {
  checkDense('dense', x, w, b ? { b } : {});
  return matmul(gpu, x, w, { bias: b });
}

/** Gradients of the dense layer, only those asked for: dx = dy w^T (N,in), dw = x^T dy (in,out), db = sum_rows(dy) (out). */
export function denseBackward(
  gpu: Gpu,
  x: GpuTensor,
  w: GpuTensor,
  dy: GpuTensor,
  need: { input: boolean; weight: boolean; bias: boolean },
): { dx?: GpuTensor; dw?: GpuTensor; db?: GpuTensor } {
  checkDense('dense backward', x, w, { dy });
  if (dy.shape.length !== 2 || dy.shape[0] !== x.shape[0] || dy.shape[1] !== w.shape[1]) {
    throw new ShapeError(`dense backward: dy must be (${x.shape[0]}, ${w.shape[1]}), got ${describe({ x, w, dy })}`);
  }
  const out: { dx?: GpuTensor; dw?: GpuTensor; db?: GpuTensor } = {};
  if (need.input) out.dx = matmul(gpu, dy, w, { transB: true }); // (N, in)
  if (need.weight) out.dw = matmul(gpu, x, dy, { transA: true }); // (in, out)
  if (need.bias) out.db = sumRows(gpu, dy); // (out)
  return out;
}

function checkDense(op: string, x: GpuTensor, w: GpuTensor, more: Record<string, GpuTensor>): void {
  const all = { x, w, ...more };
  const b = more.b;
  if (x.shape.length !== 2 || w.shape.length !== 2 || x.shape[1] !== w.shape[0] || (b && (b.shape.length !== 1 || b.shape[0] !== w.shape[1]))) {
    throw new ShapeError(`${op}: expected x (N,in), w (in,out), b (out), got ${describe(all)}`);
  }
}
