/**
 * The chat handler's `observe` hook: turns a decided request into a metrics record and a log
 * line. A non-stream request is recorded at once; a stream when its `done` resolves (complete,
 * failed or abandoned), so its duration, chunks and usage are final. Nothing here may throw into
 * the request path.
 * @module
 */
import type { ChatEvent } from "../api/mod.ts";
import { describeError } from "../lib/errors.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { ProxyOutcome, ResponseTap, StreamEnd } from "../proxy/mod.ts";
import { recordRequest, type RequestRecord } from "./record.ts";
import { requestLogFields } from "./request-log.ts";
import type { ErrorType, SeriesStore } from "./series.ts";
import { findUsage, usageOf } from "./usage.ts";

export interface ObserverDeps {
  readonly store: SeriesStore;
  readonly clock: Clock;
  readonly logger: Logger;
}

export function createChatObserver(deps: ObserverDeps): (event: ChatEvent) => void {
  const { clock } = deps;
  return function observeChat(event: ChatEvent): void {
    const decidedAt = clock.monotonic();
    const result = event.result;
    if (result?.response !== undefined && result.tap.streaming) {
      result.done.then((end) => complete(deps, event, decidedAt, end));
      return;
    }
    complete(deps, event, decidedAt, undefined);
  };
}

function complete(
  deps: ObserverDeps,
  event: ChatEvent,
  decidedAt: number,
  end: StreamEnd | undefined,
): void {
  const { logger } = deps;
  try {
    const record = toRecord(
      event,
      decidedAt,
      end === undefined ? decidedAt : deps.clock.monotonic(),
      end,
    );
    recordRequest(deps.store, record);
    if (logger.enabled("info")) logger.info("request", requestLogFields(event, record, end));
  } catch (error) {
    logger.error("cannot record request metrics", {
      request_id: event.requestId,
      error: describeError(error),
    });
  }
}

/**
 * Gateway overhead = (response decided − request received) − time waiting on backends. For a
 * stream the response is decided when its first chunk is ready, so relaying later chunks is
 * not part of it.
 */
export function toRecord(
  event: ChatEvent,
  decidedAt: number,
  endedAt: number,
  end: StreamEnd | undefined,
): RequestRecord {
  const result = event.result;
  const outcome = result?.outcome;
  const attempts = outcome?.attempts;
  const backend = outcome?.backend ?? attempts?.[attempts.length - 1]?.backend;
  const answered = result?.response !== undefined && event.status < 400;
  return {
    model: outcome?.model ?? event.requestedModel,
    unknownModel: event.errorCode === "model_not_found",
    backend: backend?.name,
    status: event.status,
    error: errorType(event, end),
    durationMs: endedAt - event.receivedAt,
    ttfbMs: outcome?.ttfbMs,
    overheadMs: Math.max(0, decidedAt - event.receivedAt - (outcome?.upstreamMs ?? 0)),
    usage: answered ? tokens(result!.tap) : undefined,
    chunks: result?.tap.streaming ? result.tap.events : undefined,
    fallbackFrom: outcome?.routeReason === "fallback" ? event.requestedModel : undefined,
  };
}

/** A non-stream JSON body was parsed by the proxy already; anything else is scanned. */
function tokens(tap: ResponseTap) {
  return tap.json !== undefined ? usageOf(tap.json) : findUsage(tap.bytes());
}

/** Rejections decided before any backend was tried. */
const ERROR_BY_CODE: Readonly<Record<string, ErrorType>> = {
  invalid_request_error: "invalid_request",
  request_too_large: "invalid_request",
  model_not_found: "model_not_found",
  service_unavailable: "no_healthy_backend",
};

/** How a stream ended; the shutdown drain deadline counts as a deadline. */
const ERROR_BY_END: Readonly<Record<StreamEnd, ErrorType | undefined>> = {
  complete: undefined,
  upstream_error: "upstream_error",
  timeout: "timeout",
  shutdown: "timeout",
  client_closed: "client_closed",
};

function errorType(event: ChatEvent, end: StreamEnd | undefined): ErrorType | undefined {
  const outcome = event.result?.outcome;
  if (outcome?.failure !== undefined) return forwardError(outcome.failure.code, outcome);
  if (event.errorCode !== undefined) return ERROR_BY_CODE[event.errorCode] ?? "invalid_request";
  // A backend's own error answer (4xx) passed through to the client.
  if (event.status >= 400) return "upstream_error";
  return end === undefined ? undefined : ERROR_BY_END[end];
}

/** Every candidate failed before the first byte: the last failure decides. */
function forwardError(
  code: NonNullable<ProxyOutcome["failure"]>["code"],
  outcome: ProxyOutcome,
): ErrorType {
  switch (code) {
    case "client_closed":
      return "client_closed";
    case "gateway_timeout":
      return "timeout";
    case "service_unavailable":
      // Nexus shutting down (its drain deadline) or a backend's own 503 with Retry-After.
      return outcome.attempts[outcome.attempts.length - 1]?.kind === "shutdown"
        ? "timeout"
        : "upstream_error";
    case "bad_gateway":
      return "upstream_error";
  }
}
