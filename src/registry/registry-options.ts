/**
 * What a `Registry` is built with: breaker thresholds and the cap on each backend's model list.
 * @module
 */
import type { BreakerSettings } from "./breaker.ts";

/** `[health_check] breaker_failures` and `breaker_window` defaults (src/config/schema.ts). */
export const DEFAULT_BREAKER: BreakerSettings = { failures: 5, window: 10 };

export interface RegistryOptions {
  /** Circuit breaker thresholds for every backend (`[health_check] breaker_*`). */
  readonly breaker?: BreakerSettings;
  /**
   * Models kept per backend (`server.max_models_per_backend`, or a getter a reload changes);
   * the rest of a list is dropped.
   */
  readonly maxModelsPerBackend?: number | (() => number);
}

/** The model-list cap as a getter: a number stays, a getter follows reloads. */
export function maxModelsReader(options: RegistryOptions): () => number {
  const max = options.maxModelsPerBackend ?? Infinity;
  return typeof max === "number" ? () => max : max;
}
