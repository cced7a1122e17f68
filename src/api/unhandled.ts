/**
 * The answer to an error nothing else caught (a bug): a 500 in the dialect of the route it hit,
 * so an Ollama client still parses `{"error": …}` and an Anthropic one its own envelope — the
 * failure table's rule holds even for the last resort.
 * @module
 */
import { failure } from "../lib/failures.ts";
import { dialectOfPath } from "./path-dialect.ts";

export function internalErrorFor(request: Request, path: string): Response {
  return dialectOfPath(request, path).errorResponse(
    failure("internal", "Internal server error"),
    new Headers(),
  );
}
