/**
 * How fast the queue drains: an exponential moving average of the time between two requests
 * leaving it with a slot. It turns a queue length into an expected wait (for spillover to a cold
 * backend) and into the `Retry-After` a refused client gets.
 * @module
 */

/** Weight of the newest interval in the average. */
const ALPHA = 0.2;
/** A gap this long means the queue was idle, not slow: it restarts the average. */
const IDLE_GAP_MS = 60_000;

export class DrainRate {
  #lastAt: number | undefined;
  #intervalMs: number | undefined;

  /** A request left the queue at `now` (monotonic ms). */
  note(now: number): void {
    const last = this.#lastAt;
    this.#lastAt = now;
    if (last === undefined) return;
    const gap = now - last;
    if (gap > IDLE_GAP_MS) return;
    this.#intervalMs = this.#intervalMs === undefined
      ? gap
      : this.#intervalMs + ALPHA * (gap - this.#intervalMs);
  }

  /** Milliseconds between two requests leaving the queue, once two have. */
  get intervalMs(): number | undefined {
    return this.#intervalMs;
  }

  /** Seconds until `count` more requests have left the queue; undefined before any estimate. */
  secondsToDrain(count: number): number | undefined {
    return this.#intervalMs === undefined ? undefined : (count * this.#intervalMs) / 1000;
  }
}
