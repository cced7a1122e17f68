/**
 * Metrics of living with a fleet: Wake-on-LAN wakes (`nexus_wakes_total{backend}`,
 * `nexus_wake_duration_seconds`, REFERENCE.md Part C) and circuit breakers
 * (`nexus_backend_breaker_state{backend,state}`, `nexus_breaker_opens_total{backend}`). Recorded
 * in `OpsSeries` when they happen (rare); read by prom-client at scrape time.
 * @module
 */
import { Counter, Gauge, type Registry as PromRegistry } from "./prom-client.ts";
import type { Registry } from "../registry/mod.ts";
import { sanitiseLabel } from "./labels.ts";
import { BREAKER_STATES, type OpsSeries } from "./ops-series.ts";
import { StoreHistogram } from "./store-histogram.ts";

export function addOpsMetrics(
  promRegistry: PromRegistry,
  ops: OpsSeries,
  registry: Registry,
): void {
  const registers = [promRegistry];
  new Counter({
    name: "nexus_wakes_total",
    help: "Wake-on-LAN wake attempts (each sends magic packets until the backend answers).",
    labelNames: ["backend"],
    registers,
    collect() {
      this.reset();
      for (const [backend, count] of ops.wakes) this.inc({ backend }, count);
    },
  });
  new StoreHistogram({
    name: "nexus_wake_duration_seconds",
    help: "Time from the first magic packet to the backend answering its health probe.",
    labelNames: [],
    registry: promRegistry,
  }, function* () {
    yield [{}, ops.wakeDuration] as const;
  });
  new Gauge({
    name: "nexus_backend_breaker_state",
    help: "Circuit breaker state per backend: 1 for the current state (closed, open, half_open).",
    labelNames: ["backend", "state"],
    registers,
    collect() {
      this.reset();
      for (const backend of registry.list()) {
        const name = sanitiseLabel(backend.name);
        for (const state of BREAKER_STATES) {
          this.set({ backend: name, state }, backend.breaker.state === state ? 1 : 0);
        }
      }
    },
  });
  new Counter({
    name: "nexus_breaker_opens_total",
    help: "Times a backend's circuit breaker opened (its requests failed).",
    labelNames: ["backend"],
    registers,
    collect() {
      this.reset();
      for (const [backend, count] of ops.breakerOpens) this.inc({ backend }, count);
    },
  });
}
