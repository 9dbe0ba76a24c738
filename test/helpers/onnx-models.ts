// Generates VGG19-shaped ONNX models for the tests, laid out like the model zoo's files: vgg19-7 (MXNet Gluon
// names, opset 7, Flatten, Gemm transB=1, Dropout), vgg19-bn-7 (a BatchNormalization after each conv) and the
// caffe2 variant (conv1_1_w_0 ..., Softmax output prob_1). `width` scales the channels and dense units so tests
// can use narrow, fast versions; `size` sets the input side (a multiple of 32). Weights are seeded random values
// scaled like He initialisation, so activations stay in a sensible range through 19 layers.

import { OnnxBuilder, type AttrValue } from '../../src/onnx/builder.ts';
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

/** Options of the torchvision-shaped generators below. */
export interface TorchModelOptions {
  /** Channels of the stem (the others follow from it). */
  width?: number;
  size?: number;
  classes?: number;
  seed?: number;
}

/**
 * What the torchvision-shaped generators share: a builder whose input is `input` (batch_size, 3, size, size),
 * seeded He-initialised weights, Conv and BatchNormalization nodes (random statistics away from 0 and 1, so that
 * folding them is really tested), and the classifier torchvision ends with.
 */
class TorchGraph {
  readonly b: OnnxBuilder;
  readonly weights = new Map<string, Float32Array>();
  readonly rng: Rng;

  constructor(opset: number, size: number, seed: number) {
    this.b = new OnnxBuilder({ opset, producerName: 'pytorch' });
    this.b.input('input', 'float32', ['batch_size', 3, size, size]);
    this.rng = new Rng(seed);
  }

  init(name: string, dims: number[], values: Float32Array): string {
    this.weights.set(name, values);
    this.b.initializer(name, 'float32', dims, values);
    return name;
  }

  he(dims: number[]): Float32Array {
    const fanIn = dims.slice(1).reduce((p, d) => p * d, 1);
    return Float32Array.from({ length: dims.reduce((p, d) => p * d, 1) }, () => this.rng.normal() * Math.sqrt(2 / fanIn));
  }

  /** A 'same' Conv of weight `${param}.weight` (and `.bias` when `bias`), as node `name`; returns its output. */
  conv(x: string, param: string, name: string, [cin, cout, kernel, stride, groups]: number[], bias = false): string {
    const w = this.init(`${param}.weight`, [cout, cin / groups, kernel, kernel], this.he([cout, cin / groups, kernel, kernel]));
    const ins = bias ? [x, w, this.init(`${param}.bias`, [cout], this.rng.uniformArray(cout, -0.2, 0.2))] : [x, w];
    const p = (kernel - 1) / 2;
    this.b.node('Conv', ins, [`${name}_output_0`], { kernel_shape: [kernel, kernel], pads: [p, p, p, p], strides: [stride, stride], group: groups }, name);
    return `${name}_output_0`;
  }

  /** BatchNormalization of parameters `${param}.weight`, `.bias`, `.running_mean`, `.running_var`, as node `name`. */
  batchNorm(x: string, param: string, name: string, c: number): string {
    const r = this.rng;
    const ins = [['weight', 0.5, 1.5], ['bias', -0.2, 0.4], ['running_mean', -0.3, 0.3], ['running_var', 0.5, 2]] as const;
    this.b.node('BatchNormalization', [x, ...ins.map(([k, lo, hi]) => this.init(`${param}.${k}`, [c], r.uniformArray(c, lo, hi)))], [`${name}_output_0`], { epsilon: 1e-5, momentum: 0.9 }, name);
    return `${name}_output_0`;
  }

  /** A one-input node named `name` whose output is `${name}_output_0`. */
  unary(op: string, x: string, name: string, attrs: Record<string, AttrValue> = {}): string {
    this.b.node(op, [x], [`${name}_output_0`], attrs, name);
    return `${name}_output_0`;
  }

