// The command lines `npm run onnx -- info` and `npm run weights -- convert` run end to end in a child process
// (output, exit codes, nothing written on failure), and the zoo download's verification with a stubbed fetch
// (offline, wrong bytes, right bytes), so no test depends on the network.

import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { vgg19Model } from './helpers/onnx-models.ts';
import { OnnxBuilder } from '../src/onnx/builder.ts';
import { readSafetensors } from '../src/onnx/safetensors.ts';
import { DownloadError, downloadZooFile, type ZooFile } from '../src/onnx/download.ts';
import { WeightsError } from '../src/onnx/errors.ts';

const dir = mkdtempSync(join(tmpdir(), 'graft-onnx-cli-'));

function cli(script: string, ...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', `src/cli/${script}.ts`, ...args], { encoding: 'utf8', cwd: fileURLToPath(new URL('..', import.meta.url)) });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('onnx info prints opset, inputs, outputs with inferred shapes, operator counts, parameters', () => {
  const path = join(dir, 'vgg.onnx');
  vgg19Model({ width: 1 / 16, size: 64, classes: 10, batch: 'N' }).builder.save(path);
  const r = cli('onnx', 'info', path, '--batch', '3');
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /opset: ai\.onnx 7/);
  assert.match(r.out, /data {2}float32 \[N,3,64,64\]/);
  assert.match(r.out, /vgg0_dense2_fwd {2}float32 \[N,10\] {2}\(inferred \[3,10\]\)/);
  assert.match(r.out, /operators \(45 nodes\): Relu 18, Conv 16, MaxPool 5, Gemm 3, Dropout 2, Flatten 1/);
  assert.match(r.out, /parameters: 180,030 in 38 initializers/);
  assert.match(r.out, /unsupported: none/);
  // How train:kth --backbone onnx would cut it: the study's VGG cut, block 5's convolutions after pool4.
  assert.match(r.out, /as a backbone \(train:kth --backbone onnx\): at 64x64: frozen 12 convolutions to \w+ \(4x4x32\), tail vgg0_conv12\.\.vgg0_conv15 \(4 convolutions\) giving 4x4x32 features/);
});

test('onnx info lists unsupported operators; unreadable files exit non-zero with one line', () => {
  const path = join(dir, 'lrn.onnx');
  new OnnxBuilder({ opset: 13 })
    .input('x', 'float32', [1, 4, 8, 8])
    .node('Hardmax', ['x'], ['y'], {}, 'hardmax1')
    .node('Conv', ['y', 'y'], ['z'], { dilations: [2, 2] }, 'dilated')
    .output('z', 'float32', null)
    .save(path);
  const r = cli('onnx', 'info', path);
  assert.is(r.code, 0, r.err);
  assert.match(r.out, /unsupported \(2\):\n {4}node 'hardmax1' \(Hardmax\): operator not supported; supported: Conv/);
  assert.match(r.out, /node 'dilated' \(Conv\): dilations=\[2,2\]: value not supported; supported: dilations of 1/);
  assert.match(r.out, /as a backbone \(train:kth --backbone onnx\): not one: graft cannot run this model \(2 problems\), listed above\n/);
  const bad = cli('onnx', 'info', join(dir, 'missing.onnx'));
  assert.is(bad.code, 1);
  assert.match(bad.err, /^error: .*missing\.onnx: cannot read the file/);
  assert.not.match(bad.err, /\n\s+at /, 'no stack trace');
});

test('weights convert: strict refusal exits 1 and writes nothing; --any-width converts', () => {
  const src = join(dir, 'narrow.onnx');
  const out = join(dir, 'out.safetensors');
  vgg19Model({ width: 1 / 16, size: 64, classes: 10, batchNorm: true }).builder.save(src);
  const refused = cli('weights', 'convert', src, '--out', out);
  assert.is(refused.code, 1);
  assert.match(refused.err, /error: .*narrow\.onnx: not the VGG19 graft converts: tensor 'vgg0_conv0_weight' has shape \[4,3,3,3\], VGG19 needs \[64,3,3,3\]/);
  assert.not.ok(existsSync(out));
  const ok = cli('weights', 'convert', src, '--out', out, '--any-width');
  assert.is(ok.code, 0, ok.err);
  assert.match(ok.out, /38 tensors, 180,030 parameters from vgg19-bn-7/);
  const st = readSafetensors(out);
  assert.is(st.metadata.source_sha256, createHash('sha256').update(readFileSync(src)).digest('hex'));
  assert.is(st.metadata.batch_norm, 'folded into the preceding conv weights and biases');
});

function stubFetch(body: Uint8Array | Error): typeof fetch {
  return (async () => {
    if (body instanceof Error) throw body;
    return new Response(body, { status: 200, headers: { 'content-length': String(body.length) } });
  }) as typeof fetch;
}

test('download: offline is a DownloadError; wrong bytes are refused and removed; right bytes land in place', async () => {
  const content = new Uint8Array(3000).map((_, i) => i % 251);
  const zoo: ZooFile = { file: 'x.onnx', url: 'https://example.invalid/x.onnx', bytes: content.length, sha256: createHash('sha256').update(content).digest('hex') };
  const dest = join(dir, 'x.onnx');
  const offline = Object.assign(new TypeError('fetch failed'), { cause: { code: 'ENOTFOUND' } });
  await downloadZooFile(zoo, dest, { fetchImpl: stubFetch(offline) }).then(
    () => assert.unreachable('should fail'),
    (e) => assert.ok(e instanceof DownloadError && /could not reach example\.invalid \(ENOTFOUND\)/.test(e.message), e.message),
  );
  const altered = Uint8Array.from(content);
  altered[100] ^= 1;
  await downloadZooFile(zoo, dest, { fetchImpl: stubFetch(altered) }).then(
    () => assert.unreachable('should fail'),
    (e) => assert.ok(e instanceof WeightsError && !(e instanceof DownloadError) && /downloaded x\.onnx is 3000 bytes with SHA-256 [0-9a-f]{64}; the model zoo publishes 3000 bytes/.test(e.message), e.message),
  );
  assert.not.ok(existsSync(dest));
  assert.equal(readdirSync(dir).filter((f) => f.includes('.part-')), []);
  const seen: number[] = [];
  const r = await downloadZooFile(zoo, dest, { fetchImpl: stubFetch(content), onProgress: (got) => seen.push(got) });
  assert.is(r.sha256, zoo.sha256);
  assert.equal(readFileSync(dest), Buffer.from(content));
  assert.is(seen[seen.length - 1], 3000);
});

test.after(() => rmSync(dir, { recursive: true, force: true }));
test.run();
