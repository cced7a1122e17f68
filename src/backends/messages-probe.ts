/**
 * Does a backend serve Anthropic's `POST /v1/messages` itself (Ollama ≥ 0.14, LM Studio ≥ 0.4.1,
 * recent llama.cpp and vLLM)? Asked once by `FeatureProbe` (features.ts), without hurting it: the
 * body `{}` names no model, so no server generates anything. A server without the route answers
 * 404 or 405 — or, LM Studio, 200 with `Unexpected endpoint or method` —, one with it a
 * validation error (400, 422). 401/403, a 5xx, a timeout or a refused connection say nothing
 * about the route: the feature stays unknown (requests are translated, which always works).
 * `[[backends]] anthropic = true|false` decides without asking.
 * @module
 */
import { type HttpContext, requestText } from "./http.ts";

export const MESSAGES_PROBE_PATH = "/v1/messages";

/** true served, false not served, undefined not known. */
export async function detectMessages(context: HttpContext): Promise<boolean | undefined> {
  const reply = await requestText(context, MESSAGES_PROBE_PATH, { method: "POST", json: {} });
  if (!reply.ok) return undefined;
  const { status, text } = reply;
  // LM Studio answers a path it does not have with an error body, whatever the status.
  if (status === 404 || status === 405 || text.includes("Unexpected endpoint")) return false;
  if (status === 400 || status === 422) return true;
  return undefined;
}
