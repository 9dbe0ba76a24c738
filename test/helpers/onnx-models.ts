// Generates VGG19-shaped ONNX models for the tests, laid out like the model zoo's files: vgg19-7 (MXNet Gluon
// names, opset 7, Flatten, Gemm transB=1, Dropout), vgg19-bn-7 (a BatchNormalization after each conv) and the
// caffe2 variant (conv1_1_w_0 ..., Softmax output prob_1). `width` scales the channels and dense units so tests
// can use narrow, fast versions; `size` sets the input side (a multiple of 32). Weights are seeded random values
// scaled like He initialisation, so activations stay in a sensible range through 19 layers.

import { OnnxBuilder } from '../../src/onnx/builder.ts';
import { VGG19_BLOCKS, VGG19_CHANNELS } from '../../src/onnx/vgg19-convert.ts';
import { Rng } from '../../src/util/rng.ts';

export interface Vgg19ModelOptions {
  variant?: 'zoo' | 'caffe2';
  batchNorm?: boolean;
  /** Channel and dense-unit scale: 1 is the real VGG19 (64..512 channels, 4096 units). */
  width?: number;
  /** Input height and width. */
  size?: number;
  classes?: number;
  /** Batch dimension declared for the input: a number or a symbolic name. */
  batch?: number | string;
  /** Stop after the block5 pool (the conv base); the output is then the pool's. */
  convBaseOnly?: boolean;
  seed?: number;
  opset?: number;
}

export interface GeneratedModel {
  builder: OnnxBuilder;
  input: string;
  output: string;
  /** Every initializer's values, by name, as written. */
  weights: Map<string, Float32Array>;
  /** Output shape for batch 1. */
  outputShape: number[];
}

