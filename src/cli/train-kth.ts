// `npm run train:kth`: the study's three stages on KTH-ANIMALS (or any folder of class folders). Thin: parses
// arguments, picks the preset and backbone, runs src/train/study.ts, prints where the report is.

import { Command, Option } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { getGpu } from '../gpu/device.ts';
import { writeFileAtomic } from '../train/checkpoint-io.ts';
import { PRESETS, defaultPreset, withInputSize, withStage3Changes } from '../train/presets.ts';
import { runStudy } from '../train/study.ts';
import { listImageFolder } from '../train/data/loader.ts';
import { BACKBONES, loadBackbone } from '../train/backbones/index.ts';
import type { StageNumber } from '../train/report.ts';
import { runCli } from './run-cli.ts';

interface Options {
  data?: string;
  backbone: string;
  weights?: string;
  preset?: 'paper' | 'cpu';
  stages: string;
  out?: string;
  resume?: string;
  seed: string;
  inputSize?: string;
  stage3Lr?: string;
  stage3Epochs?: string;
  stage3Patience?: string;
}

const program = new Command('train:kth')
  .description("Reproduce the study's three stages (benchmark CNN, top model on bottleneck features, fine-tuning) on a folder of photos")
  .option('--data <dir>', 'photos, one folder per class (KTH layout <class>/original/*.jpg too); default $KTH_ANIMALS_DIR, then ./data/kth-animals')
  .addOption(new Option('--backbone <name>', 'pretrained base for stages 2-3').choices([...BACKBONES]).default('vgg19'))
  .option('--weights <file>', 'weights file for the backbone (vgg19: default weights/vgg19.safetensors; onnx: the model, e.g. a torchvision ResNet exported to ONNX)')
  .addOption(new Option('--preset <name>', "'paper' (224x224, the study's epochs) or 'cpu' (completes on a 2-core CPU); default by adapter").choices(['paper', 'cpu']))
  .option('--stages <list>', 'stages to run', '1,2,3')
  .option('--out <dir>', 'run folder (default runs/<date>-<backbone>-<preset>)')
  .option('--resume <dir>', 'continue a killed run from its folder, with its saved settings')
  .option('--seed <n>', 'seed of the split, initialisation, shuffles and augmentation', '2017')
  .option('--input-size <n>', "image side in pixels, a multiple of 32 (default: the preset's, 224 or 160)")
  .option('--stage3-lr <x>', "fine-tuning learning rate (default: the preset's)")
  .option('--stage3-epochs <n>', "most fine-tuning epochs (default: the preset's)")
  .option('--stage3-patience <n>', "fine-tuning epochs without a better validation loss before stopping (default: the preset's)");

runCli(async () => {
  program.parse();
  let o = program.opts<Options>();
  if (o.resume) {
    const saved = join(o.resume, 'run.json');
    if (!existsSync(saved)) throw new Error(`--resume ${o.resume}: no run.json there (not a graft run folder)`);
    o = { ...(JSON.parse(readFileSync(saved, 'utf8')) as Options), resume: o.resume, out: o.resume };
  }
  // The data and the stages are checked before the GPU starts and before the run folder is made, so a mistyped
  // --data costs a second and leaves no empty run behind.
  const dataDir = resolve(o.data ?? process.env.KTH_ANIMALS_DIR ?? 'data/kth-animals');
  listImageFolder(dataDir, { kth: true });
  const stages = o.stages.split(',').map((s) => Number(s.trim())) as StageNumber[];
  if (stages.some((s) => ![1, 2, 3].includes(s))) throw new Error(`--stages ${o.stages}: use a list of 1, 2, 3`);
  const gpu = await getGpu();
  const presetName = o.preset ?? defaultPreset(gpu.adapter.isSoftware);
  if (!o.preset) {
    process.stderr.write(`preset '${presetName}' (${gpu.adapter.isSoftware ? 'software adapter: the CPU preset' : 'hardware adapter'}); --preset paper|cpu to choose\n`);
  }
  const number = (v: string | undefined) => (v === undefined ? undefined : Number(v));
  const preset = withStage3Changes(withInputSize(PRESETS[presetName], number(o.inputSize)), {
    lr: number(o.stage3Lr), epochs: number(o.stage3Epochs), patience: number(o.stage3Patience),
  });
  const runDir = resolve(o.out ?? join('runs', `${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}-${o.backbone}-${presetName}`));
  // The backbone is read before the run folder is made: a corrupt or unsupported model file leaves no run behind.
  const backbone = stages.some((s) => s > 1) ? await loadBackbone(gpu, o.backbone, o.weights, preset.inputSize) : { missing: 'stages 2-3 not asked for' };
  writeFileAtomic(join(runDir, 'run.json'), JSON.stringify({ ...o, preset: presetName, inputSize: preset.inputSize, data: dataDir, out: runDir, resume: undefined }, null, 2));
  if ('missing' in backbone && stages.some((s) => s > 1)) process.stderr.write(`stages 2-3 will be skipped: ${backbone.missing}\n`);
  const { report } = await runStudy(gpu, {
    dataDir,
    runDir,
    preset,
    stages,
    seed: Number(o.seed),
    resume: Boolean(o.resume),
    backbone,
    kth: true,
  });
  process.stdout.write(`report: ${join(runDir, 'report.md')}\nresults: ${join(runDir, 'results.json')}\n`);
  void report;
});
