/**
 * The Anthropic dialect (https://docs.anthropic.com/en/api/errors): errors are
 * `{"type":"error","error":{"type","message"}}` with the status from the failure table's Anthropic
 * column (529 `overloaded_error` when every backend is busy); a stream that fails after its first
 * byte ends with one `event: error` (the SDK throws it as an APIError); a quiet stream gets
 * `event: ping`, which Anthropic's own API sends and every client skips.
 * @module
 */
import { type AnthropicErrorType, type Failure, rowOf, statusOf } from "../../lib/failures.ts";
import { type Dialect, setFailureHeaders } from "../contract.ts";
import { finishEvent } from "../openai/dialect.ts";

const encoder = new TextEncoder();
const PING_EVENT = 'event: ping\ndata: {"type":"ping"}\n\n';
const PING = encoder.encode(PING_EVENT);

/** A backend's own refusal keeps its status: its type is the one Anthropic gives that status. */
const TYPE_BY_STATUS: Readonly<Record<number, AnthropicErrorType>> = {
  400: "invalid_request_error",
  401: "authentication_error",
  403: "permission_error",
  404: "not_found_error",
  413: "request_too_large",
  429: "rate_limit_error",
  529: "overloaded_error",
};

export function anthropicErrorType(failure: Failure): AnthropicErrorType {
  const status = failure.status;
  // Only a backend's refusal takes its type from its status: a routing rejection carries its
  // table status too (503 no_capable_backend), and its row names the type (overloaded_error).
  if (status === undefined || failure.kind !== "upstream_rejected") return rowOf(failure).anthropic;
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? "api_error" : "invalid_request_error");
}

/** The envelope as text. */
export function anthropicErrorBody(failure: Failure): string {
  const error: Record<string, unknown> = {
    type: anthropicErrorType(failure),
    message: failure.message,
  };
  if (failure.context !== undefined) error.context = failure.context;
  return JSON.stringify({ type: "error", error });
}

/** `event: error` — after the first byte the status cannot change any more. */
export function anthropicErrorEvent(failure: Failure): string {
  return `event: error\ndata: ${anthropicErrorBody(failure)}\n\n`;
}

export const anthropicDialect: Dialect = {
  name: "anthropic",
  streamContentType: "text/event-stream",
  errorResponse(failure, headers) {
    const status = statusOf(failure, "anthropic");
    headers.set("content-type", "application/json");
    // The SDK names a failed request by this header (APIError.requestID).
    const requestId = headers.get("x-request-id");
    if (requestId !== null) headers.set("request-id", requestId);
    setFailureHeaders(failure, headers);
    return new Response(anthropicErrorBody(failure), { status, headers });
  },
  // An SSE comment before the ping carries the note; SSE parsers skip comments.
  keepAlive: (_model, note) =>
    note === undefined ? PING : encoder.encode(`: ${note}\n${PING_EVENT}`),
  inStreamError(failure, tail) {
    return finishEvent(tail) + anthropicErrorEvent(failure);
  },
};
