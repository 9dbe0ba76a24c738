// `npm run cam:demo`: the class-activation-map demo shown in the README, made from pictures anyone may share.
// KTH-ANIMALS photos may not be redistributed (see the data folder's README), so the README's overlay is of a
// generated picture: a coloured shape (disc, square, triangle or ring: the four classes) at a random place and
// size on a noisy textured background, with its mask in the KTH layout. The demo then runs what a user runs:
//   npm run train:kth -- --data DIR --backbone resnet50 --stages 2   (the top model on real ImageNet features)
//   npm run cam -- --run RUN --image <a test picture> --out docs/cam-demo.png
//   npm run cam -- --run RUN --images <test pictures> --out docs/cam-demo-grid.png
//   npm run cam -- --score RUN --data DIR                               (localisation against the masks)
// Takes a few minutes on a 2-core machine with the software driver (ResNet50 features of ~300 pictures).
//
//   npm run cam:demo [-- --dir runs/cam-demo] [-- --per-class 40]

import { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PNG } from 'pngjs';
import { Rng } from '../src/util/rng.ts';

const SIDE = 160;
const CLASSES = ['disc', 'square', 'triangle', 'ring'] as const;
type Shape = (typeof CLASSES)[number];

/** Whether pixel (x, y) lies in the shape centred at (cx, cy) with radius r. */
function inside(shape: Shape, x: number, y: number, cx: number, cy: number, r: number): boolean {
  const dx = x - cx;
  const dy = y - cy;
  switch (shape) {
    case 'disc':
      return dx * dx + dy * dy <= r * r;
    case 'square':
      return Math.abs(dx) <= r * 0.85 && Math.abs(dy) <= r * 0.85;
    case 'triangle':
      // apex up: inside when below the two slanted sides and above the base
      return dy <= r * 0.7 && dy >= -r + 2 * Math.abs(dx) * 0.9;
    case 'ring': {
      const d = Math.sqrt(dx * dx + dy * dy);
      return d <= r && d >= r * 0.55;
    }
  }
}

/** One picture and its mask (KTH layout: photo RGB, mask white on black). */
function makePicture(shape: Shape, rng: Rng): { photo: Buffer; mask: Buffer } {
  const photo = new PNG({ width: SIDE, height: SIDE });
  const mask = new PNG({ width: SIDE, height: SIDE });
  const r = rng.uniform(SIDE * 0.12, SIDE * 0.22);
  const cx = rng.uniform(r + 4, SIDE - r - 4);
  const cy = rng.uniform(r + 4, SIDE - r - 4);
  const colour = [rng.uniform(60, 255), rng.uniform(60, 255), rng.uniform(60, 255)];
  // A background of soft stripes at a random angle and noise, so the shape is not the only thing in the picture.
  const angle = rng.uniform(0, Math.PI);
  const base = [rng.uniform(40, 160), rng.uniform(40, 160), rng.uniform(40, 160)];
  for (let y = 0; y < SIDE; y++) {
    for (let x = 0; x < SIDE; x++) {
      const o = (y * SIDE + x) * 4;
      const hit = inside(shape, x, y, cx, cy, r);
      const stripe = 25 * Math.sin((x * Math.cos(angle) + y * Math.sin(angle)) / 6);
      for (let k = 0; k < 3; k++) {
        const v = hit ? colour[k] + rng.uniform(-15, 15) : base[k] + stripe + rng.uniform(-30, 30);
        photo.data[o + k] = Math.max(0, Math.min(255, Math.round(v)));
        mask.data[o + k] = hit ? 255 : 0;
      }
      photo.data[o + 3] = 255;
      mask.data[o + 3] = 255;
    }
  }
  return { photo: PNG.sync.write(photo), mask: PNG.sync.write(mask) };
}

function run(args: string[]): void {
  process.stderr.write(`$ npm run ${args.join(' ')}\n`);
  const r = spawnSync('npm', ['run', '-s', ...args], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`npm run ${args.join(' ')} failed (exit ${r.status})`);
}

const program = new Command('cam:demo')
  .description('Generate shape pictures, train a top model on ResNet50 features, and draw its class activation maps')
  .option('--dir <dir>', 'where the pictures and the run go', 'runs/cam-demo')
  .option('--per-class <n>', 'pictures per class', '60')
  .option('--seed <n>', 'seed of the pictures', '7');
program.parse();
const o = program.opts<{ dir: string; perClass: string; seed: string }>();
const dir = resolve(o.dir);
const data = join(dir, 'pictures');
const runDir = join(dir, 'run');
rmSync(dir, { recursive: true, force: true });
const rng = new Rng(Number(o.seed));
for (const shape of CLASSES) {
  mkdirSync(join(data, shape, 'original'), { recursive: true });
  mkdirSync(join(data, shape, 'segment'), { recursive: true });
  for (let i = 0; i < Number(o.perClass); i++) {
    const { photo, mask } = makePicture(shape, rng);
    writeFileSync(join(data, shape, 'original', `${i}.png`), photo);
    writeFileSync(join(data, shape, 'segment', `${i}.png`), mask);
  }
}
run(['train:kth', '--', '--data', data, '--backbone', 'resnet50', '--stages', '2', '--out', runDir]);
// A few of the run's test pictures (its split.json names them) for the overlay and the grid.
const split = JSON.parse(readFileSync(join(runDir, 'split.json'), 'utf8')) as { test: string[] };
const testFiles = split.test.map((f) => (f.startsWith('/') ? f : join(data, f)));
const gridDir = join(dir, 'grid');
mkdirSync(gridDir, { recursive: true });
for (const f of testFiles.slice(0, 8)) copyFileSync(f, join(gridDir, f.split('/').slice(-3).join('-')));
mkdirSync('docs', { recursive: true });
run(['cam', '--', '--run', runDir, '--image', testFiles[0], '--out', 'docs/cam-demo.png']);
run(['cam', '--', '--run', runDir, '--images', gridDir, '--out', 'docs/cam-demo-grid.png']);
run(['cam', '--', '--score', runDir, '--data', data]);
