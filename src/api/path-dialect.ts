/**
 * The dialect a path answers its errors in, so each client parses the envelope it knows: a front
 * door's own, Ollama's under `/api/`, Anthropic's under `/v1/messages/` or for a request that
 * carries `anthropic-version`, else OpenAI's. Shared by the 404/405 answers (`unmatched.ts`) and
 * the 500 of an error nothing caught (`unhandled.ts`).
 * @module
 */
import { anthropicDialect, type Dialect, ollamaDialect, openaiDialect } from "../dialects/mod.ts";
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
