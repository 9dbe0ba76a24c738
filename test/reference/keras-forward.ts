// A plain CPU forward of graft's model description (src/keras/desc.ts), in float64, written for clarity: the
// reference the Keras importer is checked against (its output must equal TensorFlow.js running the original
// model.json) and that the GPU graph built from the same description is compared with.

import type { GraftModelDesc, GraftNode, Pads } from '../../src/keras/desc.ts';

/** A batch of activations: `data` is (N, ...shape) row-major, i.e. NHWC for images. */
export interface Batch {
  n: number;
  shape: number[];
  data: Float64Array;
}

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

function conv2d(x: Batch, node: Extract<GraftNode, { op: 'conv2d' }>): Batch {
  const [h, w, cin] = x.shape;
  const [oh, ow, cout] = node.outShape;
  const [kh, kw] = node.attrs.kernel;
  const [sh, sw] = node.attrs.strides;
  const [pt, pl] = node.attrs.pads;
  const { w: wt, b } = node.weights; // (KH, KW, Cin / G, Cout), (Cout)
  // Grouped: output channel co reads the Cin / G input channels of its group, row ci % (Cin / G) of w.
  const groups = node.attrs.groups ?? 1;
  const cinG = cin / groups;
  const coutG = cout / groups;
  const out = new Float64Array(x.n * oh * ow * cout);
  const acc = new Float64Array(cout);
  for (let n = 0; n < x.n; n++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let co = 0; co < cout; co++) acc[co] = b[co];
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - pt + ky;
          if (iy < 0 || iy >= h) continue; // padding contributes zeros
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - pl + kx;
            if (ix < 0 || ix >= w) continue;
            const xBase = ((n * h + iy) * w + ix) * cin;
            const wBase = (ky * kw + kx) * cinG * cout;
            for (let ci = 0; ci < cin; ci++) {
              const xv = x.data[xBase + ci];
              const g = Math.floor(ci / cinG);
              const wRow = wBase + (ci % cinG) * cout;
              for (let co = g * coutG; co < (g + 1) * coutG; co++) acc[co] += xv * wt[wRow + co];
            }
          }
        }
        const oBase = ((n * oh + oy) * ow + ox) * cout;
        for (let co = 0; co < cout; co++) out[oBase + co] = node.attrs.relu ? Math.max(acc[co], 0) : acc[co];
      }
    }
  }
  return { n: x.n, shape: node.outShape, data: out };
}

/** Max or average pooling; padded cells are skipped (never the max, not counted in the average). */
function pool(x: Batch, outShape: number[], k: [number, number], s: [number, number], pads: Pads, max: boolean): Batch {
  const [h, w, c] = x.shape;
  const [oh, ow] = outShape;
  const out = new Float64Array(x.n * oh * ow * c);
  for (let n = 0; n < x.n; n++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        for (let ch = 0; ch < c; ch++) {
          let acc = max ? -Infinity : 0;
          let count = 0;
          for (let ky = 0; ky < k[0]; ky++) {
            const iy = oy * s[0] - pads[0] + ky;
            if (iy < 0 || iy >= h) continue;
            for (let kx = 0; kx < k[1]; kx++) {
              const ix = ox * s[1] - pads[1] + kx;
              if (ix < 0 || ix >= w) continue;
              const v = x.data[((n * h + iy) * w + ix) * c + ch];
              acc = max ? Math.max(acc, v) : acc + v;
              count++;
            }
          }
          out[((n * oh + oy) * ow + ox) * c + ch] = max ? acc : acc / count;
        }
      }
    }
  }
  return { n: x.n, shape: outShape, data: out };
}

function pad(x: Batch, outShape: number[], pads: Pads): Batch {
  const [h, w, c] = x.shape;
  const [ph, pw] = outShape;
  const out = new Float64Array(x.n * size(outShape));
  for (let n = 0; n < x.n; n++) {
    for (let y = 0; y < h; y++) {
      for (let xx = 0; xx < w; xx++) {
        for (let ch = 0; ch < c; ch++) {
          out[((n * ph + y + pads[0]) * pw + xx + pads[1]) * c + ch] = x.data[((n * h + y) * w + xx) * c + ch];
        }
      }
    }
  }
  return { n: x.n, shape: outShape, data: out };
}

function gap(x: Batch): Batch {
  const [h, w, c] = x.shape;
  const out = new Float64Array(x.n * c);
  for (let n = 0; n < x.n; n++) {
    for (let p = 0; p < h * w; p++) for (let ch = 0; ch < c; ch++) out[n * c + ch] += x.data[(n * h * w + p) * c + ch];
    for (let ch = 0; ch < c; ch++) out[n * c + ch] /= h * w;
  }
  return { n: x.n, shape: [c], data: out };
}

