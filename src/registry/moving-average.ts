/**
 * What the registry learns from samples: a backend's latency and each model's load time, as
 * exponential moving averages, and the load time assumed before any cold start was seen.
 * @module
 */

/** Weight of the newest sample in the latency moving average (REFERENCE.md A2). */
export const LATENCY_EMA_ALPHA = 0.2;
/** Weight of the newest cold start in a model's load-time average. */
export const LOAD_EMA_ALPHA = 0.3;
/** A model's load time before any cold start was seen (a 7–14B model from disk, roughly). */
export const DEFAULT_LOAD_MS = 20_000;

/** The average after one more `sample`; the first sample is the average. */
export function movingAverage(previous: number | undefined, sample: number, alpha: number): number {
  return previous === undefined ? sample : previous + alpha * (sample - previous);
}

/** A backend's latency average after one more time-to-first-byte sample. */
export function nextLatencyMs(previous: number | undefined, sampleMs: number): number {
  return movingAverage(previous, sampleMs, LATENCY_EMA_ALPHA);
}

/** A model's load-time average after one more cold start. */
export function nextLoadMs(previous: number | undefined, coldStartMs: number): number {
  return movingAverage(previous, coldStartMs, LOAD_EMA_ALPHA);
}
