// The bench's cross-check, run as a test: on small workloads (one conv forward and backward, a tiny conv stack
// with a stride-2 asymmetrically padded conv, two training steps of a tiny conv stack + head, two steps of a
// head alone) every engine's outputs agree with graft's, engines that cannot run a workload say so, and the
// check does catch a wrong output. No timing.
// Also pins the FLOP count the bench reports for VGG19's conv base against an independent sum.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { testGpu } from './helpers/gpu.ts';
import { compareOutputs } from '../bench/check.ts';
import { QUICK_POLICY, runEngine, type EngineRun } from '../bench/harness.ts';
import { createEngines, ENGINE_IDS } from '../bench/peers/index.ts';
import { makeData } from '../bench/workloads/data.ts';
import { stackForward } from '../bench/workloads/flops.ts';
import { conv3, forwardWorkload, pool2, quickWorkloads, trainWorkload, vgg19ConvBase } from '../bench/workloads/index.ts';
import type { Workload } from '../bench/workloads/types.ts';

function smallWorkloads(): Workload[] {
  const convs = quickWorkloads().filter((w) => w.id === 'conv-16x32-fwd-b1' || w.id === 'conv-16x32-bwd-b1');
  return [
    ...convs,
    // stride 2 with TensorFlow-style 'same' padding (extra row and column at the bottom and right): checks that
    // every engine's padding convention is converted right
    forwardWorkload('stack-tiny', 'tiny conv stack', 2, [12, 12, 3], [
      conv3(3, 8), { kind: 'conv', cin: 8, cout: 8, k: 3, stride: 2, pad: [0, 0, 1, 1], relu: true }, pool2, conv3(8, 16),
    ], true),
    trainWorkload('train-tiny', 'finetune', 'tiny conv stack + head, 2 steps', 2, 2, [6, 6, 8], [conv3(8, 8), conv3(8, 8), pool2], 5, true),
    trainWorkload('head-tiny', 'top', 'head alone, 2 steps', 4, 2, [4, 4, 16], [], 5, true),
  ];
}

/** What each engine is known not to support, by workload kind: anything else must run and agree. */
function expectedUnsupported(engine: string, kind: string, hasConv: boolean): boolean {
  if (engine === 'ort-cpu') return kind === 'convGrad';
  if (engine === 'tfjs-wasm') return kind === 'convGrad' || (kind === 'train' && hasConv);
  // graft-f16 differs from graft only in forward convolutions
  if (engine === 'graft-f16') return kind === 'convGrad' || (kind === 'train' && !hasConv);
  return false;
}

test('VGG19 conv base FLOP count matches an independent sum (39.02 GFLOP in convolutions)', () => {
  // (spatial size, Cin, Cout) of VGG19's 16 3x3 convolutions at 224x224
  const convs: Array<[number, number, number]> = [
    [224, 3, 64], [224, 64, 64], [112, 64, 128], [112, 128, 128],
    [56, 128, 256], [56, 256, 256], [56, 256, 256], [56, 256, 256],
    [28, 256, 512], [28, 512, 512], [28, 512, 512], [28, 512, 512],
    [14, 512, 512], [14, 512, 512], [14, 512, 512], [14, 512, 512],
  ];
  const expected = convs.reduce((s, [hw, cin, cout]) => s + 2 * hw * hw * cout * 9 * cin, 0);
  const f = stackForward(1, [224, 224, 3], vgg19ConvBase());
  assert.is(f.matrix, expected);
  assert.ok(Math.abs(f.matrix / 1e9 - 39.02) < 0.01, `${f.matrix}`);
});

test('every engine agrees with graft on small workloads, and the check catches a wrong output', async () => {
  const gpu = await testGpu();
  const { engines, failed } = await createEngines(gpu, new Set(ENGINE_IDS));
  assert.equal(failed, [], `engines that failed to start: ${failed.map((f) => `${f.id}: ${f.error}`).join('; ')}`);
  assert.equal(engines.map((e) => e.id).sort(), [...ENGINE_IDS].sort());
  const workloads = smallWorkloads();
  assert.is(workloads.length, 5);

  for (const w of workloads) {
    const data = makeData(w);
    const graft = await runEngine(engines[0], w, data, null, QUICK_POLICY, { timeIt: false });
    assert.is(graft.status, 'reference', `${w.id}: graft: ${graft.reason}`);
    const reference = graft.outputs!;
    const hasConv = w.kind === 'train' && w.layers.some((l) => l.kind === 'conv');
    const runs: EngineRun[] = [];
    for (const engine of engines.slice(1)) {
      const r = await runEngine(engine, w, data, reference, QUICK_POLICY, { timeIt: false });
      runs.push(r);
      if (expectedUnsupported(engine.id, w.kind, hasConv)) {
        assert.is(r.status, 'unsupported', `${w.id} / ${engine.id}: expected unsupported, got ${r.status} ${r.reason ?? ''}`);
      } else {
        assert.is(r.status, 'ok', `${w.id} / ${engine.id}: ${r.status}: ${r.check?.detail ?? r.reason}`);
      }
    }

    // Negative control: one output off by 1% of its scale at a single element must fail the check.
    const peer = runs.find((r) => r.status === 'ok' && !r.engine.forwardOnly) ?? runs.find((r) => r.status === 'ok')!;
    const key = Object.keys(peer.outputs!).find((k) => k !== 'loss')!;
    const bad = { ...peer.outputs!, [key]: Float32Array.from(peer.outputs![key]) };
    const values = bad[key];
    const scale = values.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    // For trained weights the check compares changes, which are tiny: perturb by the change's scale instead.
    const before = key === 'conv0.w' ? data.convs[0].w : key === 'dense.w' ? data.dense!.w : null;
    const changeScale = before ? values.reduce((m, v, i) => Math.max(m, Math.abs(v - before[i])), 0) : scale;
    values[values.length >> 1] += 0.01 * changeScale;
    const verdict = compareOutputs(w, data, reference, bad, peer.engine.forwardOnly);
    assert.not.ok(verdict.ok, `${w.id}: a perturbed ${key} passed the check (${verdict.detail})`);
  }
});

test.run();
