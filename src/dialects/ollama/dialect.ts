/**
 * The Ollama dialect: errors are `{"error":"message"}` with the failure table's Ollama status,
 * streams are newline-delimited JSON (`application/x-ndjson`), and a stream that fails after its
 * first byte ends with one `{"error":"…"}` line, which is how Ollama itself reports a failure
 * mid-stream (its clients throw on it: ollama-js, ollama-python).
 *
 * A quiet stream is kept open with an empty chunk, `done: false`: clients append its empty text
 * and read on. It carries both `message` (what /api/chat clients read: Home Assistant indexes
 * `response["message"]`, Open WebUI `message.content`) and `response` (what /api/generate clients
 * read), and never an `error` key. NDJSON has no comment form, so a queue note is not shown.
 * @module
 */
import { type Failure, statusOf } from "../../lib/failures.ts";
import { type Dialect, setFailureHeaders } from "../contract.ts";

export const NDJSON = "application/x-ndjson";
const NEWLINE = 10;
const encoder = new TextEncoder();

export const ollamaDialect: Dialect = {
  name: "ollama",
  streamContentType: NDJSON,
  errorResponse(failure, headers) {
    const status = statusOf(failure, "ollama");
    headers.set("content-type", "application/json; charset=utf-8");
    setFailureHeaders(failure, headers);
    return new Response(ollamaErrorBody(failure), { status, headers });
  },
  keepAlive: (model) => encoder.encode(keepAliveLine(model)),
  // Only the tail's last byte matters in NDJSON: a line cut short needs its newline first.
  inStreamError(failure, tail) {
    return (tail.last === NEWLINE ? "" : "\n") + ollamaErrorLine(failure);
  },
};

export function ollamaErrorBody(failure: Failure): string {
  return JSON.stringify({ error: failure.message });
}

/** `{"error":"…"}` and its newline: Ollama's in-stream error. */
export function ollamaErrorLine(failure: Failure): string {
  return ollamaErrorBody(failure) + "\n";
}

export function keepAliveLine(model: string): string {
  return `{"model":${
    JSON.stringify(model)
  },"message":{"role":"assistant","content":""},"response":"","done":false}\n`;
}
