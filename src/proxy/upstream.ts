/**
 * Builds the request sent to a backend. Headers come from an allow-list in a fresh Headers
 * object (never a copy of the client's with deletions), so hop-by-hop and client-specific
 * headers can never leak upstream (RFC 9110 §7.6.1).
 * @module
 */
import type { Backend } from "../registry/mod.ts";

export const CHAT_PATH = "/v1/chat/completions";

export interface UpstreamInput {
  readonly backend: Backend;
  /** The model name the backend should see. */
  readonly model: string;
  readonly requestedModel: string;
  readonly bodyText: string;
  readonly body: Record<string, unknown>;
  readonly clientHeaders: Headers;
  readonly requestId: string;
  /** The backend's own key (from api_key_env), when it has one. */
  readonly apiKey: string | undefined;
}

export function upstreamUrl(backend: Backend, path: string): string {
  return backend.url + path;
}

export function upstreamHeaders(input: UpstreamInput): Headers {
  const headers = new Headers();
  headers.set("content-type", "application/json");
  headers.set("accept", input.clientHeaders.get("accept") ?? "application/json, text/event-stream");
  // Identity encoding keeps the bytes the client receives exactly the backend's: fetch would
  // otherwise decompress transparently and the framing headers would no longer match.
  headers.set("accept-encoding", "identity");
  headers.set("x-request-id", input.requestId);
  if (input.apiKey !== undefined) {
    headers.set("authorization", `Bearer ${input.apiKey}`);
  } else {
    // A backend without its own key may be a server that checks the client's key itself.
    const authorization = input.clientHeaders.get("authorization");
    if (authorization) headers.set("authorization", authorization);
  }
  return headers;
}

/** The original text unless the model name changed, so unknown fields pass through untouched. */
export function upstreamBody(input: UpstreamInput): string {
  if (input.model === input.requestedModel) return input.bodyText;
  return JSON.stringify({ ...input.body, model: input.model });
}
