/**
 * `GET /v1/stats`: the same numbers as `/metrics`, summed for people and dashboards. Request
 * counts come from the series store (a stream counts once it has ended); per-backend counts,
 * pending and the latency average come from the registry, as `/v1/backends` shows them.
 * @module
 */
import { PRIORITIES, type Priority } from "../admission/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { Registry } from "../registry/mod.ts";
import { dayOf, daysBefore, type UsageRow } from "../state/mod.ts";
import { NONE, sanitiseLabel } from "./labels.ts";
import type { SeriesStore } from "./series.ts";

export interface StatsDeps {
  readonly store: SeriesStore;
  readonly registry: Registry;
  readonly clock: Clock;
  /** Wall-clock ms when the gateway started. */
  readonly startedAt: number;
  /** Requests waiting in the admission queue now, by priority. */
  readonly queueDepth: (priority: Priority) => number;
  /** Keys mode: this instance's usage rows since a UTC day (src/state UsageBook). */
  readonly keys?: { readonly usage: (since: string) => readonly UsageRow[] };
}

/** Usage of one key over the last KEY_STATS_DAYS days, in total and by model and by day. */
export interface KeyStats {
  name: string;
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
  models: Record<string, UsageTotals>;
  days: Record<string, UsageTotals>;
}

interface UsageTotals {
  requests: number;
  errors: number;
  prompt_tokens: number;
  completion_tokens: number;
}

/** `/v1/stats` keeps it short: `nexus keys usage --since` reaches further back. */
export const KEY_STATS_DAYS = 7;

export interface ModelStats {
  name: string;
  requests: number;
  errors: number;
  average_duration_ms: number | null;
  prompt_tokens: number;
  completion_tokens: number;
}

export interface BackendStats {
  name: string;
  status: string;
  /** Attempts sent to this backend (a failed-over request counts on each backend it tried). */
  requests: number;
  errors: number;
  pending: number;
  /** The routing latency average (EMA of time to first byte and probes). */
  average_latency_ms: number | null;
  average_ttfb_ms: number | null;
}

/** The admission queue: the same numbers as the `nexus_queue_*` metrics. */
export interface QueueStats {
  /** Waiting now, by the priority they came with. */
  waiting: Record<Priority, number>;
  /** Requests that waited for a slot and got one, since start. */
  waited: number;
  average_wait_ms: number | null;
  /** Refused since start: the queue was full (429), or the wait passed max_wait_seconds (503). */
  rejected: { full: number; timeout: number };
}

export interface Stats {
  uptime_seconds: number;
  requests: { total: number; success: number; errors: number };
  backends: BackendStats[];
  models: ModelStats[];
  queue: QueueStats;
  /** Keys mode only. */
  keys?: KeyStats[];
}

interface Mean {
  sum: number;
  count: number;
}

export function buildStats(deps: StatsDeps): Stats {
  let total = 0;
  let errors = 0;
  const models: ModelStats[] = [];
  const ttfb = new Map<string, Mean>();
  for (const model of deps.store.models.values()) {
    let requests = 0;
    const duration: Mean = { sum: 0, count: 0 };
    let prompt = 0;
    let completion = 0;
    for (const pair of model.pairs.values()) {
      for (const series of pair.endpoints.values()) {
        for (const count of series.statuses.values()) requests += count;
        duration.sum += series.duration.sum;
        duration.count += series.duration.count;
      }
      prompt += pair.promptTokens;
      completion += pair.completionTokens;
      const mean = ttfb.get(pair.backend) ?? { sum: 0, count: 0 };
      mean.sum += pair.ttfb.sum;
      mean.count += pair.ttfb.count;
      ttfb.set(pair.backend, mean);
    }
    const failed = model.errors.reduce((sum, count) => sum + count, model.refused);
    total += requests;
    errors += failed;
    // Requests without a readable model count in the totals only.
    if (model.model === NONE) continue;
    models.push({
      name: model.model,
      requests,
      errors: failed,
      average_duration_ms: meanMs(duration),
      prompt_tokens: prompt,
      completion_tokens: completion,
    });
  }
  models.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const backends = deps.registry.list().map((backend): BackendStats => ({
    name: backend.name,
    status: backend.status,
    requests: backend.requests,
    errors: backend.errors,
    pending: backend.pending,
    average_latency_ms: backend.latency_ms === undefined ? null : tenths(backend.latency_ms),
    average_ttfb_ms: meanMs(ttfb.get(sanitiseLabel(backend.name))),
  }));
  return {
    uptime_seconds: Math.floor((deps.clock.now() - deps.startedAt) / 1000),
    requests: { total, success: total - errors, errors },
    backends,
    models,
    queue: queueStats(deps),
    ...(deps.keys
      ? {
        keys: keyStats(
          deps.keys.usage(daysBefore(dayOf(deps.clock.now()), KEY_STATS_DAYS - 1)),
        ),
      }
      : {}),
  };
}

function queueStats(deps: StatsDeps): QueueStats {
  const { queueWait, queueRejections } = deps.store;
  const waiting = {} as Record<Priority, number>;
  for (const priority of PRIORITIES) waiting[priority] = deps.queueDepth(priority);
  return {
    waiting,
    waited: queueWait.count,
    average_wait_ms: meanMs(queueWait),
    rejected: {
      full: queueRejections.get("full") ?? 0,
      timeout: queueRejections.get("timeout") ?? 0,
    },
  };
}

function keyStats(rows: readonly UsageRow[]): KeyStats[] {
  const byKey = new Map<string, KeyStats>();
  for (const row of rows) {
    let stats = byKey.get(row.key);
    if (stats === undefined) {
      stats = {
        name: row.key,
        ...zero(),
        models: {},
        days: {},
      };
      byKey.set(row.key, stats);
    }
    addTo(stats, row);
    addTo(stats.models[row.model] ??= zero(), row);
    addTo(stats.days[row.day] ??= zero(), row);
  }
  return [...byKey.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function zero(): UsageTotals {
  return { requests: 0, errors: 0, prompt_tokens: 0, completion_tokens: 0 };
}

function addTo(into: UsageTotals, row: UsageTotals): void {
  into.requests += row.requests;
  into.errors += row.errors;
  into.prompt_tokens += row.prompt_tokens;
  into.completion_tokens += row.completion_tokens;
}

/** The mean of samples in seconds, as ms to 0.1; null without samples. */
function meanMs(mean: Mean | undefined): number | null {
  return mean === undefined || mean.count === 0 ? null : tenths((mean.sum / mean.count) * 1000);
}

function tenths(value: number): number {
  return Math.round(value * 10) / 10;
}
