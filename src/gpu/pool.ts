// A pool of GPU storage buffers, so that a training step reuses the memory of the previous one instead of
// creating and destroying buffers every time.
//
// Buffers are grouped into size classes (multiples of 256 bytes up to 1 MiB, then steps of 1/8 of a power of
// two: at most 12.5% unused). Reusing a released buffer right away is safe because every use of it goes through
// the one queue in order; the batcher makes sure an upload never overtakes recorded-but-unsubmitted work.

import { GpuLimitError } from './errors.ts';

/** Rounds a byte count up to its size class. */
export function sizeClass(bytes: number): number {
  const b = Math.max(256, Math.ceil(bytes / 256) * 256);
  if (b <= 1 << 20) return b;
  const step = 2 ** Math.floor(Math.log2(b)) / 8;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private readonly free = new Map<string, GPUBuffer[]>();
  private liveBytes = 0;
  private pooledBytes = 0;
  private peak = 0;

  constructor(
    private readonly device: GPUDevice,
    private readonly maxBufferSize: number,
  ) {}

  /** A buffer of at least `bytes` bytes (contents undefined) with the given usage. */
  acquire(bytes: number, usage: number, label: string): GPUBuffer {
    const size = sizeClass(bytes);
    if (size > this.maxBufferSize) {
      throw new GpuLimitError(
        `${label}: a buffer of ${fmtBytes(bytes)} exceeds this adapter's maxBufferSize of ${fmtBytes(this.maxBufferSize)}. ` +
          'Use a smaller batch or input size.',
      );
    }
    const key = `${usage}:${size}`;
    const list = this.free.get(key);
    let buffer = list?.pop();
    if (buffer) {
      this.pooledBytes -= size;
      buffer.label = label;
    } else {
      buffer = this.device.createBuffer({ size, usage, label });
    }
    this.liveBytes += size;
    this.peak = Math.max(this.peak, this.liveBytes);
    return buffer;
  }

  /** Returns a buffer for reuse. The caller must not touch it afterwards. */
  release(buffer: GPUBuffer): void {
    const key = `${buffer.usage}:${buffer.size}`;
    let list = this.free.get(key);
    if (!list) this.free.set(key, (list = []));
    list.push(buffer);
    this.liveBytes -= buffer.size;
    this.pooledBytes += buffer.size;
  }

  /** Destroys every buffer waiting in the pool (e.g. between training stages of very different shapes). */
  trim(): void {
    for (const list of this.free.values()) for (const b of list) b.destroy();
    this.free.clear();
    this.pooledBytes = 0;
  }

  stats(): { liveBytes: number; pooledBytes: number; peakBytes: number } {
    return { liveBytes: this.liveBytes, pooledBytes: this.pooledBytes, peakBytes: this.peak };
  }
}

export function fmtBytes(bytes: number): string {
  if (bytes >= 1 << 30) return `${(bytes / (1 << 30)).toFixed(2)} GiB`;
  if (bytes >= 1 << 20) return `${(bytes / (1 << 20)).toFixed(1)} MiB`;
  if (bytes >= 1 << 10) return `${(bytes / (1 << 10)).toFixed(1)} KiB`;
  return `${bytes} B`;
}
