/**
 * The exchange pipeline's `observe` hook: turns a decided request into a metrics record and a log
 * line. A non-stream request is recorded at once; a stream when its `done` resolves (complete,
 * failed or abandoned), so its duration, chunks and usage are final. Nothing here may throw into
 * the request path.
 *
 * The metrics record and a key's charges are made at once (`/metrics` and limits are exact the
 * moment the answer is out); the log line and the dashboard's history are late work
 * (late-work.ts), done for every request that ended within a few milliseconds in one batch.
 * @module
 */
import type { ExchangeEvent } from "../exchange/mod.ts";
import { describeError } from "../lib/errors.ts";
import type { Clock } from "../lib/clock.ts";
import { LateWork } from "./late-work.ts";
import type { Logger } from "../lib/logger.ts";
import { FAILURES } from "../lib/failures.ts";
import type { ResponseTap, StreamEnd } from "../proxy/mod.ts";
import { recordRequest, type RequestRecord } from "./record.ts";
import { requestLogFields } from "./request-log.ts";
import type { ErrorType, SeriesStore } from "./series.ts";
import { findUsage, usageOf } from "./usage.ts";

export interface ObserverDeps {
  readonly store: SeriesStore;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Told of every finished request with its record (the dashboard's history, src/ui). */
  readonly onRecord?: RecordListener;
}

/** A finished request: its event, the record the metrics took, and how a stream ended. */
export type RecordListener = (
  event: ExchangeEvent,
  record: RequestRecord,
  end: StreamEnd | undefined,
) => void;

/** The `observe` hook, and `flush` for whoever reads what the late work writes. */
export interface ExchangeObserver {
  readonly observe: (event: ExchangeEvent) => void;
  /** Writes the log lines and dashboard records still waiting in the batch, now. */
  flush(): void;
}

export function createExchangeObserver(deps: ObserverDeps): ExchangeObserver {
  const { clock } = deps;
  const late = new LateWork(
    clock,
    deps.logger,
    (event, record, end) => lateWork(deps, event, record, end),
  );
  return {
    observe(event: ExchangeEvent): void {
      const decidedAt = clock.monotonic();
      const result = event.result;
      if (result?.commit !== undefined && result.tap.streaming) {
        result.done.then((end) => complete(deps, late, event, decidedAt, end));
        return;
      }
      complete(deps, late, event, decidedAt, undefined);
    },
    flush: () => late.flush(),
  };
}

function complete(
  deps: ObserverDeps,
  late: LateWork,
  event: ExchangeEvent,
  decidedAt: number,
  end: StreamEnd | undefined,
): void {
  const { logger } = deps;
  let record: RequestRecord | undefined;
  try {
    record = toRecord(
      event,
      decidedAt,
      end === undefined ? decidedAt : deps.clock.monotonic(),
      end,
    );
    recordRequest(deps.store, record);
    late.add(event, record, end);
  } catch (error) {
    logger.error("cannot record request metrics", {
      request_id: event.requestId,
      error: describeError(error),
    });
  } finally {
    // Keys mode: the key's usage and token charges settle whatever happened above.
    event.key?.settle({
      model: record?.model ?? event.requestedModel,
      promptTokens: record?.usage?.prompt,
      completionTokens: record?.usage?.completion,
      failed: event.status >= 400 || record?.error !== undefined,
    });
  }
}

/** The dashboard's record and the log line of one request, done in a batch (late-work.ts). */
function lateWork(
  deps: ObserverDeps,
  event: ExchangeEvent,
  record: RequestRecord,
  end: StreamEnd | undefined,
): void {
  const { logger } = deps;
  deps.onRecord?.(event, record, end);
  const level = failedHere(event, end) ? "warn" : "info";
  if (logger.enabled(level)) logger[level]("request", requestLogFields(event, record, end));
}

/**
 * A request the gateway could not serve, or a stream cut by a backend or a deadline: something an
 * operator should see at the default level; the rest (the client's own mistakes) is routine.
 * Nexus's own failures are judged by their kind, not by the status the dialect answered with:
 * a full queue is 429 to an OpenAI client, 529 to an Anthropic one and 503 to Ollama's, and a
 * held stream that then timed out in the queue was a 200 — one event, one level.
 */
function failedHere(event: ExchangeEvent, end: StreamEnd | undefined): boolean {
  if (end === "upstream_error" || end === "timeout") return true;
  const kind = event.failure?.kind;
  if (kind === undefined) return event.status >= 500;
  return kind === "queue_full" || FAILURES[kind].status >= 500;
}

/**
 * Gateway overhead = (response decided − request received) − time waiting on backends. For a
 * stream the response is decided when its first chunk is ready, so relaying later chunks is
 * not part of it.
 */
export function toRecord(
  event: ExchangeEvent,
  decidedAt: number,
  endedAt: number,
  end: StreamEnd | undefined,
): RequestRecord {
  const result = event.result;
  const outcome = result?.outcome;
  const attempts = outcome?.attempts;
  const backend = outcome?.backend ?? attempts?.[attempts.length - 1]?.backend;
  const answered = result?.commit !== undefined && event.status < 400;
  return {
    endpoint: event.endpoint,
    model: outcome?.model ?? event.requestedModel,
    unknownModel: event.failure?.kind === "model_not_found",
    backend: backend?.name,
    status: event.status,
    error: errorType(event, end),
    durationMs: endedAt - event.receivedAt,
    ttfbMs: outcome?.ttfbMs,
    overheadMs: Math.max(0, decidedAt - event.receivedAt - (outcome?.upstreamMs ?? 0)),
    usage: answered ? tokens(result!.tap) : undefined,
    chunks: result?.tap.streaming ? result.tap.events : undefined,
    fallbackFrom: outcome?.routeReason === "fallback" ? event.requestedModel : undefined,
    key: event.key?.name,
  };
}

/** A non-stream JSON body was parsed by the proxy already; anything else is scanned. */
function tokens(tap: ResponseTap) {
  return tap.json !== undefined ? usageOf(tap.json) : findUsage(tap.bytes());
}

/** How a stream ended. */
const ERROR_BY_END: Readonly<Record<StreamEnd, ErrorType | undefined>> = {
  complete: undefined,
  upstream_error: "upstream_error",
  timeout: "timeout",
  shutdown: "shutdown",
  client_closed: "client_closed",
};

function errorType(event: ExchangeEvent, end: StreamEnd | undefined): ErrorType | undefined {
  // Nexus's own error answers: the failure table says how each kind counts.
  if (event.failure !== undefined) return FAILURES[event.failure.kind].metric;
  // A backend's own error answer (4xx) passed through to the client.
  if (event.status >= 400) return "upstream_error";
  return end === undefined ? undefined : ERROR_BY_END[end];
}
