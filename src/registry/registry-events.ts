/**
 * The registry's vocabulary: the events it emits, fleet counts, and what a health check hands it.
 * @module
 */
import type { BreakerState } from "./breaker.ts";
import type { BackendChanges } from "./changes.ts";
import type { Backend, BackendStatus, ModelInfo } from "./types.ts";

export type RegistryEvent =
  | { readonly kind: "added"; readonly backend: Backend }
  | { readonly kind: "removed"; readonly backend: Backend }
  | { readonly kind: "status"; readonly backend: Backend; readonly previous: BackendStatus }
  | { readonly kind: "updated"; readonly backend: Backend; readonly previous: BackendChanges }
  | {
    readonly kind: "models";
    readonly backend: Backend;
    /** Models past `maxModelsPerBackend` that were left out (0 when none). */
    readonly dropped: number;
  }
  | { readonly kind: "slots"; readonly backend: Backend }
  | { readonly kind: "breaker"; readonly backend: Backend; readonly previous: BreakerState }
  /** A draining backend's last request ended. */
  | { readonly kind: "drained"; readonly backend: Backend };

export interface FleetCounts {
  total: number;
  healthy: number;
  busy: number;
  unhealthy: number;
  unknown: number;
  asleep: number;
  draining: number;
}

/** What one health check found, for `recordCheck`. */
export type CheckRecord =
  | {
    readonly ok: true;
    /** Wall-clock ms. */
    readonly at: number;
    readonly latencyMs: number;
    readonly models: readonly ModelInfo[];
    readonly version?: string;
    readonly slots?: number;
  }
  | { readonly ok: false; readonly at: number; readonly error: string };
