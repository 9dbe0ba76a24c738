// What every engine in the bench provides: for a workload and its shared data, a runner whose `run()` does the
// whole workload once and returns only when the engine has finished it (waited for its device), and whose
// `outputs()` reads back what the first run produced, in graft's layouts, for the cross-check.
//
// Outputs by workload kind:
//   forward   y        the stack's output (N, OH, OW, C)
//   convGrad  dx, dw   (N, H, W, Cin), (KH, KW, Cin, Cout)
//   train     logits0  the first step's logits (N, classes), before any update
//             loss     the loss of every step of the first run
//             conv0.w, dense.w   those weights after the first run (the harness compares their change)
// Forward-only engines (ONNX Runtime) give logits0 alone for train workloads.

import type { Workload, WorkloadData } from '../workloads/types.ts';

export type Outputs = Record<string, Float32Array>;

export interface Runner {
  /** One whole run (one forward, one backward, or every training step), finished on the engine's device. */
  run(): Promise<void>;
  /** What the first run produced (call it after the first run, before the second). */
  outputs(): Promise<Outputs>;
  release(): Promise<void> | void;
}

export interface Engine {
  /** Used by --only and in the JSON: graft, graft-f16, tfjs-webgpu, tfjs-webgpu-polite, tfjs-wasm, tfjs-cpu, ort-cpu. */
  readonly id: string;
  /** One line: library, version, backend details. */
  readonly label: string;
  /** Run the timed repetitions under graft's polite wait policy (withPoliteWaits). */
  readonly polite: boolean;
  /** Computes only forward passes: train workloads time the forward alone and say so. */
  readonly forwardOnly: boolean;
  /** Runs on the WebGPU adapter (its GFLOPS are then also given as a share of the adapter's ceiling). */
  readonly usesAdapter: boolean;
  /**
   * The relative error its outputs may have against graft's, when it differs from the per-output table in
   * bench/check.ts on purpose (graft-f16 rounds every conv weight to half precision).
   */
  readonly tolerance?: number;
  /** Why this engine cannot run the workload, or null. */
  unsupported(w: Workload): string | null;
  prepare(w: Workload, data: WorkloadData): Promise<Runner>;
}
