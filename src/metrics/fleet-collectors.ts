/**
 * Gauges and counters of the fleet and the admission queue, computed at scrape time from the
 * backend registry and the series store.
 * @module
 */
import { Counter, Gauge, type Registry as PromRegistry } from "./prom-client.ts";
import { PRIORITIES, type Priority } from "../admission/mod.ts";
import { type BackendStatus, type Registry, slotLimit } from "../registry/mod.ts";
import { sanitiseLabel } from "./labels.ts";
import type { SeriesStore } from "./series.ts";
import { NO_LABELS, StoreHistogram } from "./store-histogram.ts";

const BACKEND_STATUSES: readonly BackendStatus[] = [
  "healthy",
  "busy",
  "unhealthy",
  "unknown",
  "asleep",
  "draining",
];

/** Gauges of the fleet as it is at scrape time, computed from the backend registry. */
export function addFleetGauges(registers: PromRegistry[], registry: Registry): void {
  new Gauge({
    name: "nexus_backends",
    help: "Backends by health status.",
    labelNames: ["status"],
    registers,
    collect() {
      const counts = registry.counts();
      for (const status of BACKEND_STATUSES) this.set({ status }, counts[status]);
    },
  });
  new Gauge({
    name: "nexus_backends_healthy",
    help: "Backends currently healthy.",
    registers,
    collect() {
      this.set(registry.counts().healthy);
    },
  });
  new Gauge({
    name: "nexus_models_available",
    help: "Distinct models served by at least one routable (healthy or busy) backend.",
    registers,
    collect() {
      this.set(registry.routableModelCount());
    },
  });
  new Gauge({
    name: "nexus_pending_requests",
    help: "Requests in flight per backend (0 for idle backends).",
    labelNames: ["backend"],
    registers,
    collect() {
      setPending(this, registry);
    },
  });
}

/** The admission queue and the backends' slots (docs/api.md, "Slots and the queue"). */
export function addQueueMetrics(
  registers: PromRegistry[],
  promRegistry: PromRegistry,
  store: SeriesStore,
  registry: Registry,
  queueDepth: (priority: Priority) => number,
): void {
  new Gauge({
    name: "nexus_queue_depth",
    help: "Requests waiting for a free backend slot, by the priority they came with.",
    labelNames: ["priority"],
    registers,
    collect() {
      for (const priority of PRIORITIES) this.set({ priority }, queueDepth(priority));
    },
  });
  new StoreHistogram({
    name: "nexus_queue_wait_seconds",
    help: "Time requests waited in the queue before they got a backend slot.",
    labelNames: [],
    registry: promRegistry,
  }, function* () {
    yield [NO_LABELS, store.queueWait] as const;
  });
  new Counter({
    name: "nexus_queue_rejections_total",
    help: "Requests the queue refused: full (429) or waited too long (503).",
    labelNames: ["reason"],
    registers,
    collect() {
      this.reset();
      for (const reason of ["full", "timeout"]) {
        this.inc({ reason }, store.queueRejections.get(reason) ?? 0);
      }
    },
  });
  new Gauge({
    name: "nexus_backend_slots",
    help: "Requests each backend runs at once (its limit); backends without a limit are absent.",
    labelNames: ["backend"],
    registers,
    collect() {
      this.reset();
      for (const backend of registry.list()) {
        const limit = slotLimit(backend);
        if (limit !== undefined) this.set({ backend: sanitiseLabel(backend.name) }, limit);
      }
    },
  });
  new Gauge({
    name: "nexus_backend_slots_in_use",
    help:
      "Slots in use per backend: requests admitted and not yet finished (a stream: its last byte).",
    labelNames: ["backend"],
    registers,
    collect() {
      setPending(this, registry);
    },
  });
}

/**
 * Requests in flight per backend (admitted, not finished: a slot in use), rebuilt from the live
 * registry each scrape so removed backends drop out.
 */
function setPending(gauge: Gauge<string>, registry: Registry): void {
  gauge.reset();
  for (const backend of registry.list()) {
    gauge.set({ backend: sanitiseLabel(backend.name) }, backend.pending);
  }
}
