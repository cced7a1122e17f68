/**
 * The in-process limit store: token buckets and concurrency counts in maps. It is the store
 * when no Redis is configured, and the fallback while Redis is unreachable (each instance then
 * holds every limit on its own). A bucket map entry exists per key name and limit: bounded by
 * the number of keys.
 * @module
 */
import type { AdmitRequest, Decision, Settlement } from "./limits.ts";
import {
  type BucketState,
  canTake,
  levelAt,
  type LimitView,
  UNITS,
  viewOf,
  waitFor,
} from "./token-bucket.ts";

/** A refused concurrency slot frees when some request ends: try again in a second. */
export const CONCURRENCY_RETRY_MS = 1000;

export class LocalLimits {
  readonly #requests = new Map<string, BucketState>();
  readonly #tokens = new Map<string, BucketState>();
  readonly #running = new Map<string, number>();

  /** Starts the request if every limit allows it; charges nothing when one refuses. */
  admit(request: AdmitRequest, now: number): Decision {
    const { name, limits, estimate } = request;
    const at = Math.floor(now);
    const rpmLevel = limits.rpm === null ? 0 : levelAt(this.#requests.get(name), limits.rpm, at);
    const tpmLevel = limits.tpm === null ? 0 : levelAt(this.#tokens.get(name), limits.tpm, at);
    const views = {
      ...(limits.rpm === null ? {} : { requests: viewOf(rpmLevel, limits.rpm) }),
      ...(limits.tpm === null ? {} : { tokens: viewOf(tpmLevel, limits.tpm) }),
    };
    if (limits.concurrency !== null && (this.#running.get(name) ?? 0) >= limits.concurrency) {
      return { ok: false, limited: "concurrency", retryAfterMs: CONCURRENCY_RETRY_MS, ...views };
    }
    if (limits.rpm !== null && !canTake(rpmLevel, limits.rpm, 1)) {
      return {
        ok: false,
        limited: "requests",
        retryAfterMs: waitFor(rpmLevel, limits.rpm, 1),
        ...views,
      };
    }
    if (limits.tpm !== null && !canTake(tpmLevel, limits.tpm, estimate)) {
      return {
        ok: false,
        limited: "tokens",
        retryAfterMs: waitFor(tpmLevel, limits.tpm, estimate),
        ...views,
      };
    }
    return { ok: true, retryAfterMs: 0, ...this.charge(request, at, rpmLevel, tpmLevel) };
  }

  /**
   * Charges a request another store admitted (Redis), so this store's buckets stay warm for the
   * moment it has to decide alone.
   */
  charge(
    request: AdmitRequest,
    now: number,
    rpmLevel?: number,
    tpmLevel?: number,
  ): { requests?: LimitView; tokens?: LimitView } {
    const { name, limits, estimate } = request;
    const at = Math.floor(now);
    const views: { requests?: LimitView; tokens?: LimitView } = {};
    if (limits.rpm !== null) {
      const level = (rpmLevel ?? levelAt(this.#requests.get(name), limits.rpm, at)) - UNITS;
      this.#requests.set(name, { level, at });
      views.requests = viewOf(level, limits.rpm);
    }
    if (limits.tpm !== null) {
      const before = tpmLevel ?? levelAt(this.#tokens.get(name), limits.tpm, at);
      const level = before - estimate * UNITS;
      this.#tokens.set(name, { level, at });
      views.tokens = viewOf(level, limits.tpm);
    }
    if (limits.concurrency !== null) this.#running.set(name, (this.#running.get(name) ?? 0) + 1);
    return views;
  }

  /** The request ended: its slot frees, and its token charge becomes what it really used. */
  end(settlement: Settlement, now: number): void {
    const { name, limits, estimate } = settlement.request;
    if (limits.concurrency !== null) {
      const running = (this.#running.get(name) ?? 1) - 1;
      if (running > 0) this.#running.set(name, running);
      else this.#running.delete(name);
    }
    if (limits.tpm === null || settlement.tokens === undefined) return;
    const at = Math.floor(now);
    const level = levelAt(this.#tokens.get(name), limits.tpm, at) +
      (estimate - settlement.tokens) * UNITS;
    this.#tokens.set(name, { level: Math.min(level, limits.tpm * UNITS), at });
  }

  /** Requests running now under `name` (as this instance counts them). */
  running(name: string): number {
    return this.#running.get(name) ?? 0;
  }
}
