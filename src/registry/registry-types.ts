/**
 * The values the registry takes and tells: its options, the events it emits, what may change
 * about a backend, what one health check found, and the fleet's counts by status.
 * @module
 */
import type { Backend, BackendStatus, BackendTypeSetting, ModelInfo } from "./types.ts";

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
  | { readonly kind: "slots"; readonly backend: Backend };

export interface FleetCounts {
  total: number;
  healthy: number;
  busy: number;
  unhealthy: number;
  unknown: number;
  draining: number;
}

/** What may change about a backend while it stays the same backend (mDNS: a new address). */
export interface BackendChanges {
  readonly url?: string;
  readonly type?: BackendTypeSetting;
  readonly metadata?: Readonly<Record<string, string>>;
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

export interface RegistryOptions {
  /** Models kept per backend (`server.max_models_per_backend`); the rest of a list is dropped. */
  readonly maxModelsPerBackend?: number;
}
