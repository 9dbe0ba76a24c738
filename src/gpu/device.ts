// The WebGPU adapter and device: finding one (Dawn through the npm package `webgpu`), asking for the adapter's
// real limits and features, and reporting validation errors and device loss as exceptions that name the kernel.
//
// One `Gpu` per process (getGpu). It owns the pipeline cache, the buffer pool and the command batcher; kernels
// (src/kernels) call `gpu.dispatch`, and nothing here knows any op.

import { create, globals } from 'webgpu';
import { BufferPool } from './pool.ts';
import { PipelineCache } from './pipelines.ts';
import { CommandBatcher } from './batcher.ts';
import { adoptAdapterWaitPolicy, gpuWait } from './wait.ts';
import { GpuUnavailableError } from './errors.ts';
import { ErrorTracker } from './error-scope.ts';

export interface GpuOptions {
  /** Dawn backend: vulkan, metal, d3d12, d3d11, opengl, opengles, null. Default: $GRAFT_BACKEND, else Dawn's choice. */
  backend?: string;
  /** Substring of the adapter description to pick (case-insensitive). Default: $GRAFT_ADAPTER. */
  adapter?: string;
  /** 'high-performance' (default) or 'low-power'. */
  powerPreference?: GPUPowerPreference;
  /** Do not print the adapter line to stderr. Default: $GRAFT_QUIET === '1'. */
  quiet?: boolean;
}

export interface AdapterDescription {
  vendor: string;
  device: string;
  description: string;
  architecture: string;
  backend: string;
  /** True for CPU implementations (llvmpipe, SwiftShader, WARP): figures mean "this CPU", not "a GPU". */
  isSoftware: boolean;
}

const SETUP_HINT =
  'On a Debian/Ubuntu machine without a GPU, run `npm run setup:webgpu` (scripts/setup-webgpu.sh), which installs ' +
  "Mesa's software Vulkan driver lavapipe (version 24 or newer; on Debian bookworm from bookworm-backports). " +
  'With a GPU, install its Vulkan (Linux), Metal (macOS) or D3D12 (Windows) driver. ' +
  'GRAFT_BACKEND=vulkan|metal|d3d12 and GRAFT_ADAPTER=<name part> choose among several.';

// Dawn's GPU object must outlive every use of the device: if it is garbage-collected the process crashes
// (platform.md). Module scope keeps it alive for the life of the process.
let dawnInstance: GPU | undefined;
let shared: Promise<Gpu> | undefined;

/**
 * Dawn's `GPU` object (what `navigator.gpu` is in a browser), for running another WebGPU library on the same
 * Dawn instance and adapter as graft (the bench does this with tfjs-webgpu). Created with the same flags.
 */
export function dawnGpu(options: GpuOptions = {}): GPU {
  Object.assign(globalThis, globals);
  const backend = options.backend ?? process.env.GRAFT_BACKEND;
  dawnInstance ??= create(backend ? [`backend=${backend}`] : []);
  return dawnInstance;
}

/** The process-wide GPU, created on first use. Options apply only to that first call. */
export function getGpu(options: GpuOptions = {}): Promise<Gpu> {
  shared ??= Gpu.create(options).catch((err) => {
    shared = undefined;
    throw err;
  });
  return shared;
}

export class Gpu {
  readonly device: GPUDevice;
  readonly adapter: AdapterDescription;
  /** The adapter's own limits, all of which were requested for the device. */
  readonly limits: Readonly<Record<string, number>>;
  readonly features: ReadonlySet<string>;
  readonly pool: BufferPool;
  readonly pipelines: PipelineCache;
  readonly batcher: CommandBatcher;
  private lostMessage: string | undefined;

  private constructor(device: GPUDevice, adapter: AdapterDescription, limits: Record<string, number>) {
    this.device = device;
    this.adapter = adapter;
    this.limits = limits;
    this.features = new Set([...device.features]);
    this.pool = new BufferPool(device, limits.maxBufferSize);
    // One tracker for pipeline creation and dispatch batches, so a shader that failed to compile is reported
    // as itself, before the dispatch that used its invalid pipeline.
    const errors = new ErrorTracker(device);
    this.pipelines = new PipelineCache(device, this.features, errors);
    this.batcher = new CommandBatcher(device, this.pool, limits, () => this.assertAlive(), errors);
    device.lost.then((info) => {
      if (info.reason === 'destroyed') return;
      this.lostMessage = `WebGPU device lost (${info.reason}): ${info.message}`;
      process.stderr.write(`graft: ${this.lostMessage}\n`);
    });
  }