export function vgg19Model(opts: Vgg19ModelOptions = {}): GeneratedModel {
  const variant = opts.variant ?? 'zoo';
  const width = opts.width ?? 1;
  const size = opts.size ?? 224;
  const classes = opts.classes ?? 1000;
  const hidden = Math.max(1, Math.round(4096 * width));
  const rng = new Rng(opts.seed ?? 1);
  const caffe2 = variant === 'caffe2';
  const opset = opts.opset ?? (caffe2 ? 9 : 7);
  const b = new OnnxBuilder({ opset, producerName: 'graft-tests' });
  const input = caffe2 ? 'data_0' : 'data';
  b.input(input, 'float32', [opts.batch ?? 1, 3, size, size]);
  const weights = new Map<string, Float32Array>();
  const init = (name: string, dims: number[], values: Float32Array) => {
    weights.set(name, values);
    b.initializer(name, 'float32', dims, values);
  };
  const he = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => rng.normal() * Math.sqrt(2 / fanIn));
  const small = (n: number) => rng.uniformArray(n, -0.05, 0.05);

  let x = input;
  let cin = 3;
  let conv = 0;
  let side = size;
  for (let blk = 0; blk < VGG19_BLOCKS.length; blk++) {
    const cout = Math.max(1, Math.round(VGG19_CHANNELS[blk] * width));
    for (let k = 0; k < VGG19_BLOCKS[blk]; k++) {
      const [w, bias, y] = caffe2
        ? [`conv${blk + 1}_${k + 1}_w_0`, `conv${blk + 1}_${k + 1}_b_0`, `conv${blk + 1}_${k + 1}_1`]
        : [`vgg0_conv${conv}_weight`, `vgg0_conv${conv}_bias`, `vgg0_conv${conv}_fwd`];
      init(w, [cout, cin, 3, 3], he(cout * cin * 9, cin * 9));
      init(bias, [cout], small(cout));
      b.node('Conv', [x, w, bias], [y], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [1, 1] }, caffe2 ? undefined : `vgg0_conv${conv}`);
      x = y;
      if (opts.batchNorm) {
        const p = `vgg0_batchnorm${conv}`;
        init(`${p}_gamma`, [cout], rng.uniformArray(cout, 0.5, 1.5));
        init(`${p}_beta`, [cout], small(cout));
        init(`${p}_running_mean`, [cout], rng.uniformArray(cout, -0.1, 0.1));
        init(`${p}_running_var`, [cout], rng.uniformArray(cout, 0.5, 1.5));
        b.node('BatchNormalization', [x, `${p}_gamma`, `${p}_beta`, `${p}_running_mean`, `${p}_running_var`], [`${p}_fwd`],
          { epsilon: 1e-5, momentum: 0.9 }, p);
        x = `${p}_fwd`;
      }
      const r = caffe2 ? `relu${blk + 1}_${k + 1}_1` : `vgg0_relu${conv}_fwd`;
      b.node('Relu', [x], [r]);
      x = r;
      cin = cout;
      conv++;
    }
    const p = caffe2 ? `pool${blk + 1}_1` : `vgg0_pool${blk}_fwd`;
    b.node('MaxPool', [x], [p], { kernel_shape: [2, 2], strides: [2, 2], pads: [0, 0, 0, 0] });
    x = p;
    side /= 2;
  }
  if (opts.convBaseOnly) {
    b.output(x, 'float32', [opts.batch ?? 1, cin, side, side]);
    return { builder: b, input, output: x, weights, outputShape: [1, cin, side, side] };
  }

  const flat = caffe2 ? 'OC2_DUMMY_0' : 'vgg0_flatten0_reshape0';
  b.node('Flatten', [x], [flat], { axis: 1 });
  x = flat;
  const dims = [cin * side * side, hidden, hidden, classes];
  for (let j = 0; j < 3; j++) {
    const [w, bias, y] = caffe2
      ? [`fc${6 + j}_w_0`, `fc${6 + j}_b_0`, `fc${6 + j}_1`]
      : [`vgg0_dense${j}_weight`, `vgg0_dense${j}_bias`, `vgg0_dense${j}_fwd`];
    init(w, [dims[j + 1], dims[j]], he(dims[j + 1] * dims[j], dims[j]));
    init(bias, [dims[j + 1]], small(dims[j + 1]));
    b.node('Gemm', [x, w, bias], [y], { alpha: 1, beta: 1, transA: 0, transB: 1 });
    x = y;
    if (j < 2) {
      const r = caffe2 ? `fc${6 + j}_2` : `vgg0_dense${j}_relu_fwd`;
      const d = caffe2 ? `fc${6 + j}_3` : `vgg0_dropout${j}_fwd`;
      b.node('Relu', [x], [r]);
      b.node('Dropout', [r], [d], opset < 12 ? { ratio: 0.5 } : {});
      x = d;
    }
  }
  if (caffe2) {
    b.node('Softmax', [x], ['prob_1'], { axis: 1 });
    x = 'prob_1';
  }
  b.output(x, 'float32', [opts.batch ?? 1, classes]);
  return { builder: b, input, output: x, weights, outputShape: [1, classes] };
}

export interface ResnetModelOptions {
  /** Channels of the stem and layer1 (doubled by each later layer). */
  width?: number;
  size?: number;
  classes?: number;
  seed?: number;
  /** Extra graph outputs: the ends of the stem and of each layer ('stem', 'layer1' .. 'layer4'). */
  taps?: boolean;
}

/**
 * A ResNet-18-shaped ONNX model with one BasicBlock per layer, laid out as torchvision exports it (opset 13; node
 * names like '/layer2/layer2.0/conv1/Conv', which graft must turn into parameter names): a 7x7/2 stem with
 * BatchNormalization, ReLU and a 3x3/2 max pool, layer1 at the stem's width, layers 2-4 halving the resolution with a
 * strided first conv and a 1x1/2 downsample shortcut, then GlobalAveragePool, Flatten and Gemm (transB=1). BatchNorm
 * statistics are random, away from 0 and 1, so that folding them is really tested.
 */
