// Error types the engine throws. Each says what went wrong, where (the op or kernel), and with which shapes,
// so a user never has to guess from a silent zero or a Dawn message about an anonymous object.

/** Any error raised by graft itself (as opposed to a bug surfacing as a TypeError). */
export class GraftError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** Shapes that do not fit together, reported with the op's name and every shape involved. */
export class ShapeError extends GraftError {}

/** A request past what the adapter allows (buffer size, binding size, workgroup count). */
export class GpuLimitError extends GraftError {}

/** A validation or out-of-memory error reported by WebGPU, naming the kernels of the batch it came from. */
export class GpuValidationError extends GraftError {}

/** No WebGPU adapter, or the device was lost. */
export class GpuUnavailableError extends GraftError {}

/** A NaN or infinity where a finite number was required (a loss, an input). */
export class NonFiniteError extends GraftError {}

/** Formats a shape as `[2,3,4]` for messages. */
export function fmtShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}
