// Records kernel dispatches into as few command buffers as possible and submits them in order.
//
// A training step records dozens of dispatches into one open compute pass; the pass is submitted when someone
// needs a result (a read, a sync), before an upload that could overtake recorded work, or every
// MAX_DISPATCHES_PER_SUBMIT dispatches so the GPU starts while JavaScript is still recording. Each batch runs
// inside error scopes, so a validation error names the kernels of its batch.
//
// Binding convention for every kernel in shaders/: @group(0) @binding(0) is the uniform `Params` struct,
// @binding(1..n) are the storage buffers in the order the dispatch lists them.

import type { Kernel } from './pipelines.ts';
import type { BufferPool } from './pool.ts';
import { fmtBytes } from './pool.ts';
import { ErrorTracker } from './error-scope.ts';
import { GpuLimitError } from './errors.ts';
import { gpuWait } from './wait.ts';

const MAX_DISPATCHES_PER_SUBMIT = 48;

/**
 * A whole buffer, a byte range of one (tensors bind exactly their own bytes, not their pooled size class), or a
 * texture view (the conv kernels read weights and activations as read-only storage textures, which are cheaper
 * than storage-buffer loads on software drivers).
 */
export type Binding = GPUBuffer | { buffer: GPUBuffer; size: number; offset?: number } | GPUTextureView;

export interface Dispatch {
  kernel: Kernel;
  /** What this dispatch computes, with shapes, for error messages ("conv2d x[8,224,224,3] w[3,3,3,64]"). */
  what: string;
  /** The bytes of the kernel's `Params` uniform (binding 0). */
  params: ArrayBuffer | ArrayBufferView;
  /** Storage buffers for bindings 1..n. */
  buffers: Binding[];
  /** Workgroup counts; each must be at most maxComputeWorkgroupsPerDimension. */
  workgroups: readonly [number, number?, number?];
}

export class CommandBatcher {
  private encoder: GPUCommandEncoder | undefined;
  private pass: GPUComputePassEncoder | undefined;
  private closeScope: ((what: () => string) => void) | undefined;
  private batchUniforms: GPUBuffer[] = [];
  private batchKernels: string[] = [];
  private dispatchesInBatch = 0;
  readonly errors: ErrorTracker;
  /**
   * The last write recorded into each buffer, as a stamp from a counter that only grows: every dispatch that binds a
   * buffer to a writable binding, every copy, clear and upload into it, takes a new stamp. Caches of data derived
   * from a buffer (the conv kernels' packed weight textures) compare stamps to know they are still current.
   */
  private readonly writeStamps = new WeakMap<GPUBuffer, number>();
  private nextStamp = 1;
  /** Counters for tests and the bench: how many dispatches and submits were made, per kernel name. */
  readonly counts = { dispatches: 0, submits: 0, byKernel: new Map<string, number>() };

  constructor(
    private readonly device: GPUDevice,
    private readonly pool: BufferPool,
    private readonly limits: Readonly<Record<string, number>>,
    private readonly assertAlive: () => void,
    errors: ErrorTracker,
  ) {
    this.errors = errors;
  }

  /** Records one dispatch (nothing runs until the batch is submitted). */
  dispatch(d: Dispatch): void {
    this.assertAlive();
    this.errors.throwIfKnown();
    const maxGroups = this.limits.maxComputeWorkgroupsPerDimension ?? 65535;
    const [x, y = 1, z = 1] = d.workgroups;
    if (x > maxGroups || y > maxGroups || z > maxGroups) {
      throw new GpuLimitError(
        `${d.what}: needs ${x}x${y}x${z} workgroups, past this adapter's ${maxGroups} per dimension`,
      );
    }
    if (x === 0 || y === 0 || z === 0) return;
    const maxBinding = this.limits.maxStorageBufferBindingSize;
    const entries: GPUBindGroupEntry[] = [];
    const paramBytes = d.params.byteLength;
    const uniform = this.pool.acquire(
      Math.max(16, paramBytes),
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
      `${d.kernel.name}.params`,
    );
    this.device.queue.writeBuffer(uniform, 0, asBytes(d.params));
    entries.push({ binding: 0, resource: { buffer: uniform, size: Math.ceil(paramBytes / 16) * 16 } });
    d.buffers.forEach((b, i) => {
      if (b instanceof GPUTextureView) {
        entries.push({ binding: i + 1, resource: b });
        return;
      }
      const resource = b instanceof GPUBuffer ? { buffer: b } : { buffer: b.buffer, size: b.size, offset: b.offset ?? 0 };
      const size = resource.size ?? resource.buffer.size;
      if (size > maxBinding) {
        throw new GpuLimitError(
          `${d.what}: binding ${i + 1} is ${fmtBytes(size)}, past this adapter's maxStorageBufferBindingSize of ` +
            `${fmtBytes(maxBinding)}. Use a smaller batch (training splits batches into chunks that fit).`,
        );
      }
      entries.push({ binding: i + 1, resource });
      if (d.kernel.writes.has(i + 1)) this.stamp(resource.buffer);
    });

    const pass = this.openPass();
    const bindGroup = this.device.createBindGroup({ layout: d.kernel.layout, entries, label: d.kernel.name });
    pass.setPipeline(d.kernel.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(x, y, z);
    this.batchUniforms.push(uniform);
    this.batchKernels.push(d.what);
    this.dispatchesInBatch++;
    this.counts.dispatches++;
    this.counts.byKernel.set(d.kernel.name, (this.counts.byKernel.get(d.kernel.name) ?? 0) + 1);
    if (this.dispatchesInBatch >= MAX_DISPATCHES_PER_SUBMIT) this.flush();
  }

  /** Records a buffer-to-buffer copy in order with the dispatches. */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, bytes: number): void {
    this.openEncoder();
    this.endPass();
    this.encoder!.copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
    this.stamp(dst);
  }