  static async create(options: GpuOptions): Promise<Gpu> {
    if (!process.env.XDG_RUNTIME_DIR) {
      // Mesa prints errors without it; any private writable folder will do.
      process.env.XDG_RUNTIME_DIR = (await import('node:os')).tmpdir();
    }
    const backend = options.backend ?? process.env.GRAFT_BACKEND;
    const wanted = (options.adapter ?? process.env.GRAFT_ADAPTER ?? '').toLowerCase();
    const adapter = await dawnGpu(options).requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
    if (!adapter) {
      throw new GpuUnavailableError(
        `No WebGPU adapter found${backend ? ` for backend '${backend}'` : ''}. ${SETUP_HINT}`,
      );
    }
    const info = adapter.info;
    const description: AdapterDescription = {
      vendor: info.vendor,
      device: info.device,
      description: info.description,
      architecture: info.architecture,
      backend: backend ?? 'default',
      isSoftware: /llvmpipe|lavapipe|swiftshader|warp|software/i.test(
        `${info.vendor} ${info.device} ${info.description} ${info.architecture}`,
      ),
    };
    const text = `${info.vendor} ${info.device} ${info.description}`.toLowerCase();
    if (wanted && !text.includes(wanted)) {
      throw new GpuUnavailableError(
        `GRAFT_ADAPTER='${wanted}' does not match the adapter found (${info.description || info.device}). ` +
          'Unset it, or choose a backend with GRAFT_BACKEND.',
      );
    }

    const limits: Record<string, number> = {};
    for (const key in adapter.limits) {
      const value = (adapter.limits as unknown as Record<string, unknown>)[key];
      if (typeof value === 'number') limits[key] = value;
    }
    // Without explicit limits WebGPU hands out its defaults (16 KiB workgroup memory, 256 invocations per
    // workgroup, 256 MiB buffers), whatever the adapter can do: ask for what the adapter has.
    const requiredLimits: Record<string, number> = {};
    for (const key of [
      'maxStorageBufferBindingSize',
      'maxBufferSize',
      'maxComputeWorkgroupStorageSize',
      'maxComputeInvocationsPerWorkgroup',
      'maxComputeWorkgroupSizeX',
      'maxComputeWorkgroupSizeY',
      'maxComputeWorkgroupSizeZ',
      'maxComputeWorkgroupsPerDimension',
      'maxStorageBuffersPerShaderStage',
      'maxUniformBufferBindingSize',
      'maxBindGroups',
      'maxSampledTexturesPerShaderStage',
      'maxTextureDimension2D',
    ]) {
      if (key in limits) requiredLimits[key] = limits[key];
    }
    const optionalFeatures = ['shader-f16', 'subgroups', 'timestamp-query'] as const;
    const requiredFeatures = optionalFeatures.filter((f) => adapter.features.has(f)) as GPUFeatureName[];
    const device = await adapter.requestDevice({ requiredLimits, requiredFeatures, label: 'graft' });
    const gpu = new Gpu(device, description, requiredLimits);
    adoptAdapterWaitPolicy(description);
    const quiet = options.quiet ?? process.env.GRAFT_QUIET === '1';
    if (!quiet) process.stderr.write(`graft: WebGPU adapter: ${gpu.describe()}\n`);
    return gpu;
  }

  /** One line naming the adapter, e.g. "llvmpipe: Mesa 25.0.7 (mesa, software)". */
  describe(): string {
    const a = this.adapter;
    const name = a.description || a.device || 'unknown adapter';
    const tags = [a.vendor, a.architecture, a.isSoftware ? 'software' : 'hardware'].filter(Boolean);
    return `${name} (${[...new Set(tags)].join(', ')})`;
  }

  get hasF16(): boolean {
    return this.features.has('shader-f16');
  }

  get hasSubgroups(): boolean {
    return this.features.has('subgroups');
  }

  /** Throws if the device was lost; called before any work is recorded. */
  assertAlive(): void {
    if (this.lostMessage) throw new GpuUnavailableError(`${this.lostMessage}. Restart the process.`);
  }

  /** Submits everything recorded so far (no wait). */
  flush(): void {
    this.batcher.flush();
  }

  /** Submits, waits for the GPU to finish, and throws any validation error raised by the recorded work. */
  async sync(): Promise<void> {
    this.batcher.flush();
    await gpuWait(this.device.queue.onSubmittedWorkDone());
    await this.batcher.checkErrors();
    this.assertAlive();
  }
}
