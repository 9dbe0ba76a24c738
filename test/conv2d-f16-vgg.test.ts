// The f16 weight option end to end: a VGG19 with the real layer widths (all 16 convolutions, the three dense layers,
// 1000 logits; random He weights from test/helpers/onnx-models.ts, at 32x32 to keep it quick) run through graft's
// ONNX runner with conv weights stored as f32 and as f16 (GRAFT_WEIGHTS=f16, f32 arithmetic). Issue #8's bound:
// every logit within 1e-2 of the f32 run's. Also checks the option really ran: the deep layers take the Winograd
// kernels, whose transformed weights are packed as f16, and the logits differ at all.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { vgg19Model } from './helpers/onnx-models.ts';
import { randomInput } from './helpers/onnx-compare.ts';
import { parseOnnx } from '../src/onnx/reader.ts';
import { runOnnx } from '../src/onnx/runner.ts';
import { toFloat32 } from '../src/onnx/tensor.ts';
import { conv2dKernelNames, setConv2dWeightFormat } from '../src/kernels/conv2d.ts';
import { Rng } from '../src/util/rng.ts';

test('VGG19 logits with f16 conv weights stay within 1e-2 of the f32 ones', async () => {
  const gpu = await testGpu();
  const g = vgg19Model({ size: 32, batch: 2, seed: 11 });
  const model = parseOnnx(g.builder.encode().model, { file: 'vgg19-32.onnx' });
  const x = randomInput(new Rng(12), g.input, [2, 3, 32, 32]);
  const logits = async (format: 'f32' | 'f16') => {
    const previous = setConv2dWeightFormat(format);
    try {
      // A deep VGG19 layer (14x14 here would be 2x2; the shape class is what matters) takes the Winograd forward,
      // whose transformed weights are the ones stored as f16.
      assert.is(conv2dKernelNames(gpu, [2, 2, 2, 512], [3, 3, 512, 512], { stride: [1, 1], pad: [1, 1, 1, 1] }).forward, 'winograd');
      const out = await runOnnx(gpu, model, { [g.input]: x });
      return toFloat32(out.get(g.output)!);
    } finally {
      setConv2dWeightFormat(previous);
    }
  };
  const f32 = await logits('f32');
  const f16 = await logits('f16');
  assert.is(f32.length, 2 * 1000);
  let worst = 0;
  let scale = 0;
  for (let i = 0; i < f32.length; i++) {
    worst = Math.max(worst, Math.abs(f16[i] - f32[i]));
    scale = Math.max(scale, Math.abs(f32[i]));
  }
  if (process.env.GRAFT_TEST_VERBOSE === '1') console.log(`f16 vs f32 logits: worst |diff| ${worst.toExponential(2)}, max |logit| ${scale.toFixed(3)}`);
  assert.ok(scale > 0.1, `logits too small for the comparison to mean anything (max ${scale})`);
  assert.ok(worst <= 1e-2, `f16 weights moved a logit by ${worst} (bound 1e-2; max |logit| ${scale})`);
  assert.ok(worst > 1e-6, `f16 weights changed no logit (worst ${worst}): the option did not take effect`);
});

test('GRAFT_WEIGHTS with an unknown value is refused with the accepted ones', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', "await import('./src/kernels/conv2d.ts')"], {
    env: { ...process.env, GRAFT_WEIGHTS: 'bf16' }, encoding: 'utf8',
  });
  assert.is.not(r.status, 0);
  assert.match(r.stderr, /GRAFT_WEIGHTS='bf16': expected 'f32' \(the default\) or 'f16'/);
});

test.run();