  /** GlobalAveragePool, Flatten, Dropout and a Gemm (transB=1) to `output` (batch_size, classes). */
  classifier(x: string, c: number, classes: number): GeneratedModel {
    const p = this.unary('GlobalAveragePool', x, '/avgpool/GlobalAveragePool');
    const d = this.unary('Dropout', this.unary('Flatten', p, '/Flatten', { axis: 1 }), '/classifier/classifier.0/Dropout');
    const w = this.init('classifier.1.weight', [classes, c], this.he([classes, c]));
    const bias = this.init('classifier.1.bias', [classes], this.rng.uniformArray(classes, -0.1, 0.1));
    this.b.node('Gemm', [d, w, bias], ['output'], { transB: 1 }, '/classifier/classifier.1/Gemm');
    this.b.output('output', 'float32', ['batch_size', classes]);
    return { builder: this.b, input: 'input', output: 'output', weights: this.weights, outputShape: [1, classes] };
  }
}

/**
 * A ResNet-18-shaped ONNX model with one BasicBlock per layer, laid out as torchvision exports it (opset 13; node
 * names like '/layer2/layer2.0/conv1/Conv', which graft must turn into parameter names): a 7x7/2 stem with
 * BatchNormalization, ReLU and a 3x3/2 max pool, layer1 at the stem's width, layers 2-4 halving the resolution with a
 * strided first conv and a 1x1/2 downsample shortcut, then the classifier.
 */
export function resnetModel(opts: TorchModelOptions = {}): GeneratedModel {
  const width = opts.width ?? 4;
  const g = new TorchGraph(13, opts.size ?? 64, opts.seed ?? 7);
  // Node paths as torch.onnx.export writes them: 'layer4.0.conv1' is '/layer4/layer4.0/conv1'.
  const path = (scope: string) => {
    const [layer, block, ...rest] = scope.split('.');
    return rest.length ? `/${layer}/${layer}.${block}/${rest.join('.')}` : `/${scope}`;
  };
  // Conv (no bias, as torchvision's) then BatchNormalization: layer1.0.conv1 with layer1.0.bn1, downsample.0 with .1.
  const convBn = (scope: string, x: string, shape: number[]) => {
    const bn = scope.replace(/conv(\d)$/, 'bn$1').replace(/downsample\.0$/, 'downsample.1');
    return g.batchNorm(g.conv(x, scope, `${path(scope)}/Conv`, [...shape, 1]), bn, `${path(bn)}/BatchNormalization`, shape[1]);
  };
  let x = g.unary('Relu', convBn('conv1', 'input', [3, width, 7, 2]), '/relu/Relu');
  x = g.unary('MaxPool', x, '/maxpool/MaxPool', { kernel_shape: [3, 3], pads: [1, 1, 1, 1], strides: [2, 2] });
  let cin = width;
  for (let l = 1; l <= 4; l++) {
    const cout = width * 2 ** (l - 1);
    const stride = l === 1 ? 1 : 2;
    const s = `layer${l}.0`;
    const a = g.unary('Relu', convBn(`${s}.conv1`, x, [cin, cout, 3, stride]), `/layer${l}/${s}/relu/Relu`);
    const c = convBn(`${s}.conv2`, a, [cout, cout, 3, 1]);
    const shortcut = stride === 1 && cin === cout ? x : convBn(`${s}.downsample.0`, x, [cin, cout, 1, stride]);
    g.b.node('Add', [c, shortcut], [`/layer${l}/${s}/Add_output_0`], {}, `/layer${l}/${s}/Add`);
    x = g.unary('Relu', `/layer${l}/${s}/Add_output_0`, `/layer${l}/${s}/relu_1/Relu`);
    cin = cout;
  }
  return g.classifier(x, cin, opts.classes ?? 10);
}

/**
 * A MobileNetV2-shaped ONNX model as torchvision exports it (opset 13): Conv + BatchNormalization + Clip(0, 6)
 * (bounds as initializer inputs), inverted residual blocks (1x1 expansion, 3x3 depthwise, 1x1 linear projection,
 * a residual Add where stride 1 keeps the channels), a last 1x1 conv, then the classifier. Narrow: `width` channels
 * in the stem, blocks of expansion 4. Conv k's output is '/features.k/Clip_output_0' (or BatchNormalization_output_0).
 */
