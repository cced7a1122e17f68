/**
 * In-memory fleets for routing tests and benchmarks: a Registry filled with backends in the
 * state a test needs, and a validated `routing` config section (defaults from the schema).
 */
import { type NexusConfig, validateConfig } from "../../src/config/mod.ts";
import {
  type BackendStatus,
  type BackendType,
  type ModelInfo,
  Registry,
} from "../../src/registry/mod.ts";

export interface FleetBackend {
  readonly name: string;
  /** @default "generic" */
  readonly type?: BackendType;
  readonly priority?: number;
  readonly status?: BackendStatus;
  readonly pending?: number;
  readonly latency_ms?: number;
  /** A string is a model with unknown capabilities. */
  readonly models: ReadonlyArray<string | ModelInfo>;
}

export function buildFleet(backends: readonly FleetBackend[]): Registry {
  const registry = new Registry();
  for (const spec of backends) {
    const backend = registry.add(
      {
        name: spec.name,
        url: `http://${spec.name}.test:8000`,
        type: spec.type ?? "generic",
        priority: spec.priority ?? 50,
        source: "static",
      },
      {
        status: spec.status ?? "healthy",
        models: spec.models.map((m) => (typeof m === "string" ? { id: m, capabilities: {} } : m)),
      },
    );
    backend.pending = spec.pending ?? 0;
    backend.latency_ms = spec.latency_ms;
  }
  return registry;
}

export function routingConfig(routing: Record<string, unknown> = {}): NexusConfig["routing"] {
  return validateConfig({ routing }).config.routing;
}