function dense(x: Batch, node: Extract<GraftNode, { op: 'dense' }>): Batch {
  const { inFeatures: fin, units, relu } = node.attrs;
  const { w, b } = node.weights; // (in, out), (out)
  const out = new Float64Array(x.n * units);
  for (let n = 0; n < x.n; n++) {
    for (let o = 0; o < units; o++) out[n * units + o] = b[o];
    for (let i = 0; i < fin; i++) {
      const xv = x.data[n * fin + i];
      for (let o = 0; o < units; o++) out[n * units + o] += xv * w[i * units + o];
    }
    if (relu) for (let o = 0; o < units; o++) out[n * units + o] = Math.max(out[n * units + o], 0);
  }
  return { n: x.n, shape: node.outShape, data: out };
}

/** Softmax over the last axis, shifted by the row maximum. */
function softmax(x: Batch): Batch {
  const c = x.shape[x.shape.length - 1];
  const out = new Float64Array(x.data.length);
  for (let r = 0; r < x.data.length / c; r++) {
    let m = -Infinity;
    for (let i = 0; i < c; i++) m = Math.max(m, x.data[r * c + i]);
    let sum = 0;
    for (let i = 0; i < c; i++) sum += out[r * c + i] = Math.exp(x.data[r * c + i] - m);
    for (let i = 0; i < c; i++) out[r * c + i] /= sum;
  }
  return { n: x.n, shape: x.shape, data: out };
}

function run(node: GraftNode, ins: Batch[]): Batch {
  const x = ins[0];
  switch (node.op) {
    case 'conv2d':
      return conv2d(x, node);
    case 'maxpool':
    case 'avgpool':
      return pool(x, node.outShape, node.attrs.size, node.attrs.strides, node.attrs.pads, node.op === 'maxpool');
    case 'pad':
      return pad(x, node.outShape, node.attrs.pads);
    case 'gap':
      return gap(x);
    case 'dense':
      return dense(x, node);
    case 'softmax':
      return softmax(x);
    case 'relu':
      return { ...x, data: x.data.map((v) => Math.max(v, 0)) };
    case 'clip':
      return { ...x, data: x.data.map((v) => Math.min(node.attrs.max, Math.max(node.attrs.min, v))) };
    case 'sigmoid':
      return { ...x, data: x.data.map((v) => 1 / (1 + Math.exp(-v))) };
    case 'concat': {
      // Along the channels: each pixel's channels are the inputs' in order.
      const cs = ins.map((b) => b.shape[b.shape.length - 1]);
      const c = cs.reduce((a, b) => a + b, 0);
      const pixels = x.data.length / cs[0];
      const data = new Float64Array(pixels * c);
      for (let p = 0; p < pixels; p++) {
        let at = p * c;
        ins.forEach((b, k) => {
          for (let j = 0; j < cs[k]; j++) data[at++] = b.data[p * cs[k] + j];
        });
      }
      return { n: x.n, shape: node.outShape, data };
    }
    case 'hardsigmoid':
      return { ...x, data: x.data.map((v) => Math.min(1, Math.max(0, node.attrs.alpha * v + node.attrs.beta))) };
    case 'hardswish':
      return { ...x, data: x.data.map((v) => v * Math.min(1, Math.max(0, v / 6 + 0.5))) };
    case 'mul': {
      // The second operand may be (1, 1, C) against the first's (H, W, C): its index is the channel alone.
      const [a, b] = ins;
      const c = a.shape[a.shape.length - 1];
      const perImage = size(a.shape);
      const bPer = size(b.shape);
      const data = a.data.map((v, i) => v * (bPer === perImage ? b.data[i] : b.data[Math.floor(i / perImage) * bPer + (i % c)]));
      return { n: x.n, shape: a.shape, data };
    }
    case 'flatten':
      return { ...x, shape: node.outShape };
    case 'add': {
      const data = new Float64Array(x.data.length);
      for (const b of ins) for (let i = 0; i < data.length; i++) data[i] += b.data[i];
      return { n: x.n, shape: node.outShape, data };
    }
    case 'affine': {
      const { scale, shift } = node.weights;
      const c = scale.length;
      return { ...x, data: x.data.map((v, i) => v * scale[i % c] + shift[i % c]) };
    }
  }
}

/**
 * Runs the description on `input` (N, ...desc.input.shape) and returns the output node's batch. `keep` names
 * further nodes whose outputs to return (for locating a mismatch); others are freed once no longer read.
 */
export function forwardDesc(desc: GraftModelDesc, input: ArrayLike<number>, n: number, keep: string[] = []): Map<string, Batch> {
  const expected = n * size(desc.input.shape);
  if (input.length !== expected) throw new Error(`forwardDesc: input has ${input.length} values, expected ${expected}`);
  const values = new Map<string, Batch>([[desc.input.name, { n, shape: desc.input.shape, data: Float64Array.from(input) }]]);
  const lastUse = new Map<string, number>();
  desc.nodes.forEach((node, i) => node.inputs.forEach((name) => lastUse.set(name, i)));
  desc.nodes.forEach((node, i) => {
    values.set(node.name, run(node, node.inputs.map((name) => values.get(name)!)));
    for (const name of node.inputs) {
      if (lastUse.get(name) === i && name !== desc.output && !keep.includes(name)) values.delete(name);
    }
  });
  return values;
}
