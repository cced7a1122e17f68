/**
 * Where recorded numbers live between scrapes: one object per label combination (the "label
 * child"), found through small maps keyed by label value and created once. Recording a request
 * is a few map lookups and field increments; the prom-client collectors read these objects at
 * scrape time and `/v1/stats` sums them.
 * @module
 */
import {
  Buckets,
  DURATION_BUCKETS,
  OVERHEAD_BUCKETS,
  PROBE_BUCKETS,
  QUEUE_WAIT_BUCKETS,
  TTFB_BUCKETS,
} from "./buckets.ts";
import { LabelCache, NONE } from "./labels.ts";
import { OpsSeries } from "./ops-series.ts";

import { ERROR_TYPES, type ErrorType } from "../lib/failures.ts";

export { ERROR_TYPES, type ErrorType };
const ERROR_INDEX = new Map<ErrorType, number>(ERROR_TYPES.map((type, i) => [type, i]));

/** Distinct model names that reached a backend or exist in the fleet (served, 503). */
export const MODEL_LABEL_CAP = 200;
/** Distinct unknown model names (404s) shown as themselves: enough to spot a typo. */
export const UNKNOWN_MODEL_LABEL_CAP = 50;
export const BACKEND_LABEL_CAP = 100;
/** Distinct key names (keys mode): a key's name is chosen by an admin, but keys are many. */
export const KEY_LABEL_CAP = 100;

/** Requests and tokens of one key × model (keys mode). */
export class KeySeries {
  /** Created once: prom-client caches the rendered label string per labels object. */
  readonly labels: Readonly<Record<"key" | "model", string>>;
  /** Requests by HTTP status. */
  readonly statuses = new Map<number, number>();
  promptTokens = 0;
  completionTokens = 0;

  constructor(key: string, model: string) {
    this.labels = { key, model };
  }
}

/** Requests of one model × backend pair through one endpoint (chat, embeddings …). */
export class EndpointSeries {
  /** Created once: prom-client caches the rendered label string per labels object. */
  readonly labels: Readonly<Record<"model" | "backend" | "endpoint", string>>;
  /** Requests by HTTP status. */
  readonly statuses = new Map<number, number>();
  readonly duration = new Buckets(DURATION_BUCKETS);

  constructor(model: string, backend: string, endpoint: string) {
    this.labels = { model, backend, endpoint };
  }

  countStatus(status: number): void {
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }
}

/** Everything recorded for one model × backend pair. */
export class PairSeries {
  readonly model: string;
  readonly backend: string;
  /** Created once: prom-client caches the rendered label string per labels object. */
  readonly labels: Readonly<Record<"model" | "backend", string>>;
  /** Requests and durations per endpoint (a bounded set of names: the routes). */
  readonly endpoints = new Map<string, EndpointSeries>();
  readonly ttfb = new Buckets(TTFB_BUCKETS);
  promptTokens = 0;
  completionTokens = 0;
  /** Set once a stream has been recorded, so idle pairs do not show a chunk counter. */
  streamed = false;
  chunks = 0;

  constructor(model: string, backend: string) {
    this.model = model;
    this.backend = backend;
    this.labels = { model, backend };
  }

  endpoint(name: string): EndpointSeries {
    let series = this.endpoints.get(name);
    if (series === undefined) {
      series = new EndpointSeries(this.model, this.backend, name);
      this.endpoints.set(name, series);
    }
    return series;
  }
}

export interface ProbeSeries {
  readonly labels: Readonly<Record<"backend", string>>;
  readonly latency: Buckets;
}

/** Everything recorded for one model label: its errors and its pairs. */
export class ModelSeries {
  readonly model: string;
  /** Errors by ERROR_TYPES index. */
  readonly errors = new Float64Array(ERROR_TYPES.length);
  /**
   * Requests answered with an error status that no error type counts (the failure table's "—":
   * a refused key, a forbidden model, an internal error): errors all the same in `/v1/stats`.
   */
  refused = 0;
  readonly pairs = new Map<string, PairSeries>();

