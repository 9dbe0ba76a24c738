// Fetches the ONNX model zoo's VGG19 file and checks it against the size and SHA-256 the zoo publishes in its
// ONNX_HUB_MANIFEST.json (onnx/models), writing to a temporary name that is renamed only once the hash matches.
// The caller supplies progress reporting; the library prints nothing.

import { createHash } from 'node:crypto';
import { closeSync, openSync, renameSync, unlinkSync, writeSync } from 'node:fs';
import { WeightsError } from './errors.ts';

export interface ZooFile {
  file: string;
  url: string;
  bytes: number;
  sha256: string;
}

/** From onnx/models ONNX_HUB_MANIFEST.json, entry "VGG 19" (vision/classification/vgg/model/vgg19-7.onnx). */
export const ZOO_FILES: Record<string, ZooFile> = {
  vgg19: {
    file: 'vgg19-7.onnx',
    url: 'https://github.com/onnx/models/raw/main/validated/vision/classification/vgg/model/vgg19-7.onnx',
    bytes: 574677321,
    sha256: '692f9f927f1df1b89033787a77a73eac59fd9b3344f9ecdf0b13221e41c2046f',
  },
};

/** A network failure (offline, DNS, HTTP error), as opposed to a bad file. */
export class DownloadError extends WeightsError {}

export interface DownloadOptions {
  /** Called with bytes received so far and the total (0 when the server does not say). */
  onProgress?: (received: number, total: number) => void;
  fetchImpl?: typeof fetch;
}

/**
 * Downloads `zoo.url` to `dest`, verifying size and SHA-256 before renaming into place. Throws DownloadError when
 * the server cannot be reached or answers with an error, WeightsError when the file differs from the published one.
 */
export async function downloadZooFile(zoo: ZooFile, dest: string, opts: DownloadOptions = {}): Promise<{ sha256: string; bytes: number }> {
  const doFetch = opts.fetchImpl ?? fetch;
  let res: Response;
  try {
    res = await doFetch(zoo.url, { redirect: 'follow' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new DownloadError(`could not reach ${new URL(zoo.url).host} (${cause?.code ?? cause?.message ?? (e as Error).message})`);
  }
  if (!res.ok || !res.body) throw new DownloadError(`${zoo.url} answered HTTP ${res.status} ${res.statusText}`);
  const total = Number(res.headers.get('content-length') ?? 0);
  const tmp = `${dest}.part-${process.pid}`;
  const fd = openSync(tmp, 'w');
  const hash = createHash('sha256');
  let received = 0;
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      for (let at = 0; at < chunk.byteLength; ) at += writeSync(fd, chunk, at);
      received += chunk.byteLength;
      opts.onProgress?.(received, total || zoo.bytes);
    }
    closeSync(fd);
    const sha256 = hash.digest('hex');
    if (received !== zoo.bytes || sha256 !== zoo.sha256) {
      throw new WeightsError(`downloaded ${zoo.file} is ${received} bytes with SHA-256 ${sha256}; the model zoo publishes ${zoo.bytes} bytes, ${zoo.sha256} (interrupted or altered download)`);
    }
    renameSync(tmp, dest);
    return { sha256, bytes: received };
  } catch (e) {
    try { closeSync(fd); } catch { /* closed */ }
    try { unlinkSync(tmp); } catch { /* gone */ }
    if (e instanceof WeightsError) throw e;
    throw new DownloadError(`download of ${zoo.url} failed after ${received} bytes (${(e as Error).message})`);
  }
}
