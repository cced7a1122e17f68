/**
 * Observability: Prometheus metrics (`GET /metrics`), JSON stats (`GET /v1/stats`) and the
 * per-request log line. The exchange pipeline and the health checker report through two hooks; the
 * numbers they record live in a series store that prom-client reads only at scrape time.
 *
 * ```ts
 * const observability = createObservability({ registry, clock, logger, startedAt: clock.now() });
 * // ExchangeDeps.observe = observability.observeExchange; HealthCheckerDeps.onCheck = observability.observeProbe
 * app.get("/metrics", observability.metrics);
 * ```
 * @module
 */
import type { Context } from "hono";
import type { ExchangeEvent } from "../exchange/mod.ts";
import type { AdmissionHooks, Priority } from "../admission/mod.ts";
import type { CheckResult } from "../health/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import { createPromRegistry } from "./collectors.ts";
import { handleMetrics, handleStats } from "./handlers.ts";
import { createExchangeObserver, type RecordListener } from "./observer.ts";
import { SeriesStore } from "./series.ts";
import { buildStats, type Stats } from "./stats.ts";
import type { UsageRow } from "../state/mod.ts";

export { METRICS_CONTENT_TYPE } from "./collectors.ts";
export { LabelCache, NONE, OTHER, sanitiseLabel } from "./labels.ts";
export { recordRequest, type RequestRecord } from "./record.ts";
export type { RecordListener } from "./observer.ts";
export { ERROR_TYPES, type ErrorType, SeriesStore } from "./series.ts";
export type { BackendStats, ModelStats, Stats } from "./stats.ts";
export { findUsage, type TokenUsage, usageOf } from "./usage.ts";

export interface ObservabilityDeps {
  readonly registry: Registry;
  /** Requests waiting in the admission queue now, by priority (0 when there is no queue). */
  readonly queueDepth?: (priority: Priority) => number;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wall-clock ms when the gateway started (uptime). */
  readonly startedAt: number;
  /** Told of every finished request after it is recorded (the dashboard, src/ui). */
  readonly onRecord?: RecordListener;
  /** Keys mode: the per-key metrics exist, and `/v1/stats` has a `keys` section. */
  readonly keys?: { readonly usage: (since: string) => readonly UsageRow[] };
}

export interface Observability {
  /** For `ExchangeDeps.observe`: records the request and writes its log line. */
  readonly observeExchange: (event: ExchangeEvent) => void;
  /**
   * Writes the request log lines and dashboard records still waiting for their batch (at most
   * 10 ms, late-work.ts): before the dashboard reads its history, and when the gateway stops.
   */
  flush(): void;
  /** For `HealthCheckerDeps.onCheck`: the probe latency histogram. */
  readonly observeProbe: (backend: Backend, result: CheckResult, latencyMs: number) => void;
  /** For `AdmissionHooks`: time waited by a request that got a slot, and refusals. */
  readonly admissionHooks: AdmissionHooks;
  /** For the waker (src/wake `WakeHooks`): wakes started, and how long they took. */
  readonly wakeHooks: {
    readonly onWake: (backend: Backend) => void;
    readonly onWoke: (backend: Backend, ms: number) => void;
  };
  /** `GET /metrics`. */
  readonly metrics: (c: Context) => Promise<Response>;
  /** `GET /v1/stats`. */
  readonly stats: (c: Context) => Response;
  /** The Prometheus text, as `/metrics` serves it. */
  metricsText(): Promise<string>;
  statsSnapshot(): Stats;
}

export function createObservability(deps: ObservabilityDeps): Observability {
  const store = new SeriesStore();
  const promRegistry = createPromRegistry(
    store,
    deps.registry,
    deps.queueDepth ?? (() => 0),
    deps.keys !== undefined,
  );
  // Breakers opening are counted as they happen (the registry tells).
  deps.registry.onChange(store.ops.onRegistry);
  const statsDeps = {
    store,
    queueDepth: deps.queueDepth ?? (() => 0),
    registry: deps.registry,
    clock: deps.clock,
    startedAt: deps.startedAt,
    ...(deps.keys ? { keys: deps.keys } : {}),
  };
  const observer = createExchangeObserver({
    store,
    clock: deps.clock,
    logger: deps.logger,
    ...(deps.onRecord ? { onRecord: deps.onRecord } : {}),
  });
  return {
    observeExchange: observer.observe,
    flush: observer.flush,
    admissionHooks: {
      onWait: (ms) => store.queueWait.observe(ms / 1000),
      onReject: (reason) =>
        store.queueRejections.set(reason, (store.queueRejections.get(reason) ?? 0) + 1),
    },
    wakeHooks: {
      onWake: (backend) => store.ops.wake(backend.name),
      onWoke: (_backend, ms) => store.ops.woke(ms),
    },
    observeProbe(backend, result, latencyMs) {
      // A failed probe's time is its timeout, not a latency.
      if (result !== "failure") store.probe(backend.name).observe(latencyMs / 1000);
    },
    metrics: handleMetrics(promRegistry),
    stats: handleStats(statsDeps),
    metricsText: () => promRegistry.metrics(),
    statsSnapshot: () => buildStats(statsDeps),
  };
}
