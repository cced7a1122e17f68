/**
 * The headers of a committed answer: the backend's content type (and Retry-After), the stream
 * hints reverse proxies need, and the `X-Nexus-*` headers that say who served the request and why
 * (docs/api.md, "Response headers").
 *
 * A plain object, not a `Headers`: the runtime builds the response's headers from it natively,
 * ~1 µs less per request than seven `Headers.set` calls and the copy (bench/RESULTS.md). Names
 * are lower case, so none can appear twice.
 * @module
 */
import { CLOUD_BACKEND_TYPES } from "../config/mod.ts";
import type { AttemptCommit, RouteReason } from "../proxy/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";

export type HeaderRecord = Record<string, string>;

export function committedHeaders(
  commit: AttemptCommit,
  candidate: RouteCandidate,
  routeReason: RouteReason,
  requestId: string,
  stream: boolean,
  queueWaitMs: number,
): HeaderRecord {
  const headers: HeaderRecord = {};
  if (commit.contentType) headers["content-type"] = commit.contentType;
  if (commit.retryAfter) headers["retry-after"] = commit.retryAfter;
  if (stream && commit.status < 400) {
    headers["cache-control"] = "no-cache";
    // Tells nginx-style reverse proxies not to buffer the event stream.
    headers["x-accel-buffering"] = "no";
  }
  nexusHeaders(headers, candidate, routeReason);
  if (commit.headers !== undefined) {
    for (const name in commit.headers) headers[name.toLowerCase()] = commit.headers[name]!;
  }
  headers["x-request-id"] = requestId;
  headers["x-nexus-queue-wait-ms"] = String(Math.round(queueWaitMs));
  return headers;
}

/** `X-Nexus-Backend`, `-Backend-Type`, `-Route-Reason` and `-Fallback-Model`. */
export function nexusHeaders(
  headers: HeaderRecord,
  candidate: RouteCandidate,
  routeReason: RouteReason,
): void {
  const { backend } = candidate;
  headers["x-nexus-backend"] = backend.name;
  headers["x-nexus-backend-type"] = CLOUD_BACKEND_TYPES.has(backend.type) ? "cloud" : "local";
  headers["x-nexus-route-reason"] = routeReason;
  if (candidate.fallback) headers["x-nexus-fallback-model"] = candidate.model;
}
