// Picks the pretrained base for stages 2-3 by name (vgg19 and onnx read the --weights file), or says why there is
// none and how to get one. Random weights are never passed off as pretrained: without a weights file the stages are
// skipped with that message.

import { existsSync } from 'node:fs';
import type { Gpu } from '../../gpu/device.ts';
import { GraftError } from '../../gpu/errors.ts';
import type { Backbone } from './backbone.ts';
import { DEFAULT_VGG19_WEIGHTS, loadVggBackbone } from './vgg.ts';

export const BACKBONES = ['vgg19', 'resnet50', 'onnx', 'none'] as const;
export type BackboneName = (typeof BACKBONES)[number];

export async function loadBackbone(gpu: Gpu, name: string, weights: string | undefined, inputSize: number): Promise<Backbone | { missing: string }> {
  if (name === 'none') return { missing: 'no pretrained backbone was asked for (--backbone none)' };
  if (name === 'vgg19') {
    const file = weights ?? DEFAULT_VGG19_WEIGHTS;
    if (!existsSync(file)) {
      return {
        missing:
          `no VGG19 weights at ${file}. Get the ONNX model zoo's vgg19-7.onnx (npm run weights -- download vgg19, or ` +
          'copy a file obtained elsewhere), convert it with `npm run weights -- convert vgg19-7.onnx`, then rerun; ' +
          'or use --backbone resnet50, whose ImageNet weights install with npm',
      };
    }
    return loadVggBackbone(gpu, file);
  }
  if (name === 'onnx') {
    if (!weights) throw new GraftError('--backbone onnx needs the model file: --weights model.onnx (an ONNX CNN of the ResNet, VGG, MobileNet, EfficientNet or DenseNet family)');
    if (!existsSync(weights)) throw new GraftError(`--weights ${weights}: no such file`);
    const { loadOnnxBackbone } = await import('./onnx.ts');
    return loadOnnxBackbone(gpu, weights, inputSize);
  }
  if (name === 'resnet50') {
    const { loadResnet50Backbone } = await import('./resnet50.ts');
    return loadResnet50Backbone(gpu, inputSize);
  }
  throw new GraftError(`unknown backbone '${name}': choose one of ${BACKBONES.join(', ')}`);
}
