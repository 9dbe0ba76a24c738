// VGG-family backbones from a safetensors weights file with graft's VGG names (`block{b}.conv{k}.weight`, HWIO,
// and `.bias`; written by `npm run weights -- convert vgg19-7.onnx`, see src/onnx/vgg19-convert.ts).
//
// frozen = blocks 1..B-1, each: convs (3x3, same, ReLU) then maxpool 2x2/2     (N, S, S, 3) -> (N, S/16, S/16, 512)
// tail   = block B's convs, without its pool                                   -> (N, S/16, S/16, 512)
//
// The last block's pool is left out on purpose: the top model's global average pooling then reads the last
// convolution directly, so class activation maps are exact and twice as fine (14x14 at 224, as the study's CAM
// used), as in the CAM paper (Zhou et al. 2016), which also removed the last pooling layers for this reason.

import type { Gpu } from '../../gpu/device.ts';
import { GraftError } from '../../gpu/errors.ts';
import { Conv2d, MaxPool2d, Sequential, type StateDictInput } from '../../graph/index.ts';
import { readSafetensors } from '../../onnx/safetensors.ts';
import { typedValues } from '../../onnx/tensor.ts';
import type { Preprocess } from '../../kernels/image.ts';
import type { Backbone } from './backbone.ts';

/** Converted VGG19 weights: where `npm run weights -- convert` writes them. */
export const DEFAULT_VGG19_WEIGHTS = 'weights/vgg19.safetensors';

export function loadVggBackbone(gpu: Gpu, file: string): Backbone {
  const st = readSafetensors(file);
  const meta = st.metadata;
  const convs = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [name, t] of st.tensors) {
    if (!/^block\d+\.conv\d+\.(weight|bias)$/.test(name)) continue;
    if (t.dtype !== 'float32') throw new GraftError(`${file}: ${name} is ${t.dtype}, expected float32`);
    convs.set(name, { shape: t.dims, data: typedValues(t) as Float32Array });
  }
  // Blocks and convs per block, read from the names: VGG19 is [2, 2, 4, 4, 4]; the tests use narrow variants.
  const blocks: number[] = [];
  for (const name of convs.keys()) {
    const m = /^block(\d+)\.conv(\d+)\.weight$/.exec(name);
    if (m) blocks[Number(m[1]) - 1] = Math.max(blocks[Number(m[1]) - 1] ?? 0, Number(m[2]));
  }
  if (blocks.length < 2 || blocks.some((n) => !n)) {
    throw new GraftError(`${file}: no VGG conv weights named block<b>.conv<k>.weight (is this a graft VGG weights file?)`);
  }
  let pre: Preprocess;
  try {
    const p = JSON.parse(meta.preprocessing ?? '');
    pre = { colour: p.colour_order, scale: p.scale, mean: p.mean, std: p.std };
  } catch {
    throw new GraftError(`${file}: its metadata does not say what preprocessing the weights expect (re-convert with npm run weights)`);
  }

  const build = (from: number, to: number, pools: boolean): Sequential => {
    const layers: Array<[string, Sequential]> = [];
    for (let b = from; b < to; b++) {
      const block: Array<[string, Conv2d | MaxPool2d]> = [];
      for (let k = 1; k <= blocks[b]; k++) {
        const w = convs.get(`block${b + 1}.conv${k}.weight`)!;
        if (w.shape.length !== 4) throw new GraftError(`${file}: block${b + 1}.conv${k}.weight has shape [${w.shape}], not (kh, kw, cin, cout)`);
        const [kh, kw, cin, cout] = w.shape;
        block.push([`conv${k}`, new Conv2d(gpu, cin, cout, [kh, kw], { padding: 'same', relu: true })]);
      }
      if (pools) block.push(['pool', new MaxPool2d(2)]);
      layers.push([`block${b + 1}`, new Sequential(block)]);
    }
    return new Sequential(layers);
  };
  const last = blocks.length - 1;
  const frozen = build(0, last, true);
  const tail = build(last, last + 1, false);
  const dict = (prefixBlocks: number[]): StateDictInput => {
    const out: StateDictInput = {};
    for (const b of prefixBlocks) {
      for (let k = 1; k <= blocks[b]; k++) {
        for (const part of ['weight', 'bias']) {
          const name = `block${b + 1}.conv${k}.${part}`;
          const t = convs.get(name);
          if (!t) throw new GraftError(`${file}: missing ${name}`);
          out[name] = t;
        }
      }
    }
    return out;
  };
  frozen.loadStateDict(dict([...Array(last).keys()]));
  tail.loadStateDict(dict([last]));
  frozen.freeze();
  const lastW = convs.get(`block${last + 1}.conv${blocks[last]}.weight`)!;
  const family = blocks.join('') === '22444' ? 'vgg19' : `vgg-${blocks.join('')}`;
  const sha = meta.source_sha256 ?? 'unknown';
  return {
    name: family,
    description: `${family.toUpperCase()} (${meta.source_variant ?? meta.source_format ?? 'weights'} from ${meta.source_file ?? file}, sha256 ${sha.slice(0, 12)})`,
    preprocess: pre,
    weightsId: sha,
    frozen,
    tail,
    featureChannels: lastW.shape[3],
    tailDescription: `block${last + 1} (conv1-${blocks[last]})`,
    release() {
      frozen.release();
      tail.release();
    },
  };
}
