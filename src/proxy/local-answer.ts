/**
 * An answer the endpoint gives without calling a backend (`Endpoint.answer`: a token count Nexus
 * estimates), committed like a backend's whole answer so the client gets the same headers, logs
 * and metrics.
 * @module
 */
import type { LocalAnswer } from "../dialects/mod.ts";
import type { Backend } from "../registry/mod.ts";
import type { AttemptCommit } from "./attempt-types.ts";

const encoder = new TextEncoder();

export function localCommit(backend: Backend, answer: LocalAnswer): AttemptCommit {
  return {
    ok: true,
    backend,
    status: 200,
    contentType: answer.contentType,
    retryAfter: null,
    body: encoder.encode(answer.text),
    ttfbMs: 0,
    ...(answer.headers === undefined ? {} : { headers: answer.headers }),
  };
}