export function resnetModel(opts: ResnetModelOptions = {}): GeneratedModel {
  const width = opts.width ?? 4;
  const size = opts.size ?? 64;
  const classes = opts.classes ?? 10;
  const rng = new Rng(opts.seed ?? 7);
  const b = new OnnxBuilder({ opset: 13, producerName: 'pytorch' });
  b.input('input', 'float32', ['batch_size', 3, size, size]);
  const weights = new Map<string, Float32Array>();
  const init = (name: string, dims: number[], values: Float32Array) => {
    weights.set(name, values);
    b.initializer(name, 'float32', dims, values);
  };
  const he = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => rng.normal() * Math.sqrt(2 / fanIn));
  // Conv (no bias, as torchvision's) then BatchNormalization; returns the BN's output.
  const convBn = (scope: string, x: string, cin: number, cout: number, k: number, stride: number): string => {
    const w = `${scope}.weight`;
    init(w, [cout, cin, k, k], he(cout * cin * k * k, cin * k * k));
    const p = (k - 1) / 2;
    b.node('Conv', [x, w], [`${scope}/Conv_output_0`], { kernel_shape: [k, k], pads: [p, p, p, p], strides: [stride, stride], dilations: [1, 1], group: 1 }, `${scope}/Conv`);
    const bn = scope.replace(/conv(\d)$/, 'bn$1').replace(/downsample\.0$/, 'downsample.1');
    init(`${bn}.weight`, [cout], rng.uniformArray(cout, 0.5, 1.5));
    init(`${bn}.bias`, [cout], rng.uniformArray(cout, -0.2, 0.2));
    init(`${bn}.running_mean`, [cout], rng.uniformArray(cout, -0.3, 0.3));
    init(`${bn}.running_var`, [cout], rng.uniformArray(cout, 0.5, 2));
    b.node('BatchNormalization', [`${scope}/Conv_output_0`, `${bn}.weight`, `${bn}.bias`, `${bn}.running_mean`, `${bn}.running_var`], [`${bn}/BN_output_0`], { epsilon: 1e-5, momentum: 0.9 }, `${bn}/BatchNormalization`);
    return `${bn}/BN_output_0`;
  };
  const relu = (scope: string, x: string) => {
    b.node('Relu', [x], [`${scope}/Relu_output_0`], {}, `${scope}/Relu`);
    return `${scope}/Relu_output_0`;
  };
  const taps: string[] = [];
  let x = relu('/relu', convBn('conv1', 'input', 3, width, 7, 2));
  b.node('MaxPool', [x], ['/maxpool/MaxPool_output_0'], { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2], ceil_mode: 0 }, '/maxpool/MaxPool');
  x = '/maxpool/MaxPool_output_0';
  taps.push(x);
  let cin = width;
  for (let l = 1; l <= 4; l++) {
    const cout = width * 2 ** (l - 1);
    const stride = l === 1 ? 1 : 2;
    const s = `layer${l}.0`;
    const a = relu(`/layer${l}/${s}/relu`, convBn(`${s}.conv1`, x, cin, cout, 3, stride));
    const c = convBn(`${s}.conv2`, a, cout, cout, 3, 1);
    const shortcut = stride === 1 && cin === cout ? x : convBn(`${s}.downsample.0`, x, cin, cout, 1, stride);
    b.node('Add', [c, shortcut], [`/layer${l}/${s}/Add_output_0`], {}, `/layer${l}/${s}/Add`);
    x = relu(`/layer${l}/${s}/relu_1`, `/layer${l}/${s}/Add_output_0`);
    taps.push(x);
    cin = cout;
  }
  b.node('GlobalAveragePool', [x], ['/avgpool/GlobalAveragePool_output_0'], {}, '/avgpool/GlobalAveragePool');
  b.node('Flatten', ['/avgpool/GlobalAveragePool_output_0'], ['/Flatten_output_0'], { axis: 1 }, '/Flatten');
  init('fc.weight', [classes, cin], he(classes * cin, cin));
  init('fc.bias', [classes], rng.uniformArray(classes, -0.1, 0.1));
  b.node('Gemm', ['/Flatten_output_0', 'fc.weight', 'fc.bias'], ['output'], { alpha: 1, beta: 1, transB: 1 }, '/fc/Gemm');
  b.output('output', 'float32', ['batch_size', classes]);
  if (opts.taps) taps.forEach((t) => b.output(t, 'float32', null));
  return { builder: b, input: 'input', output: 'output', weights, outputShape: [1, classes] };
}

