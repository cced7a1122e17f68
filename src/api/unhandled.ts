/**
 * The answer to an error nothing else caught (a bug): a 500 in the dialect of the route it hit,
 * so an Ollama client still parses `{"error": …}` and an Anthropic one its own envelope — the
 * failure table's rule holds even for the last resort.
 * @module
 */
import { anthropicDialect, type Dialect, ollamaDialect, openaiDialect } from "../dialects/mod.ts";
import { failure } from "../lib/failures.ts";
import { FRONT_DOORS } from "./front-doors.ts";

/** The dialect a path answers in: its front door's, Ollama's under /api/, else OpenAI's. */
export function dialectOfPath(request: Request, path: string): Dialect {
  const door = FRONT_DOORS.find(([doorPath]) => doorPath === path)?.[1].dialect;
  if (door !== undefined) return door;
  if (path.startsWith("/api/")) return ollamaDialect;
  return path.startsWith("/v1/messages/") || request.headers.has("anthropic-version")
    ? anthropicDialect
    : openaiDialect;
}

export function internalErrorFor(request: Request, path: string): Response {
  return dialectOfPath(request, path).errorResponse(
    failure("internal", "Internal server error"),
    new Headers(),
  );
}
