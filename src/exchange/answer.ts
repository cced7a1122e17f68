/**
 * The exchange's `respond` step: what the client gets once the forwarding has decided — a
 * committed answer with its `X-Nexus-*` headers, or a backend's rejection or a `Failure` in the
 * endpoint's dialect. Plain functions of what the exchange hands them: nothing of their own is
 * allocated per request beyond the answer's header record (src/exchange/response-headers.ts).
 * @module
 */
import type { Dialect } from "../dialects/mod.ts";
import { finishAnswer } from "../lib/connection.ts";
import { type Failure, retryAfterOf } from "../lib/failures.ts";
import { INSTANCE_HEADER } from "../lib/loop.ts";
import type { ForwardResult } from "../proxy/mod.ts";
import { committedHeaders, type HeaderRecord, nexusHeaders } from "./response-headers.ts";

/** The key's `x-ratelimit-*` headers, in keys mode (`KeyPass.headers`). */
export type RateHeaders = Readonly<Record<string, string>> | undefined;

/**
 * `X-Nexus-Instance` (every response carries it, src/lib/connection.ts: in the record, it costs
 * the runtime no `Headers` object), and in keys mode the `x-ratelimit-*` of the key's limits.
 */
export function ownHeaders(
  headers: HeaderRecord,
  instanceId: string | undefined,
  rate: RateHeaders,
): HeaderRecord {
  if (instanceId !== undefined) headers[INSTANCE_HEADER] = instanceId;
  if (rate === undefined) return headers;
  for (const name in rate) headers[name.toLowerCase()] = rate[name]!;
  return headers;
}

/**
 * The backend's answer as `result` committed it (`commit` and `candidate` set): its status and
 * body, the headers that say who served it.
 */
export function committedAnswer(
  result: ForwardResult,
  requestId: string,
  stream: boolean,
  instanceId: string | undefined,
  rate: RateHeaders,
): Response {
  const { commit, outcome } = result;
  const headers = committedHeaders(
    commit!,
    result.candidate!,
    outcome.routeReason!,
    requestId,
    stream,
    outcome.queueWaitMs,
  );
  ownHeaders(headers, instanceId, rate);
  return new Response(commit!.body, { status: commit!.status, headers });
}

/**
 * A backend's 4xx on a translated path (`result.commit.rejection`), in the client's dialect, with
 * the headers that say which backend refused.
 */
export function rejectedAnswer(
  request: Request,
  dialect: Dialect,
  result: ForwardResult,
  requestId: string,
  instanceId: string | undefined,
  rate: RateHeaders,
): Response {
  const { outcome } = result;
  const headers: HeaderRecord = {
    "x-request-id": requestId,
    "x-nexus-queue-wait-ms": String(Math.round(outcome.queueWaitMs)),
  };
  nexusHeaders(headers, result.candidate!, outcome.routeReason!);
  ownHeaders(headers, instanceId, rate);
  const rejection = result.commit!.rejection!;
  return finishAnswer(request, dialect.errorResponse(rejection, new Headers(headers)), instanceId);
}

/** `reason` with the `Retry-After` the client is told (the configured default where it has none). */
export function withRetryAfter(reason: Failure, retryAfterSeconds: number): Failure {
  const retryAfter = retryAfterOf(reason, String(retryAfterSeconds));
  return retryAfter === reason.retryAfter ? reason : { ...reason, retryAfter };
}

/**
 * A `Failure` (already `withRetryAfter`) in the endpoint's dialect, with the exchange's own
 * headers (`ownHeaders`); a refusal closes the connection when it left the body unread
 * (src/lib/connection.ts).
 */
export function failedAnswer(
  request: Request,
  dialect: Dialect,
  rendered: Failure,
  headers: HeaderRecord,
  instanceId: string | undefined,
): Response {
  return finishAnswer(request, dialect.errorResponse(rendered, new Headers(headers)), instanceId);
}
