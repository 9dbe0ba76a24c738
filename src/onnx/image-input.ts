// Photos as the input of an image classifier: a model that graft exported (src/onnx/export.ts) says in its metadata
// how the input is made (colour order, scale, mean, std, NCHW, size) and, when the run recorded them, the names of
// the classes its output scores; for any other single-input model the command line says it (--size, --mean, ...).
// `npm run onnx -- run MODEL --image FILE` builds the (N, 3, S, S) input from photos with it, the way a run's own
// photos are prepared (src/train/photo-input.ts), and names the top classes.

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

/** Preprocessing given on the command line for a model without graft's metadata (unset fields take the defaults). */
export interface GivenPreprocessing {
  size?: number;
  colour?: 'RGB' | 'BGR';
  scale?: number;
  mean?: [number, number, number];
  std?: [number, number, number];
  classes?: string[];
}

/**
 * How to feed photos to `model`: from `given` when any of it is set (defaults: RGB scaled to [0, 1], mean 0, std 1,
 * the size the model's input declares), else from its graft metadata; a GraftError says why a model cannot take
 * photos.
 */
export function imageInputSpec(model: OnnxModel, given: GivenPreprocessing = {}): ImageInputSpec {
  if (Object.values(given).some((v) => v !== undefined)) return givenSpec(model, given);
  const raw = model.metadata.get(META_PREPROCESSING);
  const why = (what: string) => new GraftError(`${model.file}: ${what}; photos need a model exported by graft (npm run onnx -- export), or the preprocessing given with --size, --colour, --scale, --mean and --std`);
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

function givenSpec(model: OnnxModel, given: GivenPreprocessing): ImageInputSpec {
  const why = (what: string) => new GraftError(`${model.file}: ${what}`);
  if (model.graph.inputs.length !== 1) throw why(`it has ${model.graph.inputs.length} inputs; photos go to a model with one`);
  const input = model.graph.inputs[0];
  const dims = input.shape;
  if (!dims || dims.length !== 4 || (typeof dims[1] === 'number' && dims[1] !== 3)) throw why(`its input '${input.name}' is not (N, 3, H, W)`);
  const declared = typeof dims[2] === 'number' && dims[2] === dims[3] ? dims[2] : undefined;
  const size = given.size ?? declared ?? (() => { throw why(`its input '${input.name}' declares no square size; give --size`); })();
  if (declared !== undefined && size !== declared) throw why(`--size ${size}, but its input '${input.name}' is ${declared}x${declared}`);
  if (given.std?.some((v) => v === 0)) throw why('--std has a 0');
  return {
    input: input.name,
    size,
    preprocess: { colour: given.colour ?? 'RGB', scale: given.scale ?? 1 / 255, mean: given.mean ?? [0, 0, 0], std: given.std ?? [1, 1, 1] },
    classes: given.classes ?? null,
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
