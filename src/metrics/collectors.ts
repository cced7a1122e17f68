/**
 * The prom-client side: a private Registry (never the global one, and no default process
 * metrics: several are stubs on Deno) whose collectors are built once and read the series store
 * and the backend registry when Prometheus scrapes. Recording never touches prom-client, so its
 * per-call label hashing stays off the request path. Names and labels: REFERENCE.md A7.
 * @module
 */
import { Counter, Gauge, Histogram, Registry as PromRegistry } from "prom-client";
import { PRIORITIES, type Priority } from "../admission/mod.ts";
import { type BackendStatus, type Registry, slotLimit } from "../registry/mod.ts";
import type { Buckets } from "./buckets.ts";
import { sanitiseLabel } from "./labels.ts";
import { addOpsMetrics } from "./ops.ts";
import { ERROR_TYPES, type SeriesStore } from "./series.ts";

export const METRICS_CONTENT_TYPE = PromRegistry.PROMETHEUS_CONTENT_TYPE;

const BACKEND_STATUSES: readonly BackendStatus[] = [
  "healthy",
  "busy",
  "unhealthy",
  "unknown",
  "asleep",
  "draining",
];
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

type LabelSet = Readonly<Record<string, string>>;
type HistogramSource = () => Iterable<readonly [LabelSet, Buckets]>;

/**
 * A prom-client Histogram whose data lives in `Buckets` objects. prom-client's registry renders
 * a histogram from `getForPromString()`; this one builds the same values (cumulative `_bucket`
 * lines, `+Inf`, `_sum`, `_count`) from the store at scrape time.
 */
export class StoreHistogram extends Histogram<string> {
  // Set by prom-client's Metric constructor; its typings do not declare them.
  declare readonly name: string;
  declare readonly help: string;
  readonly #source: HistogramSource;

  constructor(
    config: { name: string; help: string; labelNames: string[]; registry: PromRegistry },
    source: HistogramSource,
  ) {
    super({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      registers: [config.registry],
    });
    this.#source = source;
  }

  getForPromString() {
    const bucketName = `${this.name}_bucket`;
    const values: Array<
      { labels: object; sharedLabels: LabelSet; value: number; metricName: string }
    > = [];
    for (const [labels, data] of this.#source()) {
      let cumulative = 0;
      for (let i = 0; i < data.bounds.length; i++) {
        cumulative += data.counts[i]!;
        values.push({
          labels: { le: data.bounds[i] },
          sharedLabels: labels,
          value: cumulative,
          metricName: bucketName,
        });
      }
      values.push({
        labels: { le: "+Inf" },
        sharedLabels: labels,
        value: data.count,
        metricName: bucketName,
      });
      values.push({
        labels: {},
        sharedLabels: labels,
        value: data.sum,
        metricName: `${this.name}_sum`,
      });
      values.push({
        labels: {},
        sharedLabels: labels,
        value: data.count,
        metricName: `${this.name}_count`,
      });
    }
    return { name: this.name, help: this.help, type: "histogram", values, aggregator: "sum" };
  }
}

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
      this.reset();
      for (const series of endpoints()) {
        for (const [status, count] of series.statuses) {
          this.inc({ ...series.labels, status: String(status) }, count);
        }
      }
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
  addOpsMetrics(promRegistry, store.ops, registry, StoreHistogram);
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
      this.reset();
      for (const one of series()) {
        for (const [status, count] of one.statuses) {
          this.inc({ ...one.labels, status: String(status) }, count);
        }
      }
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

/** Gauges of the fleet as it is at scrape time, computed from the backend registry. */
function addFleetGauges(registers: PromRegistry[], registry: Registry): void {
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
      // Rebuilt from the live registry each scrape: removed backends drop out.
      this.reset();
      for (const backend of registry.list()) {
        this.set({ backend: sanitiseLabel(backend.name) }, backend.pending);
      }
    },
  });
}

/** The admission queue and the backends' slots (docs/api.md, "Slots and the queue"). */
function addQueueMetrics(
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
      this.reset();
      for (const backend of registry.list()) {
        this.set({ backend: sanitiseLabel(backend.name) }, backend.pending);
      }
    },
  });
}