/**
 * A MobileNetV2-shaped ONNX model as torchvision exports it (opset 13): Conv + BatchNormalization + Clip(0, 6)
 * (bounds as initializer inputs), inverted residual blocks (1x1 expansion, 3x3 depthwise, 1x1 linear projection,
 * a residual Add where stride 1 keeps the channels), a last 1x1 conv, then GlobalAveragePool, Flatten, Dropout and
 * Gemm. Narrow: `width` channels in the stem, blocks of expansion 4.
 */
export function mobilenetV2Model(opts: { width?: number; size?: number; classes?: number; seed?: number } = {}): GeneratedModel {
  const width = opts.width ?? 8;
  const size = opts.size ?? 64;
  const classes = opts.classes ?? 10;
  const rng = new Rng(opts.seed ?? 9);
  const b = new OnnxBuilder({ opset: 13, producerName: 'pytorch' });
  b.input('input', 'float32', ['batch_size', 3, size, size]);
  const weights = new Map<string, Float32Array>();
  const init = (name: string, dims: number[], values: Float32Array) => {
    weights.set(name, values);
    b.initializer(name, 'float32', dims, values);
  };
  init('relu6.min', [], Float32Array.of(0));
  init('relu6.max', [], Float32Array.of(6));
  const he = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => rng.normal() * Math.sqrt(2 / fanIn));
  let k = 0;
  // Conv (groups g) + BatchNormalization [+ Clip(0, 6)]; returns the last output.
  const convBn = (x: string, cin: number, cout: number, kernel: number, stride: number, groups: number, relu6: boolean): string => {
    const s = `features.${k++}`;
    init(`${s}.0.weight`, [cout, cin / groups, kernel, kernel], he(cout * (cin / groups) * kernel * kernel, (cin / groups) * kernel * kernel));
    const p = (kernel - 1) / 2;
    b.node('Conv', [x, `${s}.0.weight`], [`/${s}/Conv_output_0`], { kernel_shape: [kernel, kernel], pads: [p, p, p, p], strides: [stride, stride], group: groups }, `/${s}/Conv`);
    init(`${s}.1.weight`, [cout], rng.uniformArray(cout, 0.5, 1.5));
    init(`${s}.1.bias`, [cout], rng.uniformArray(cout, -0.2, 0.4));
    init(`${s}.1.running_mean`, [cout], rng.uniformArray(cout, -0.3, 0.3));
    init(`${s}.1.running_var`, [cout], rng.uniformArray(cout, 0.5, 2));
    b.node('BatchNormalization', [`/${s}/Conv_output_0`, `${s}.1.weight`, `${s}.1.bias`, `${s}.1.running_mean`, `${s}.1.running_var`], [`/${s}/BN_output_0`], { epsilon: 1e-5 }, `/${s}/BatchNormalization`);
    if (!relu6) return `/${s}/BN_output_0`;
    b.node('Clip', [`/${s}/BN_output_0`, 'relu6.min', 'relu6.max'], [`/${s}/Clip_output_0`], {}, `/${s}/Clip`);
    return `/${s}/Clip_output_0`;
  };
  let x = convBn('input', 3, width, 3, 2, 1, true);
  let cin = width;
  for (const [cout, stride] of [[width, 1], [2 * width, 2], [2 * width, 1], [3 * width, 2], [3 * width, 1]]) {
    const hidden = cin * 4;
    const e = convBn(x, cin, hidden, 1, 1, 1, true);
    const d = convBn(e, hidden, hidden, 3, stride, hidden, true);
    const p = convBn(d, hidden, cout, 1, 1, 1, false);
    if (stride === 1 && cin === cout) {
      b.node('Add', [x, p], [`/block${k}/Add_output_0`], {}, `/block${k}/Add`);
      x = `/block${k}/Add_output_0`;
    } else x = p;
    cin = cout;
  }
  x = convBn(x, cin, 6 * width, 1, 1, 1, true);
  b.node('GlobalAveragePool', [x], ['/pool'], {}, '/GlobalAveragePool');
  b.node('Flatten', ['/pool'], ['/flat'], { axis: 1 }, '/Flatten');
  b.node('Dropout', ['/flat'], ['/drop'], {}, '/classifier/classifier.0/Dropout');
  init('classifier.1.weight', [classes, 6 * width], he(classes * 6 * width, 6 * width));
  init('classifier.1.bias', [classes], rng.uniformArray(classes, -0.1, 0.1));
  b.node('Gemm', ['/drop', 'classifier.1.weight', 'classifier.1.bias'], ['output'], { transB: 1 }, '/classifier/classifier.1/Gemm');
  b.output('output', 'float32', ['batch_size', classes]);
  return { builder: b, input: 'input', output: 'output', weights, outputShape: [1, classes] };
}

