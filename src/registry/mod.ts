/**
 * Backends and their models: the types, and the Registry with its model → backends index.
 *
 * ```ts
 * const registry = new Registry();
 * registry.add({ name: "gpu", url: "http://gpu:11434", type: "ollama", priority: 50, source: "static" });
 * registry.backendsFor("llama3:8b");
 * ```
 * @module
 */
export { Registry } from "./registry.ts";
export { RegistryConflictError } from "./conflicts.ts";
export type { RegistryOptions } from "./registry-options.ts";
export { DEFAULT_LOAD_MS, LATENCY_EMA_ALPHA } from "./moving-average.ts";
export type { BackendChanges, BackendSettings } from "./changes.ts";
export type { CheckRecord, FleetCounts, RegistryEvent } from "./registry-events.ts";
export type { BreakerSettings, BreakerState, BreakerView } from "./breaker.ts";
export { hasFreeSlot, type Operation, servesOperation, slotLimit } from "./operations.ts";
export type {
  Backend,
  BackendFeatures,
  BackendSpec,
  BackendStatus,
  BackendType,
  BackendTypeSetting,
  DiscoverySource,
  ModelCapabilities,
  ModelInfo,
  ModelServing,
  NativeModelFacts,
  WakeConfig,
} from "./types.ts";
export { isRoutable } from "./types.ts";
