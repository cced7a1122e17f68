/**
 * What every response Nexus sends carries, whatever route made it: `X-Nexus-Instance` (so a
 * Nexus that probes this one learns it is talking to itself, src/lib/loop.ts), and
 * `Connection: close` when the request's body was not read to its end — a 408 or 413, or a
 * refusal (404, 405, 403 …) sent without reading what the client was still uploading. Keeping
 * such a connection would keep a socket (and its file descriptor) for whatever the client sends
 * next, or for nothing at all.
 * @module
 */
import { INSTANCE_HEADER } from "../lib/loop.ts";

/** Statuses that mean the body was abandoned part-way. */
const ABANDONED_BODY = new Set([408, 413]);

export function finishResponse(request: Request, response: Response, instanceId: string): Response {
  try {
    response.headers.set(INSTANCE_HEADER, instanceId);
    if (ABANDONED_BODY.has(response.status) || (hasBody(request) && !request.bodyUsed)) {
      response.headers.set("connection", "close");
    }
  } catch {
    // Immutable headers: a response Nexus did not build. Nothing to add then.
  }
  return response;
}

function hasBody(request: Request): boolean {
  const length = request.headers.get("content-length");
  if (length !== null) return Number(length) > 0;
  return request.headers.has("transfer-encoding");
}
