// Photos as the input of a model that graft exported (src/onnx/export.ts): its metadata says how the input is
// made (colour order, scale, mean, std, NCHW, size) and, when the run recorded them, the names of the classes its
// output scores. `npm run onnx -- run MODEL --image FILE` builds the (N, 3, S, S) input from photos with it, the
// same way the run's own photos were prepared (src/train/photo-input.ts), and names the top classes.

import type { Gpu } from '../gpu/device.ts';
import { GraftError } from '../gpu/errors.ts';
import type { Preprocess } from '../kernels/image.ts';
import type { RgbImage } from '../train/data/decode.ts';
import { photoInput } from '../train/photo-input.ts';
import { META_CLASSES, META_PREPROCESSING } from './export-model.ts';
import type { OnnxModel } from './model.ts';
import { makeTensor, type OnnxTensor } from './tensor.ts';

export interface ImageInputSpec {
  /** The model's single input. */
  input: string;
  size: number;
  preprocess: Preprocess;
  /** Class names of the output, or null when the model does not carry them. */
  classes: string[] | null;
}

/** How to feed photos to `model`, from its metadata; a GraftError says why a model cannot take photos. */
export function imageInputSpec(model: OnnxModel): ImageInputSpec {
  const raw = model.metadata.get(META_PREPROCESSING);
  const why = (what: string) => new GraftError(`${model.file}: ${what}; photos need a model exported by graft (npm run onnx -- export), else give --input NAME=FILE`);
  if (raw === undefined) throw why(`no '${META_PREPROCESSING}' metadata says how its input is made from a photo`);
  let p: { colour_order?: unknown; scale?: unknown; mean?: unknown; std?: unknown; layout?: unknown; size?: unknown };
  try {
    p = JSON.parse(raw) as typeof p;
  } catch {
    throw why(`its '${META_PREPROCESSING}' metadata is not JSON`);
  }
  const triple = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
  if ((p.colour_order !== 'RGB' && p.colour_order !== 'BGR') || typeof p.scale !== 'number' || !triple(p.mean) || !triple(p.std) ||
      p.std.some((s) => s === 0) || p.layout !== 'NCHW' || !(Number.isInteger(p.size) && (p.size as number) > 0)) {
    throw why(`its '${META_PREPROCESSING}' metadata (${raw}) is not graft's {colour_order, scale, mean, std, layout NCHW, size}`);
  }
  if (model.graph.inputs.length !== 1) throw why(`it has ${model.graph.inputs.length} inputs`);
  let classes: string[] | null = null;
  const names = model.metadata.get(META_CLASSES);
  if (names !== undefined) {
    try {
      const parsed = JSON.parse(names) as unknown;
      if (Array.isArray(parsed) && parsed.every((c) => typeof c === 'string')) classes = parsed;
    } catch {
      // Unreadable names: the classes are printed by index instead.
    }
  }
  return {
    input: model.graph.inputs[0].name,
    size: p.size as number,
    preprocess: { colour: p.colour_order, scale: p.scale, mean: p.mean, std: p.std },
    classes,
  };
}

/** The photos as the model's (N, 3, S, S) float input. */
export async function photosAsInput(gpu: Gpu, spec: ImageInputSpec, photos: RgbImage[]): Promise<OnnxTensor> {
  const S = spec.size;
  const plane = S * S;
  const out = new Float32Array(photos.length * 3 * plane);
  for (const [n, photo] of photos.entries()) {
    const x = await photoInput(gpu, photo, S, spec.preprocess); // (1, S, S, 3)
    const nhwc = await x.read();
    x.release();
    for (let i = 0; i < plane; i++) for (let c = 0; c < 3; c++) out[(n * 3 + c) * plane + i] = nhwc[i * 3 + c];
  }
  return makeTensor(spec.input, 'float32', [photos.length, 3, S, S], out);
}
