/**
 * Brute force: each client address may present a wrong key `[auth] failures_per_minute` times a
 * minute (a token bucket: a burst of that many, then one every 60/N seconds). Past that, its
 * requests get 429 before any key is looked at — a right key included, or the throttle would
 * still answer every guess. Failures are logged at warn at most once a minute per address, with
 * how many there were. At most MAX_ADDRESSES are tracked; the oldest is forgotten first.
 * Per instance: an attacker spreading guesses over instances gets this many per instance.
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { canTake, levelAt, UNITS, waitFor } from "../state/mod.ts";

const MAX_ADDRESSES = 10_000;
const WARN_EVERY_MS = 60_000;

interface Tally {
  level: number;
  at: number;
  /** Failures since the last warning. */
  unreported: number;
  lastWarn: number;
}

export class AuthThrottle {
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #tallies = new Map<string, Tally>();
  #perMinute: number;

  constructor(clock: Clock, logger: Logger, failuresPerMinute: number) {
    this.#clock = clock;
    this.#logger = logger;
    this.#perMinute = failuresPerMinute;
  }

  /** A config reload changed `[auth] failures_per_minute`. */
  configure(failuresPerMinute: number): void {
    this.#perMinute = failuresPerMinute;
  }

  /** Milliseconds `address` must wait before it may try again; 0 when it may try now. */
  waitMs(address: string): number {
    const tally = this.#tallies.get(address);
    if (tally === undefined) return 0;
    const level = levelAt(tally, this.#perMinute, Math.floor(this.#clock.now()));
    return canTake(level, this.#perMinute, 1) ? 0 : waitFor(level, this.#perMinute, 1);
  }

  /** `address` presented no usable key. */
  failed(address: string): void {
    const now = Math.floor(this.#clock.now());
    let tally = this.#tallies.get(address);
    if (tally === undefined) {
      if (this.#tallies.size >= MAX_ADDRESSES) {
        this.#tallies.delete(this.#tallies.keys().next().value!);
      }
      tally = { level: this.#perMinute * UNITS, at: now, unreported: 0, lastWarn: -Infinity };
      this.#tallies.set(address, tally);
    }
    tally.level = levelAt(tally, this.#perMinute, now) - UNITS;
    tally.at = now;
    tally.unreported++;
    if (now - tally.lastWarn >= WARN_EVERY_MS) {
      this.#logger.warn("authentication failed: missing or invalid API key", {
        address: address || "unknown",
        failures: tally.unreported,
      });
      tally.lastWarn = now;
      tally.unreported = 0;
    }
  }
}
