/**
 * Per-minute token buckets in whole numbers. A bucket holds up to `capacity` tokens and refills
 * `capacity` tokens a minute, continuously. Levels are counted in units of 1/60,000 token, so a
 * bucket refills exactly `capacity` units every millisecond: with whole-millisecond times every
 * step is integer arithmetic, the same in TypeScript and in the Redis Lua script (scripts.ts),
 * and no rounding can let one more request through on one instance than on another.
 * @module
 */

/** Units per token: one minute in milliseconds. */
export const UNITS = 60_000;

/** A bucket as stored: its level in units at time `at` (whole ms). */
export interface BucketState {
  level: number;
  at: number;
}

/** What a client may see of one limit (the `x-ratelimit-*` headers). */
export interface LimitView {
  readonly limit: number;
  /** Whole tokens (or requests) available now. */
  readonly remaining: number;
  /** Milliseconds until the bucket is full again. */
  readonly resetMs: number;
}

/** The level of a bucket at `now`: an unknown bucket is full; a full bucket stays full. */
export function levelAt(state: BucketState | undefined, capacity: number, now: number): number {
  const full = capacity * UNITS;
  if (state === undefined) return full;
  const elapsed = Math.max(0, now - state.at);
  return Math.min(full, state.level + elapsed * capacity);
}

/**
 * Whether `cost` tokens may be taken from a bucket at `level`. A cost above the capacity needs
 * a full bucket (else it could never pass); the whole cost is then taken, leaving a debt.
 */
export function canTake(level: number, capacity: number, cost: number): boolean {
  return level >= Math.min(cost, capacity) * UNITS;
}

/** Milliseconds until `cost` could be taken (0 when it can now). */
export function waitFor(level: number, capacity: number, cost: number): number {
  const need = Math.min(cost, capacity) * UNITS;
  return level >= need ? 0 : Math.ceil((need - level) / capacity);
}

export function viewOf(level: number, capacity: number): LimitView {
  return {
    limit: capacity,
    remaining: Math.max(0, Math.floor(level / UNITS)),
    resetMs: Math.max(0, Math.ceil((capacity * UNITS - level) / capacity)),
  };
}
