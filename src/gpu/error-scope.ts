// Turns WebGPU's asynchronous error scopes into exceptions that name what was being done.
//
// Validation and out-of-memory errors are reported by popErrorScope() some time after the call that caused
// them. We wrap each unit of work (a pipeline creation, a batch of dispatches) in scopes, keep the pending
// promises, and throw the first error at the next sync point (gpu.sync, a read) with the unit's description.

import { GpuValidationError } from './errors.ts';

export class ErrorTracker {
  private pending: Promise<void>[] = [];
  private firstError: GpuValidationError | undefined;

  constructor(private readonly device: GPUDevice) {}

  /** Opens scopes for a unit of work; call the returned function when the unit's device calls are done. */
  open(): (what: () => string) => void {
    this.device.pushErrorScope('out-of-memory');
    this.device.pushErrorScope('validation');
    return (what) => {
      const validation = this.device.popErrorScope();
      const oom = this.device.popErrorScope();
      this.pending.push(
        Promise.all([validation, oom]).then(([v, o]) => {
          const err = v ?? o;
          if (err && !this.firstError) {
            const kind = o && !v ? 'out of GPU memory' : 'WebGPU validation error';
            this.firstError = new GpuValidationError(`${kind} in ${what()}: ${err.message.trim()}`);
          }
        }),
      );
    };
  }

  /** Throws the first error seen so far without waiting (errors not yet reported are caught later). */
  throwIfKnown(): void {
    if (this.firstError) {
      const e = this.firstError;
      this.firstError = undefined;
      throw e;
    }
  }

  /** Waits for every open report and throws the first error. */
  async check(): Promise<void> {
    const pending = this.pending;
    this.pending = [];
    await Promise.all(pending);
    this.throwIfKnown();
  }
}
