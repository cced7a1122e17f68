/**
 * The prom-client side: a private Registry (never the global one, and no default process
 * metrics: several are stubs on Deno) whose collectors are built once and read the series store
 * and the backend registry when Prometheus scrapes. Recording never touches prom-client, so its
 * per-call label hashing stays off the request path. Names and labels: REFERENCE.md A7.
 * @module
 */
import { Counter, Registry as PromRegistry } from "./prom-client.ts";
import type { Priority } from "../admission/mod.ts";
import type { Registry } from "../registry/mod.ts";
import { addFleetGauges, addQueueMetrics } from "./fleet-collectors.ts";
import { addOpsMetrics } from "./ops.ts";
import { ERROR_TYPES, type SeriesStore } from "./series.ts";
import { NO_LABELS, StoreHistogram } from "./store-histogram.ts";

export const METRICS_CONTENT_TYPE = PromRegistry.PROMETHEUS_CONTENT_TYPE;

export function createPromRegistry(
  store: SeriesStore,
  registry: Registry,
  queueDepth: (priority: Priority) => number,
  keys = false,
): PromRegistry {
  const registers = [new PromRegistry()];
  const promRegistry = registers[0]!;
  const pairs = function* () {
    for (const model of store.models.values()) yield* model.pairs.values();
  };

  const endpoints = function* () {
    for (const pair of pairs()) yield* pair.endpoints.values();
  };
  new Counter({
    name: "nexus_requests_total",
    help:
      "Inference requests by model, backend, endpoint and HTTP status (streams counted when they end).",
    labelNames: ["model", "backend", "endpoint", "status"],
    registers,
    collect() {
      countByStatus(this, endpoints());
    },
  });
  new Counter({
    name: "nexus_errors_total",
    help: "Failed inference requests by error type and model.",
    labelNames: ["error_type", "model"],
    registers,
    collect() {
      this.reset();
      for (const model of store.models.values()) {
        model.errors.forEach((count, i) => {
          if (count > 0) this.inc({ error_type: ERROR_TYPES[i]!, model: model.model }, count);
        });
      }
    },
  });
  new Counter({
    name: "nexus_fallbacks_total",
    help: "Requests served by a fallback model instead of the one asked for.",
    labelNames: ["from_model", "to_model"],
    registers,
    collect() {
      this.reset();
      for (const [from, targets] of store.fallbacks) {
        for (const [to, count] of targets) this.inc({ from_model: from, to_model: to }, count);
      }
    },
  });
  new StoreHistogram({
    name: "nexus_request_duration_seconds",
    help: "Request duration from request received to response complete (stream end).",
    labelNames: ["model", "backend", "endpoint"],
    registry: promRegistry,
  }, function* () {
    for (const series of endpoints()) yield [series.labels, series.duration] as const;
  });
  new StoreHistogram({
    name: "nexus_time_to_first_byte_seconds",
    help:
      "Time from sending the upstream request to the backend's first chunk (non-stream: its whole answer).",
    labelNames: ["model", "backend"],
    registry: promRegistry,
  }, function* () {
    for (const pair of pairs()) if (pair.ttfb.count > 0) yield [pair.labels, pair.ttfb] as const;
  });
  new StoreHistogram({
    name: "nexus_gateway_overhead_seconds",
    help:
      "Time spent in Nexus per request: handler start to response ready, minus time waiting on backends.",
    labelNames: [],
    registry: promRegistry,
  }, function* () {
    yield [NO_LABELS, store.overhead] as const;
  });
  new Counter({
    name: "nexus_tokens_total",
    help: "Prompt and completion tokens reported by backends (OpenAI usage, Ollama eval counts).",
    labelNames: ["model", "backend", "type"],
    registers,
    collect() {
      this.reset();
      for (const pair of pairs()) {
        if (pair.promptTokens === 0 && pair.completionTokens === 0) continue;
        this.inc({ ...pair.labels, type: "prompt" }, pair.promptTokens);
        this.inc({ ...pair.labels, type: "completion" }, pair.completionTokens);
      }
    },
  });
  new Counter({
    name: "nexus_stream_chunks_total",
    help:
      "Stream events relayed to clients: SSE events (data: [DONE] included), or the lines of an Ollama NDJSON stream.",
    labelNames: ["model", "backend"],
    registers,
    collect() {
      this.reset();
      for (const pair of pairs()) if (pair.streamed) this.inc(pair.labels, pair.chunks);
    },
  });
  new StoreHistogram({
    name: "nexus_backend_latency_seconds",
    help: "Health probe round-trip time of answering backends.",
    labelNames: ["backend"],
    registry: promRegistry,
  }, function* () {
    for (const probe of store.probes.values()) yield [probe.labels, probe.latency] as const;
  });
  addFleetGauges(registers, registry);
  addQueueMetrics(registers, promRegistry, store, registry, queueDepth);
  if (keys) addKeyMetrics(registers, store);
  addOpsMetrics(promRegistry, store.ops, registry);
  return promRegistry;
}

/** Keys mode: requests and tokens by key name (bounded like model names) and model. */
function addKeyMetrics(registers: PromRegistry[], store: SeriesStore): void {
  const series = function* () {
    for (const models of store.keys.values()) yield* models.values();
  };
  new Counter({
    name: "nexus_key_requests_total",
    help: "Inference requests by API key name, model and HTTP status (keys mode).",
    labelNames: ["key", "model", "status"],
    registers,
    collect() {
      countByStatus(this, series());
    },
  });
  new Counter({
    name: "nexus_key_tokens_total",
    help: "Prompt and completion tokens by API key name and model (keys mode).",
    labelNames: ["key", "model", "type"],
    registers,
    collect() {
      this.reset();
      for (const one of series()) {
        if (one.promptTokens === 0 && one.completionTokens === 0) continue;
        this.inc({ ...one.labels, type: "prompt" }, one.promptTokens);
        this.inc({ ...one.labels, type: "completion" }, one.completionTokens);
      }
    },
  });
}

/** Series (of an endpoint, of a key) that count their answers by HTTP status. */
interface StatusSeries {
  readonly labels: Readonly<Record<string, string>>;
  readonly statuses: ReadonlyMap<number, number>;
}

/** A counter with a `status` label, rebuilt from series that count their answers by status. */
function countByStatus(counter: Counter<string>, series: Iterable<StatusSeries>): void {
  counter.reset();
  for (const one of series) {
    for (const [status, count] of one.statuses) {
      counter.inc({ ...one.labels, status: String(status) }, count);
    }
  }
}
