// Waiting for the GPU without stealing a core from the driver.
//
// Dawn's Node binding drives pending promises (queue.onSubmittedWorkDone, buffer.mapAsync) by calling
// `globalThis.setImmediate` in a tight loop on the main thread until they settle. On a CPU-only machine the
// "GPU" is llvmpipe's worker threads on the same cores, so that loop takes a whole core away from the kernels
// (platform.md measured 11 -> 19-21 GFLOPS on a GEMM once the wait stopped spinning). While one of our waits is
// pending we spin for the first SPIN_MS (short waits keep ~20 us latency), then let each poll yield for a
// millisecond through setTimeout, which costs nothing measurable against kernels that take milliseconds.
// On a real GPU the binding's own spin is the better wait, and the default follows the adapter.

import { envChoice } from './env.ts';

const SPIN_MS = 0.5;
const nativeSetImmediate = globalThis.setImmediate;
let activeWaits = 0;
let waitStartedAt = 0;
let installed = false;

function politeSetImmediate(callback: (...args: unknown[]) => void, ...args: unknown[]): NodeJS.Immediate {
  if (activeWaits > 0 && performance.now() - waitStartedAt > SPIN_MS) {
    // The binding only needs "call me again soon"; it ignores the return value.
    return setTimeout(callback, 1, ...args) as unknown as NodeJS.Immediate;
  }
  return nativeSetImmediate(callback, ...args);
}

function install(): void {
  if (installed) return;
  (globalThis as { setImmediate: unknown }).setImmediate = Object.assign(politeSetImmediate, {
    __promisify__: (nativeSetImmediate as unknown as { __promisify__: unknown }).__promisify__,
  });
  installed = true;
}

/**
 * Awaits a promise that Dawn settles (map, work done) under the policy in force (waitPolicy): polite polling, or
 * under 'spin' the binding's own busy-poll.
 */
export async function gpuWait<T>(promise: Promise<T>): Promise<T> {
  if (currentPolicy === 'spin') return promise;
  install();
  if (activeWaits === 0) waitStartedAt = performance.now();
  activeWaits++;
  try {
    return await promise;
  } finally {
    activeWaits--;
  }
}

export type WaitPolicy = 'polite' | 'spin';
/** GRAFT_WAIT=polite|spin, when set, overrides the adapter's default (adapterWaitPolicy). */
const envPolicy = envChoice<WaitPolicy>('GRAFT_WAIT', ['polite', 'spin']);
let currentPolicy: WaitPolicy = envPolicy ?? 'polite';

/** The default wait policy in force. */
export function waitPolicy(): WaitPolicy {
  return currentPolicy;
}

/**
 * The policy for an adapter: polite on a software one, whose "GPU" is threads on our own cores; spin on a real
 * GPU, where a busy core steals nothing from the device and a 1 ms poll leaves it idle for up to a millisecond
 * after every wait (on an NVIDIA H200, graft's VGG19 batch-1 run took 21.4 ms polite and 9.2 spinning, though
 * without the bench's warm-up, so partly the clock: README, "On a real GPU").
 */
export function adapterWaitPolicy(adapter: { isSoftware: boolean }): WaitPolicy {
  return adapter.isSoftware ? 'polite' : 'spin';
}

/** Called once the adapter is known: adopts its policy unless GRAFT_WAIT chose one. */
export function adoptAdapterWaitPolicy(adapter: { isSoftware: boolean }): void {
  if (!envPolicy) currentPolicy = adapterWaitPolicy(adapter);
}

/**
 * Runs `fn` with the polite policy applied to *every* Dawn wait inside it, including those of other libraries
 * on the same device (the bench runs tfjs-webgpu this way to separate kernel speed from scheduling). Waits that
 * start inside it after its first SPIN_MS poll at 1 ms, since we cannot see where another library's wait begins.
 */
export async function withPoliteWaits<T>(fn: () => Promise<T>): Promise<T> {
  install();
  if (activeWaits === 0) waitStartedAt = performance.now();
  activeWaits++;
  try {
    return await fn();
  } finally {
    activeWaits--;
  }
}