export function mobilenetV2Model(opts: TorchModelOptions = {}): GeneratedModel {
  const width = opts.width ?? 8;
  const g = new TorchGraph(13, opts.size ?? 64, opts.seed ?? 9);
  g.init('relu6.min', [], Float32Array.of(0));
  g.init('relu6.max', [], Float32Array.of(6));
  let k = 0;
  // Conv (groups) + BatchNormalization [+ Clip(0, 6)]; returns the last output.
  const convBn = (x: string, [cin, cout, kernel, stride, groups]: number[], relu6: boolean): string => {
    const s = `features.${k++}`;
    const y = g.batchNorm(g.conv(x, `${s}.0`, `/${s}/Conv`, [cin, cout, kernel, stride, groups]), `${s}.1`, `/${s}/BatchNormalization`, cout);
    if (!relu6) return y;
    g.b.node('Clip', [y, 'relu6.min', 'relu6.max'], [`/${s}/Clip_output_0`], {}, `/${s}/Clip`);
    return `/${s}/Clip_output_0`;
  };
  let x = convBn('input', [3, width, 3, 2, 1], true);
  let cin = width;
  for (const [cout, stride] of [[width, 1], [2 * width, 2], [2 * width, 1], [3 * width, 2], [3 * width, 1]]) {
    const hidden = cin * 4;
    const e = convBn(x, [cin, hidden, 1, 1, 1], true);
    const d = convBn(e, [hidden, hidden, 3, stride, hidden], true);
    const p = convBn(d, [hidden, cout, 1, 1, 1], false);
    if (stride === 1 && cin === cout) {
      g.b.node('Add', [x, p], [`/block${k}/Add_output_0`], {}, `/block${k}/Add`);
      x = `/block${k}/Add_output_0`;
    } else x = p;
    cin = cout;
  }
  return g.classifier(convBn(x, [cin, 6 * width, 1, 1, 1], true), 6 * width, opts.classes ?? 10);
}

/**
 * An EfficientNet- or MobileNetV3-shaped ONNX model with squeeze-and-excitation, as torchvision exports them
 * (opset 14): Conv + BatchNormalization + activation (EfficientNet: SiLU as Sigmoid and Mul; MobileNetV3: HardSwish),
 * blocks of a 1x1 expansion, a 3x3 depthwise conv, a squeeze-and-excitation gate (GlobalAveragePool, 1x1 conv,
 * activation (SiLU / Relu), 1x1 conv, Sigmoid / HardSigmoid, Mul with the block) and a linear 1x1 projection, a
 * residual Add where stride 1 keeps the channels; then a 1x1 conv and the classifier.
 */