/**
 * An EfficientNet- or MobileNetV3-shaped ONNX model with squeeze-and-excitation, as torchvision exports them
 * (opset 14): Conv + BatchNormalization + activation (EfficientNet: SiLU as Sigmoid and Mul; MobileNetV3: HardSwish),
 * blocks of a 1x1 expansion, a 3x3 depthwise conv, a squeeze-and-excitation gate (GlobalAveragePool, 1x1 conv,
 * activation (SiLU / Relu), 1x1 conv, Sigmoid / HardSigmoid, Mul with the block) and a linear 1x1 projection, a
 * residual Add where stride 1 keeps the channels; then a 1x1 conv, GlobalAveragePool, Flatten, Dropout, Gemm.
 */
export function seNetModel(opts: { kind: 'efficientnet' | 'mobilenetv3'; width?: number; size?: number; classes?: number; seed?: number }): GeneratedModel {
  const width = opts.width ?? 8;
  const size = opts.size ?? 64;
  const classes = opts.classes ?? 10;
  const rng = new Rng(opts.seed ?? 21);
  const eff = opts.kind === 'efficientnet';
  const b = new OnnxBuilder({ opset: 14, producerName: 'pytorch' });
  b.input('input', 'float32', ['batch_size', 3, size, size]);
  const weights = new Map<string, Float32Array>();
  const init = (name: string, dims: number[], values: Float32Array) => {
    weights.set(name, values);
    b.initializer(name, 'float32', dims, values);
  };
  const he = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => rng.normal() * Math.sqrt(2 / fanIn));
  let k = 0;
  const act = (x: string, kind: 'main' | 'se'): string => {
    const s = `/act${k++}`;
    if (eff) {
      b.node('Sigmoid', [x], [`${s}/Sigmoid_output_0`], {}, `${s}/Sigmoid`);
      b.node('Mul', [x, `${s}/Sigmoid_output_0`], [`${s}/Mul_output_0`], {}, `${s}/Mul`);
      return `${s}/Mul_output_0`;
    }
    b.node(kind === 'main' ? 'HardSwish' : 'Relu', [x], [`${s}/out`], {}, `${s}/${kind === 'main' ? 'HardSwish' : 'Relu'}`);
    return `${s}/out`;
  };
  const conv = (x: string, cin: number, cout: number, kernel: number, stride: number, groups: number, bn: boolean): string => {
    const s = `features.${k++}`;
    init(`${s}.weight`, [cout, cin / groups, kernel, kernel], he(cout * (cin / groups) * kernel * kernel, (cin / groups) * kernel * kernel));
    const p = (kernel - 1) / 2;
    const ins = [x, `${s}.weight`];
    if (!bn) {
      init(`${s}.bias`, [cout], rng.uniformArray(cout, -0.2, 0.2));
      ins.push(`${s}.bias`);
    }
    b.node('Conv', ins, [`/${s}/Conv_output_0`], { kernel_shape: [kernel, kernel], pads: [p, p, p, p], strides: [stride, stride], group: groups }, `/${s}/Conv`);
    if (!bn) return `/${s}/Conv_output_0`;
    init(`${s}.bn.weight`, [cout], rng.uniformArray(cout, 0.5, 1.5));
    init(`${s}.bn.bias`, [cout], rng.uniformArray(cout, -0.2, 0.4));
    init(`${s}.bn.running_mean`, [cout], rng.uniformArray(cout, -0.3, 0.3));
    init(`${s}.bn.running_var`, [cout], rng.uniformArray(cout, 0.5, 2));
    b.node('BatchNormalization', [`/${s}/Conv_output_0`, `${s}.bn.weight`, `${s}.bn.bias`, `${s}.bn.running_mean`, `${s}.bn.running_var`], [`/${s}/BN_output_0`], { epsilon: 1e-5 }, `/${s}/BatchNormalization`);
    return `/${s}/BN_output_0`;
  };
  let x = act(conv('input', 3, width, 3, 2, 1, true), 'main');
  let cin = width;
  for (const [cout, stride] of [[width, 1], [2 * width, 2], [2 * width, 1], [3 * width, 2], [3 * width, 1]]) {
    const hidden = cin * 4;
    const e = act(conv(x, cin, hidden, 1, 1, 1, true), 'main');
    const d = act(conv(e, hidden, hidden, 3, stride, hidden, true), 'main');
    const s = `/se${k++}`;
    b.node('GlobalAveragePool', [d], [`${s}/pool`], {}, `${s}/GlobalAveragePool`);
    const g1 = act(conv(`${s}/pool`, hidden, hidden / 4, 1, 1, 1, false), 'se');
    const g2 = conv(g1, hidden / 4, hidden, 1, 1, 1, false);
    if (eff) b.node('Sigmoid', [g2], [`${s}/gate`], {}, `${s}/Sigmoid`);
    else b.node('HardSigmoid', [g2], [`${s}/gate`], { alpha: 1 / 6, beta: 0.5 }, `${s}/HardSigmoid`);
    b.node('Mul', [`${s}/gate`, d], [`${s}/scaled`], {}, `${s}/Mul`); // gate first: the importer must turn it round
    const p = conv(`${s}/scaled`, hidden, cout, 1, 1, 1, true);
    if (stride === 1 && cin === cout) {
      b.node('Add', [p, x], [`/block${k}/Add_output_0`], {}, `/block${k}/Add`);
      x = `/block${k}/Add_output_0`;
    } else x = p;
    cin = cout;
  }
  x = act(conv(x, cin, 6 * width, 1, 1, 1, true), 'main');
  b.node('GlobalAveragePool', [x], ['/pool'], {}, '/avgpool/GlobalAveragePool');
  b.node('Flatten', ['/pool'], ['/flat'], { axis: 1 }, '/Flatten');
  b.node('Dropout', ['/flat'], ['/drop'], {}, '/classifier/Dropout');
  init('classifier.weight', [classes, 6 * width], he(classes * 6 * width, 6 * width));
  init('classifier.bias', [classes], rng.uniformArray(classes, -0.1, 0.1));
  b.node('Gemm', ['/drop', 'classifier.weight', 'classifier.bias'], ['output'], { transB: 1 }, '/classifier/Gemm');
  b.output('output', 'float32', ['batch_size', classes]);
  return { builder: b, input: 'input', output: 'output', weights, outputShape: [1, classes] };
}