  /**
   * Records a copy of `height` rows of a buffer (`bytesPerRow` apart, a multiple of 256) into the top-left
   * `width` x `height` texels of a 2-D texture, in order with the dispatches (kernels that read weights as textures).
   */
  copyBufferToTexture(src: GPUBuffer, srcOffset: number, bytesPerRow: number, dst: GPUTexture, width: number, height: number): void {
    this.openEncoder();
    this.endPass();
    this.encoder!.copyBufferToTexture({ buffer: src, offset: srcOffset, bytesPerRow }, { texture: dst }, { width, height });
  }

  /** Records zero-filling of a byte range, in order with the dispatches. */
  clear(buffer: GPUBuffer, offset: number, bytes: number): void {
    this.openEncoder();
    this.endPass();
    this.encoder!.clearBuffer(buffer, offset, Math.ceil(bytes / 4) * 4);
    this.stamp(buffer);
  }

  /** Uploads bytes. Recorded work is submitted first, so the write cannot overtake it in the queue. */
  write(buffer: GPUBuffer, offset: number, data: ArrayBufferView): void {
    this.assertAlive();
    if (this.encoder) this.flush();
    this.device.queue.writeBuffer(buffer, offset, asBytes(data));
    this.stamp(buffer);
  }

  /** The stamp of the last write recorded into this buffer (0: none recorded). */
  lastWrite(buffer: GPUBuffer): number {
    return this.writeStamps.get(buffer) ?? 0;
  }

  private stamp(buffer: GPUBuffer): void {
    this.writeStamps.set(buffer, this.nextStamp++);
  }

  /** Submits the recorded work, if any. */
  flush(): void {
    if (!this.encoder) return;
    this.endPass();
    const commands = this.encoder.finish();
    this.device.queue.submit([commands]);
    const kernels = this.batchKernels;
    this.closeScope!(() => describeBatch(kernels));
    for (const u of this.batchUniforms) this.pool.release(u);
    this.encoder = undefined;
    this.closeScope = undefined;
    this.batchUniforms = [];
    this.batchKernels = [];
    this.dispatchesInBatch = 0;
    this.counts.submits++;
  }

  /** Copies `bytes` bytes of `buffer` back to the CPU (submits and waits). */
  async read(buffer: GPUBuffer, offset: number, bytes: number): Promise<ArrayBuffer> {
    const aligned = Math.ceil(bytes / 4) * 4;
    const staging = this.pool.acquire(aligned, GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST, 'readback');
    this.copy(buffer, offset, staging, 0, aligned);
    this.flush();
    try {
      await gpuWait(staging.mapAsync(GPUMapMode.READ, 0, aligned));
      const out = staging.getMappedRange(0, aligned).slice(0, bytes);
      staging.unmap();
      return out;
    } finally {
      this.pool.release(staging);
      await this.checkErrors();
    }
  }

  async checkErrors(): Promise<void> {
    await this.errors.check();
  }

  private openEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      this.closeScope = this.errors.open();
      this.encoder = this.device.createCommandEncoder({ label: 'graft.batch' });
    }
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    const encoder = this.openEncoder();
    this.pass ??= encoder.beginComputePass({ label: 'graft.pass' });
    return this.pass;
  }

  private endPass(): void {
    this.pass?.end();
    this.pass = undefined;
  }
}

function describeBatch(kernels: string[]): string {
  const shown = kernels.slice(0, 6).join('; ');
  return kernels.length > 6 ? `a batch of ${kernels.length} dispatches (${shown}; ...)` : `a batch running ${shown}`;
}

/** A byte view (writeBuffer counts offsets in elements for typed arrays, in bytes only for byte arrays). */
function asBytes(data: ArrayBuffer | ArrayBufferView): Uint8Array {
  return ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}
