/**
 * Histogram data for one series, kept as plain numbers: an observation is a short scan of the
 * bounds and two additions. prom-client's own `observe()` hashes the label set and converts
 * the bound to a string key on every call (~0.4–0.9 µs on Bun); these are read by the
 * collectors only when Prometheus scrapes.
 * @module
 */

/** Whole requests, seconds: from a fast local answer to a long generation. */
export const DURATION_BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300] as const;
/** Time to first byte, seconds: includes a cold model load on the slow end. */
export const TTFB_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] as const;
/** Time waiting in the admission queue for a free slot, seconds. */
export const QUEUE_WAIT_BUCKETS = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120] as const;
/** Health probe round trips, seconds. */
export const PROBE_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] as const;
/** Nexus's own time per request, seconds: the budget is a fraction of a millisecond. */
export const OVERHEAD_BUCKETS = [
  0.00005,
  0.0001,
  0.00025,
  0.0005,
  0.001,
  0.0025,
  0.005,
  0.01,
  0.025,
  0.1,
] as const;

export class Buckets {
  readonly bounds: readonly number[];
  /** Observations per bucket, not cumulative; values above the last bound are only counted. */
  readonly counts: Float64Array;
  sum = 0;
  count = 0;

  constructor(bounds: readonly number[]) {
    this.bounds = bounds;
    this.counts = new Float64Array(bounds.length);
  }

  observe(value: number): void {
    const bounds = this.bounds;
    for (let i = 0; i < bounds.length; i++) {
      if (value <= bounds[i]!) {
        this.counts[i]++;
        break;
      }
    }
    this.sum += value;
    this.count++;
  }
}
