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
export {
  type BackendChanges,
  type BackendSettings,
  type CheckRecord,
  DEFAULT_LOAD_MS,
  type FleetCounts,
  LATENCY_EMA_ALPHA,
  Registry,
  RegistryConflictError,
  type RegistryEvent,
  type RegistryOptions,
} from "./registry.ts";
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
