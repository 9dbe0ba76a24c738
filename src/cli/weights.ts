// `npm run weights -- <verb>`: getting VGG19 ImageNet weights into graft's format. Thin: parses arguments, calls
// src/onnx, prints.
//   convert FILE.onnx [--out weights/vgg19.safetensors]   zoo vgg19-7, vgg19-bn-7 or caffe2 VGG19 -> safetensors
//   download vgg19                                         fetch the zoo file (SHA-256 checked), then convert it

import { Command, Option } from 'commander';
import cliProgress from 'cli-progress';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { convertVgg19File } from '../onnx/vgg19-convert.ts';
import { DownloadError, downloadZooFile, ZOO_FILES } from '../onnx/download.ts';
import { GraftError } from '../gpu/errors.ts';
import { runCli } from './run-cli.ts';

const WEIGHTS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'weights');
const DEFAULT_OUT = join(WEIGHTS_DIR, 'vgg19.safetensors');
const show = (p: string) => relative(process.cwd(), p) || p;

function convert(file: string, opts: { out: string; anyWidth?: boolean }): void {
  mkdirSync(dirname(opts.out), { recursive: true });
  const started = Date.now();
  const r = convertVgg19File(file, opts.out, { strict: !opts.anyWidth });
  console.log(`${show(r.out)}: ${r.tensors} tensors, ${r.parameters.toLocaleString('en-US')} parameters from ${r.variant}`);
  console.log(`  source SHA-256 ${r.sha256}; ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

async function download(name: string, opts: { out: string }): Promise<void> {
  const zoo = ZOO_FILES[name];
  if (!zoo) throw new GraftError(`unknown model '${name}'; available: ${Object.keys(ZOO_FILES).join(', ')}`);
  mkdirSync(WEIGHTS_DIR, { recursive: true });
  const dest = join(WEIGHTS_DIR, zoo.file);
  if (existsSync(dest) && (await sha256Of(dest)) === zoo.sha256) {
    console.log(`${show(dest)} is already here and matches the model zoo's SHA-256`);
  } else {
    const bar = new cliProgress.SingleBar({
      format: `${zoo.file} [{bar}] {percentage}% | {value}/{total} MB | ETA {eta_formatted}`,
    }, cliProgress.Presets.shades_classic);
    bar.start(Math.round(zoo.bytes / 1e6), 0);
    try {
      await downloadZooFile(zoo, dest, { onProgress: (got) => bar.update(Math.round(got / 1e6)) });
    } catch (e) {
      if (e instanceof DownloadError) {
        throw new GraftError(
          `${e.message}.\nWithout internet access: get ${zoo.file} (${zoo.bytes.toLocaleString('en-US')} bytes, SHA-256 ${zoo.sha256})\n` +
          `from ${zoo.url} on another machine, put it at ${show(dest)}, and run:\n  npm run weights -- convert ${show(dest)}`,
        );
      }
      throw e;
    } finally {
      bar.stop();
    }
    console.log(`${show(dest)}: SHA-256 verified`);
  }
  convert(dest, { out: opts.out });
}

const program = new Command('weights').description('Get pretrained weights into graft\'s format (weights/README.md).').showHelpAfterError();
program
  .command('convert')
  .description('Convert an ONNX VGG19 (model zoo vgg19-7, vgg19-bn-7, or caffe2 names) to graft\'s safetensors weights.')
  .argument('<file>', 'the ONNX model, e.g. vgg19-7.onnx')
  .addOption(new Option('--out <path>', 'where to write the weights').default(DEFAULT_OUT, 'weights/vgg19.safetensors'))
  .option('--any-width', 'accept VGG19-structured models of any width, input size and class count (tests, experiments)')
  .action(convert);
program
  .command('download')
  .description('Download a model zoo file into weights/, check its SHA-256, and convert it.')
  .argument('<model>', `one of: ${Object.keys(ZOO_FILES).join(', ')}`)
  .addOption(new Option('--out <path>', 'where to write the converted weights').default(DEFAULT_OUT, 'weights/vgg19.safetensors'))
  .action(download);

runCli(async () => {
  await program.parseAsync();
});
