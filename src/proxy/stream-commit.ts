/**
 * The commit of a stream whose first chunk is in (src/proxy/attempt.ts), as `wholeCommit` is a
 * whole answer's (src/proxy/whole-answer.ts). Apart from the attempt, which keeps its deadlines
 * and owns the relay: this is only the shape the forwarder and the exchange read.
 * @module
 */
import type { Backend } from "../registry/mod.ts";
import type { AttemptCommit } from "./attempt-types.ts";

/**
 * `body` (the relay's stream) committed from `backend` with `upstream`'s status; `contentType`
 * is the translator's when the client speaks another dialect.
 */
export function streamCommit(
  backend: Backend,
  upstream: Response,
  contentType: string | null,
  body: ReadableStream<Uint8Array>,
  responseHeaders: Readonly<Record<string, string>> | undefined,
  ttfbMs: number,
): AttemptCommit {
  const commit: { -readonly [K in keyof AttemptCommit]: AttemptCommit[K] } = {
    ok: true,
    backend,
    status: upstream.status,
    contentType,
    retryAfter: null,
    body,
    ttfbMs,
  };
  if (responseHeaders !== undefined) commit.headers = responseHeaders;
  return commit;
}
