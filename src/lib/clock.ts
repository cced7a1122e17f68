/**
 * Time as a dependency, so health thresholds, grace periods and latency averages are tested
 * with a manual clock instead of sleeps.
 * @module
 */

export interface Clock {
  /** Milliseconds since the epoch (wall clock: timestamps, uptime). */
  now(): number;
  /** Monotonic milliseconds with sub-millisecond precision (durations). */
  monotonic(): number;
  setTimeout(fn: () => void, ms: number): TimerHandle;
  clearTimeout(handle: TimerHandle): void;
}

export type TimerHandle = { readonly __timer: unique symbol } | number | object;

export const systemClock: Clock = {
  now: () => Date.now(),
  monotonic: () => performance.now(),
  setTimeout: (fn, ms) => setTimeout(fn, ms) as unknown as TimerHandle,
  clearTimeout: (handle) => clearTimeout(handle as number),
};
