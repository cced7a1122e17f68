/**
 * What every response Nexus sends carries, whatever route made it: `X-Nexus-Instance` (so a
 * Nexus that probes this one learns it is talking to itself, src/lib/loop.ts), and
 * `Connection: close` when the request's body was not read to its end — a 408 or 413, or a
 * refusal (404, 405, 403 …) sent without reading what the client was still uploading. Keeping
 * such a connection would keep a socket (and its file descriptor) for whatever the client sends
 * next, or for nothing at all.
 *
 * The API stamps what its routes answer (src/api/app.ts); a front door's pipeline stamps its own
 * (src/exchange/answer.ts): an answer it commits carries the header in the record it is built
 * from, which spares the runtime a `Headers` object per request.
 * @module
 */
import { INSTANCE_HEADER } from "./loop.ts";

/** Statuses that mean the body was abandoned part-way. */
const ABANDONED_BODY = new Set([408, 413]);

/** `response` with `X-Nexus-Instance` (and `Connection: close` when the body was left unread). */
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

/** `finishResponse` on whatever `answer` becomes; as it is when there is no instance id (a library). */
export function finishAnswer(request: Request, answer: Response, instanceId?: string): Response;
export function finishAnswer(
  request: Request,
  answer: Response | Promise<Response>,
  instanceId?: string,
): Response | Promise<Response>;
export function finishAnswer(
  request: Request,
  answer: Response | Promise<Response>,
  instanceId?: string,
): Response | Promise<Response> {
  if (instanceId === undefined) return answer;
  return answer instanceof Promise
    ? answer.then((response) => finishResponse(request, response, instanceId))
    : finishResponse(request, answer, instanceId);
}