/**
 * A DenseNet-shaped ONNX model as torchvision exports it (opset 13): a 7x7/2 conv with BatchNormalization, ReLU and a
 * 3x3/2 max pool; dense blocks whose layers normalise the concatenation of every earlier feature map (a
 * BatchNormalization with no Conv before it), then ReLU, 1x1 conv, BatchNormalization, ReLU, 3x3 conv, and add
 * `growth` channels; transitions (BatchNormalization, ReLU, 1x1 conv halving the channels, 2x2/2 average pool); a
 * last BatchNormalization and ReLU, GlobalAveragePool, Flatten and Gemm.
 */
export function densenetModel(opts: { growth?: number; size?: number; classes?: number; seed?: number } = {}): GeneratedModel {
  const growth = opts.growth ?? 4;
  const size = opts.size ?? 64;
  const classes = opts.classes ?? 10;
  const rng = new Rng(opts.seed ?? 31);
  const b = new OnnxBuilder({ opset: 13, producerName: 'pytorch' });
  b.input('input', 'float32', ['batch_size', 3, size, size]);
  const weights = new Map<string, Float32Array>();
  const init = (name: string, dims: number[], values: Float32Array) => {
    weights.set(name, values);
    b.initializer(name, 'float32', dims, values);
  };
  const he = (n: number, fanIn: number) => Float32Array.from({ length: n }, () => rng.normal() * Math.sqrt(2 / fanIn));
  let k = 0;
  const bn = (x: string, c: number): string => {
    const s = `norm${k++}`;
    init(`${s}.weight`, [c], rng.uniformArray(c, 0.5, 1.5));
    init(`${s}.bias`, [c], rng.uniformArray(c, -0.2, 0.4));
    init(`${s}.running_mean`, [c], rng.uniformArray(c, -0.3, 0.3));
    init(`${s}.running_var`, [c], rng.uniformArray(c, 0.5, 2));
    b.node('BatchNormalization', [x, `${s}.weight`, `${s}.bias`, `${s}.running_mean`, `${s}.running_var`], [`/${s}/out`], { epsilon: 1e-5 }, `/${s}/BatchNormalization`);
    return `/${s}/out`;
  };
  const relu = (x: string): string => {
    b.node('Relu', [x], [`${x}/relu`], {}, `${x}/Relu`);
    return `${x}/relu`;
  };
  const conv = (x: string, cin: number, cout: number, kernel: number, stride: number): string => {
    const s = `conv${k++}`;
    init(`${s}.weight`, [cout, cin, kernel, kernel], he(cout * cin * kernel * kernel, cin * kernel * kernel));
    const p = (kernel - 1) / 2;
    b.node('Conv', [x, `${s}.weight`], [`/${s}/out`], { kernel_shape: [kernel, kernel], pads: [p, p, p, p], strides: [stride, stride] }, `/${s}/Conv`);
    return `/${s}/out`;
  };
  const cat = (xs: string[]): string => {
    if (xs.length === 1) return xs[0];
    const out = `/cat${k++}`;
    b.node('Concat', xs, [out], { axis: 1 }, `${out}/Concat`);
    return out;
  };
  let x = conv('input', 3, 2 * growth, 7, 2);
  x = relu(bn(x, 2 * growth));
  b.node('MaxPool', [x], ['/pool0'], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }, '/pool0/MaxPool');
  x = '/pool0';
  let c = 2 * growth;
  for (let block = 1; block <= 3; block++) {
    const features = [x];
    let width = c;
    for (let layer = 0; layer < 2; layer++) {
      const h = relu(bn(cat([...features]), width)); // a copy: the builder keeps the list it is given
      const n = conv(relu(bn(conv(h, width, 4 * growth, 1, 1), 4 * growth)), 4 * growth, growth, 3, 1);
      features.push(n);
      width += growth;
    }
    x = cat(features);
    c = width;
    if (block < 3) {
      const t = conv(relu(bn(x, c)), c, c / 2, 1, 1);
      c /= 2;
      b.node('AveragePool', [t], [`/trans${block}`], { kernel_shape: [2, 2], strides: [2, 2] }, `/trans${block}/AveragePool`);
      x = `/trans${block}`;
    }
  }
  x = relu(bn(x, c));
  b.node('GlobalAveragePool', [x], ['/pool'], {}, '/GlobalAveragePool');
  b.node('Flatten', ['/pool'], ['/flat'], { axis: 1 }, '/Flatten');
  init('classifier.weight', [classes, c], he(classes * c, c));
  init('classifier.bias', [classes], rng.uniformArray(classes, -0.1, 0.1));
  b.node('Gemm', ['/flat', 'classifier.weight', 'classifier.bias'], ['output'], { transB: 1 }, '/classifier/Gemm');
  b.output('output', 'float32', ['batch_size', classes]);
  return { builder: b, input: 'input', output: 'output', weights, outputShape: [1, classes] };
}