  constructor(model: string) {
    this.model = model;
  }

  countError(type: ErrorType): void {
    this.errors[ERROR_INDEX.get(type)!]++;
  }
}

export class SeriesStore {
  readonly models = new Map<string, ModelSeries>();
  /** from_model → to_model → count. */
  readonly fallbacks = new Map<string, Map<string, number>>();
  /** Probe latency by backend label. */
  readonly probes = new Map<string, ProbeSeries>();
  readonly overhead = new Buckets(OVERHEAD_BUCKETS);
  /** Time in the admission queue of requests that got a slot after waiting. */
  readonly queueWait = new Buckets(QUEUE_WAIT_BUCKETS);
  /** Requests the queue refused, by reason (`full`, `timeout`). */
  readonly queueRejections = new Map<string, number>();
  /** Wakes and circuit breakers (src/metrics/ops.ts). */
  readonly ops = new OpsSeries();
  readonly #servedModels = new LabelCache(MODEL_LABEL_CAP);
  readonly #unknownModels = new LabelCache(UNKNOWN_MODEL_LABEL_CAP);
  readonly #backends = new LabelCache(BACKEND_LABEL_CAP);
  /** key label → model label → series (keys mode). */
  readonly keys = new Map<string, Map<string, KeySeries>>();
  readonly #keyLabels = new LabelCache(KEY_LABEL_CAP);

  /** One request under a key: `model` is already a bounded model label. */
  countKey(
    rawKey: string,
    model: string,
    record: {
      readonly status: number;
      readonly usage: { prompt: number | undefined; completion: number | undefined } | undefined;
    },
  ): void {
    const key = this.#keyLabels.get(rawKey);
    let models = this.keys.get(key);
    if (models === undefined) {
      models = new Map();
      this.keys.set(key, models);
    }
    let series = models.get(model);
    if (series === undefined) {
      series = new KeySeries(key, model);
      models.set(model, series);
    }
    series.statuses.set(record.status, (series.statuses.get(record.status) ?? 0) + 1);
    if (record.usage?.prompt !== undefined) series.promptTokens += record.usage.prompt;
    if (record.usage?.completion !== undefined) series.completionTokens += record.usage.completion;
  }

  /**
   * The series of a model. Unknown names (404) draw on their own, smaller label budget, so a
   * flood of made-up names can never push a real model into `other`.
   */
  model(raw: string | undefined, unknown: boolean): ModelSeries {
    const label = raw === undefined
      ? NONE
      : (unknown ? this.#unknownModels : this.#servedModels).get(raw);
    let series = this.models.get(label);
    if (series === undefined) {
      series = new ModelSeries(label);
      this.models.set(label, series);
    }
    return series;
  }

  pair(model: ModelSeries, rawBackend: string | undefined): PairSeries {
    const backend = rawBackend === undefined ? NONE : this.#backends.get(rawBackend);
    let series = model.pairs.get(backend);
    if (series === undefined) {
      series = new PairSeries(model.model, backend);
      model.pairs.set(backend, series);
    }
    return series;
  }

  countFallback(fromModel: string, toModel: string): void {
    const from = this.#servedModels.get(fromModel);
    const to = this.#servedModels.get(toModel);
    let targets = this.fallbacks.get(from);
    if (targets === undefined) {
      targets = new Map();
      this.fallbacks.set(from, targets);
    }
    targets.set(to, (targets.get(to) ?? 0) + 1);
  }

  probe(rawBackend: string): Buckets {
    const backend = this.#backends.get(rawBackend);
    let series = this.probes.get(backend);
    if (series === undefined) {
      series = { labels: { backend }, latency: new Buckets(PROBE_BUCKETS) };
      this.probes.set(backend, series);
    }
    return series.latency;
  }
}
