/**
 * A new backend's record: its spec plus fresh live state (no requests, no latency, no error
 * yet). Only `Registry.add` builds one; everyone else gets backends from the registry.
 * @module
 */
import type { CircuitBreaker } from "./breaker.ts";
import type { Backend, BackendSpec, BackendStatus, ModelInfo } from "./types.ts";

/** What a backend may start with besides its spec (a restored or discovered one). */
export interface InitialState {
  readonly status?: BackendStatus;
  readonly models?: readonly ModelInfo[];
}

export function newBackend(
  spec: BackendSpec,
  initial: InitialState,
  breaker: CircuitBreaker,
): Backend {
  return {
    ...spec,
    status: initial.status ?? "unknown",
    breaker,
    features: {},
    models: initial.models ?? [],
    pending: 0,
    slots: undefined,
    load_ms: new Map(),
    requests: 0,
    errors: 0,
    latency_ms: undefined,
    last_error: undefined,
    last_check: undefined,
    version: undefined,
    last_progress: undefined,
  };
}
