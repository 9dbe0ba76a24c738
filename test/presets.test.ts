// Training presets and the stage-3 changes a user may make from the command line.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PRESETS, withInputSize, withStage3Changes } from '../src/train/presets.ts';

test('stage-3 changes replace only what was given, and the preset says what changed', () => {
  const cpu = PRESETS.cpu;
  const changed = withStage3Changes(cpu, { lr: 1e-4, epochs: 8 });
  assert.is(changed.stage3.optimizer.lr, 1e-4);
  assert.is(changed.stage3.epochs, 8);
  assert.is(changed.stage3.patience, cpu.stage3.patience);
  assert.equal(changed.stage3.optimizer.kind, cpu.stage3.optimizer.kind);
  assert.is(changed.changes, 'stage 3: lr 0.0001, epochs 8');
  assert.is(cpu.stage3.optimizer.lr, 1e-3, 'the preset itself is not modified');
  assert.is(withStage3Changes(cpu, {}), cpu, 'no changes: the same preset');
});

test('stage-3 changes that make no sense are refused', () => {
  assert.throws(() => withStage3Changes(PRESETS.cpu, { lr: 0 }), /learning rate 0: must be a positive number/);
  assert.throws(() => withStage3Changes(PRESETS.cpu, { lr: Number('abc') }), /learning rate NaN/);
  assert.throws(() => withStage3Changes(PRESETS.cpu, { epochs: 2.5 }), /epochs 2.5: must be a whole number/);
  assert.throws(() => withStage3Changes(PRESETS.cpu, { patience: 0 }), /patience 0/);
});

test('another input size: a multiple of 32, recorded beside the stage-3 changes', () => {
  const p = withStage3Changes(withInputSize(PRESETS.cpu, 128), { lr: 1e-4 });
  assert.is(p.inputSize, 128);
  assert.is(p.changes, 'input 128x128; stage 3: lr 0.0001');
  assert.is(withInputSize(PRESETS.cpu, PRESETS.cpu.inputSize), PRESETS.cpu, 'the preset\'s own size changes nothing');
  assert.is(withInputSize(PRESETS.cpu, undefined), PRESETS.cpu);
  assert.throws(() => withInputSize(PRESETS.cpu, 150), /input size 150: must be a multiple of 32/);
});

test.run();
