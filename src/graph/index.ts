// The graph layer's public surface: tensors and parameters, the context, ops, backward, layers, optimizers.

export { Tensor, Parameter } from './tensor.ts';
export { Context } from './context.ts';
export { Op } from './op.ts';
export { backward, lossValue, topoSort } from './backward.ts';
export { conv2d, type Conv2dOpOptions } from './ops/conv.ts';
export { dense } from './ops/dense.ts';
export { maxPool2d, avgPool2d, globalAvgPool, globalMaxPool, type AvgPool2dOpOptions } from './ops/pool.ts';
export { relu, softmax, logSoftmax, dropout } from './ops/activation.ts';
export { add } from './ops/add.ts';
export { softmaxCrossEntropy } from './ops/loss.ts';
export { reshape, flatten } from './ops/shape.ts';
export { initValues, fans, type InitKind } from './init.ts';
export { Module, type StateDict, type StateDictInput } from './module.ts';
export {
  Conv2d,
  MaxPool2d,
  AvgPool2d,
  GlobalAvgPool,
  GlobalMaxPool,
  Dense,
  ReLU,
  Softmax,
  Dropout,
  Flatten,
  Sequential,
  Residual,
  resolvePadding,
  type Padding,
  type Pair,
} from './layers.ts';
export { Optimizer, SGD, Adam, type OptimizerState, type SgdOptions, type AdamOptions } from './optimizer.ts';
