/**
 * The OpenAI dialect: errors are `{"error":{"message","type","param","code"}}` as JSON, never
 * plain text or an empty body, so every OpenAI client can show them; a stream that fails after
 * its first byte ends with one `data: {"error":…}` event (OpenAI's in-stream error form); quiet
 * streams are kept open with SSE comments, which clients ignore.
 * @module
 */
import { type Failure, rowOf, statusOf } from "../../lib/failures.ts";
import { type Dialect, setFailureHeaders, type StreamTail } from "../contract.ts";

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");
const NEWLINE = 10;

/** OpenAI's `type` vocabulary, chosen by status so clients branch on it as they do with OpenAI. */
function typeFor(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  return status < 500 ? "invalid_request_error" : "server_error";
}

/** The envelope as text; `type` follows the status the client sees. */
export function openaiErrorBody(failure: Failure, status = statusOf(failure, "openai")): string {
  const error: Record<string, unknown> = {
    message: failure.message,
    type: typeFor(status),
    param: failure.param ?? null,
    code: rowOf(failure).code,
  };
  if (failure.context !== undefined) error.context = failure.context;
  return JSON.stringify({ error });
}

export const openaiDialect: Dialect = {
  name: "openai",
  streamContentType: "text/event-stream",
  errorResponse(failure, headers) {
    const status = statusOf(failure, "openai");
    headers.set("content-type", "application/json");
    setFailureHeaders(failure, headers);
    return new Response(openaiErrorBody(failure, status), { status, headers });
  },
  keepAlive: (_model, note) => note === undefined ? KEEP_ALIVE : encoder.encode(`: ${note}\n\n`),
  inStreamError(failure, tail) {
    return finishEvent(tail) + openaiInStreamError(failure);
  },
};

/** `data: {"error":…}` — after the first byte the status cannot change any more. */
export function openaiInStreamError(failure: Failure): string {
  const error = {
    message: failure.message,
    type: "server_error",
    param: null,
    code: rowOf(failure).code,
  };
  return `data: ${JSON.stringify({ error })}\n\n`;
}

/**
 * What completes a half-written SSE event so the next one parses on its own: a line cut short
 * needs a blank line after it, an ended line only the blank line.
 */
export function finishEvent(tail: StreamTail): string {
  return tail.last !== NEWLINE ? "\n\n" : tail.beforeLast !== NEWLINE ? "\n" : "";
}
