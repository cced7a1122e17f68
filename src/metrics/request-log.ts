/**
 * The one log line per inference request: who asked for what, where it went, how it ended and how
 * long it took. Never the prompt or the completion. Built only when info is enabled.
 * @module
 */
import type { ExchangeEvent } from "../exchange/mod.ts";
import type { LogFields } from "../lib/logger.ts";
import type { StreamEnd } from "../proxy/mod.ts";
import type { RequestRecord } from "./record.ts";

export function requestLogFields(
  event: ExchangeEvent,
  record: RequestRecord,
  end: StreamEnd | undefined,
): LogFields {
  const outcome = event.result?.outcome;
  const failed = outcome?.attempts ?? [];
  return {
    request_id: event.requestId,
    endpoint: event.endpoint,
    key: event.key?.name,
    model: event.requestedModel,
    resolved_model: outcome?.model,
    backend: record.backend,
    status: event.status,
    stream: event.stream,
    duration_ms: tenths(record.durationMs),
    ttfb_ms: record.ttfbMs === undefined ? undefined : tenths(record.ttfbMs),
    // As X-Nexus-Queue-Wait-Ms says it; only when the request waited for a slot.
    queue_wait_ms: outcome !== undefined && outcome.queueWaitMs >= 0.5
      ? Math.round(outcome.queueWaitMs)
      : undefined,
    prompt_tokens: record.usage?.prompt,
    completion_tokens: record.usage?.completion,
    route_reason: outcome?.routeReason,
    attempts: failed.length + (outcome?.backend ? 1 : 0),
    failed_backends: failed.length > 0 ? failed.map((f) => f.backend.name) : undefined,
    error: record.error,
    stream_end: end,
  };
}

function tenths(ms: number): number {
  return Math.round(ms * 10) / 10;
}
