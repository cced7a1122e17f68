/**
 * The headers of a committed answer: the backend's content type (and Retry-After), the stream
 * hints reverse proxies need, and the `X-Nexus-*` headers that say who served the request and why
 * (docs/api.md, "Response headers").
 * @module
 */
import { CLOUD_BACKEND_TYPES } from "../config/mod.ts";
import type { AttemptCommit, RouteReason } from "../proxy/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";

export function committedHeaders(
  commit: AttemptCommit,
  candidate: RouteCandidate,
  routeReason: RouteReason,
  requestId: string,
  stream: boolean,
): Headers {
  const headers = new Headers();
  if (commit.contentType) headers.set("content-type", commit.contentType);
  if (commit.retryAfter) headers.set("retry-after", commit.retryAfter);
  if (stream && commit.status < 400) {
    headers.set("cache-control", "no-cache");
    // Tells nginx-style reverse proxies not to buffer the event stream.
    headers.set("x-accel-buffering", "no");
  }
  nexusHeaders(headers, candidate, routeReason);
  if (commit.headers !== undefined) {
    for (const [name, value] of Object.entries(commit.headers)) headers.set(name, value);
  }
  headers.set("x-request-id", requestId);
  return headers;
}

/** `X-Nexus-Backend`, `-Backend-Type`, `-Route-Reason` and `-Fallback-Model`. */
export function nexusHeaders(
  headers: Headers,
  candidate: RouteCandidate,
  routeReason: RouteReason,
): void {
  const { backend } = candidate;
  headers.set("x-nexus-backend", backend.name);
  headers.set("x-nexus-backend-type", CLOUD_BACKEND_TYPES.has(backend.type) ? "cloud" : "local");
  headers.set("x-nexus-route-reason", routeReason);
  if (candidate.fallback) headers.set("x-nexus-fallback-model", candidate.model);
}
