/**
 * What wakes and circuit breakers record when they happen (rare): read by the collectors of
 * ops.ts at scrape time.
 * @module
 */
import type { BreakerState, RegistryEvent } from "../registry/mod.ts";
import { Buckets } from "./buckets.ts";
import { LabelCache } from "./labels.ts";

/** From a machine already awake to a slow cold boot, seconds. */
export const WAKE_BUCKETS = [1, 2, 5, 10, 20, 30, 45, 60, 90, 120, 180, 300] as const;
export const BREAKER_STATES: readonly BreakerState[] = ["closed", "open", "half_open"];
/** Backend label values these counters keep (the rest count as `other`). */
const BACKEND_LABELS = 100;

export class OpsSeries {
  /** Wake attempts (first packet sent) by backend label. */
  readonly wakes = new Map<string, number>();
  /** Seconds from the first packet to the backend answering. */
  readonly wakeDuration = new Buckets(WAKE_BUCKETS);
  /** Times each backend's breaker opened. */
  readonly breakerOpens = new Map<string, number>();
  readonly #labels = new LabelCache(BACKEND_LABELS);

  wake(backend: string): void {
    const label = this.#labels.get(backend);
    this.wakes.set(label, (this.wakes.get(label) ?? 0) + 1);
  }

  woke(ms: number): void {
    this.wakeDuration.observe(ms / 1000);
  }

  /** A registry listener: counts breakers opening. */
  readonly onRegistry = (event: RegistryEvent): void => {
    if (event.kind !== "breaker" || event.backend.breaker.state !== "open") return;
    const label = this.#labels.get(event.backend.name);
    this.breakerOpens.set(label, (this.breakerOpens.get(label) ?? 0) + 1);
  };
}