export function seNetModel(opts: TorchModelOptions & { kind: 'efficientnet' | 'mobilenetv3' }): GeneratedModel {
  const width = opts.width ?? 8;
  const eff = opts.kind === 'efficientnet';
  const g = new TorchGraph(14, opts.size ?? 64, opts.seed ?? 21);
  let k = 0;
  const act = (x: string, kind: 'main' | 'se'): string => {
    const s = `/act${k++}`;
    if (!eff) return g.unary(kind === 'main' ? 'HardSwish' : 'Relu', x, `${s}/${kind === 'main' ? 'HardSwish' : 'Relu'}`);
    const sig = g.unary('Sigmoid', x, `${s}/Sigmoid`);
    g.b.node('Mul', [x, sig], [`${s}/Mul_output_0`], {}, `${s}/Mul`);
    return `${s}/Mul_output_0`;
  };
  // Conv + BatchNormalization, or (bn false) a Conv with a bias, as the gates' are.
  const conv = (x: string, shape: number[], bn: boolean): string => {
    const s = `features.${k++}`;
    const y = g.conv(x, s, `/${s}/Conv`, shape, !bn);
    return bn ? g.batchNorm(y, `${s}.bn`, `/${s}/BatchNormalization`, shape[1]) : y;
  };
  let x = act(conv('input', [3, width, 3, 2, 1], true), 'main');
  let cin = width;
  for (const [cout, stride] of [[width, 1], [2 * width, 2], [2 * width, 1], [3 * width, 2], [3 * width, 1]]) {
    const hidden = cin * 4;
    const e = act(conv(x, [cin, hidden, 1, 1, 1], true), 'main');
    const d = act(conv(e, [hidden, hidden, 3, stride, hidden], true), 'main');
    const s = `/se${k++}`;
    const pooled = g.unary('GlobalAveragePool', d, `${s}/GlobalAveragePool`);
    const g2 = conv(act(conv(pooled, [hidden, hidden / 4, 1, 1, 1], false), 'se'), [hidden / 4, hidden, 1, 1, 1], false);
    const gate = eff ? g.unary('Sigmoid', g2, `${s}/Sigmoid`) : g.unary('HardSigmoid', g2, `${s}/HardSigmoid`, { alpha: 1 / 6, beta: 0.5 });
    g.b.node('Mul', [gate, d], [`${s}/scaled`], {}, `${s}/Mul`); // gate first: the importer must turn it round
    const p = conv(`${s}/scaled`, [hidden, cout, 1, 1, 1], true);
    if (stride === 1 && cin === cout) {
      g.b.node('Add', [p, x], [`/block${k}/Add_output_0`], {}, `/block${k}/Add`);
      x = `/block${k}/Add_output_0`;
    } else x = p;
    cin = cout;
  }
  return g.classifier(act(conv(x, [cin, 6 * width, 1, 1, 1], true), 'main'), 6 * width, opts.classes ?? 10);
}

/**
 * A DenseNet-shaped ONNX model as torchvision exports it (opset 13): a 7x7/2 conv with BatchNormalization, ReLU and a
 * 3x3/2 max pool; dense blocks whose layers normalise the concatenation of every earlier feature map (a
 * BatchNormalization with no Conv before it), then ReLU, 1x1 conv, BatchNormalization, ReLU, 3x3 conv, and add
 * `growth` channels; transitions (BatchNormalization, ReLU, 1x1 conv halving the channels, 2x2/2 average pool); a
 * last BatchNormalization and ReLU, then the classifier.
 */
export function densenetModel(opts: TorchModelOptions & { growth?: number } = {}): GeneratedModel {
  const growth = opts.growth ?? 4;
  const g = new TorchGraph(13, opts.size ?? 64, opts.seed ?? 31);
  let k = 0;
  const bnRelu = (x: string, c: number) => {
    const s = `norm${k++}`;
    return g.unary('Relu', g.batchNorm(x, s, `/${s}/BatchNormalization`, c), `/${s}/Relu`);
  };
  const conv = (x: string, shape: number[]) => {
    const s = `conv${k++}`;
    return g.conv(x, s, `/${s}/Conv`, [...shape, 1]);
  };
  const cat = (xs: string[]): string => {
    if (xs.length === 1) return xs[0];
    const out = `/cat${k++}`;
    g.b.node('Concat', [...xs], [out], { axis: 1 }, `${out}/Concat`); // a copy: the builder keeps the list it is given
    return out;
  };
  let x = bnRelu(conv('input', [3, 2 * growth, 7, 2]), 2 * growth);
  x = g.unary('MaxPool', x, '/pool0/MaxPool', { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
  let c = 2 * growth;
  for (let block = 1; block <= 3; block++) {
    const features = [x];
    for (let layer = 0; layer < 2; layer++) {
      const h = bnRelu(cat(features), c + layer * growth);
      features.push(conv(bnRelu(conv(h, [c + layer * growth, 4 * growth, 1, 1]), 4 * growth), [4 * growth, growth, 3, 1]));
    }
    x = cat(features);
    c += 2 * growth;
    if (block < 3) {
      const t = conv(bnRelu(x, c), [c, c / 2, 1, 1]);
      c /= 2;
      x = g.unary('AveragePool', t, `/trans${block}/AveragePool`, { kernel_shape: [2, 2], strides: [2, 2] });
    }
  }
  return g.classifier(bnRelu(x, c), c, opts.classes ?? 10);
}
