/**
 * The failure table's rows any route can answer with: an unknown path, a wrong method, access
 * refused (no key, a key's limits, too many failed attempts, not an admin), an admin change that
 * cannot be made, an internal error. `failures.ts` joins them with `request-failure-rows.ts`
 * into `FAILURES`.
 * @module
 */
import type { FailureRow } from "./failure-columns.ts";

export const ROUTE_FAILURES = {
  not_found: { status: 404, code: "not_found", anthropic: "not_found_error", metric: undefined },
  method_not_allowed: {
    status: 405,
    code: "method_not_allowed",
    anthropic: "invalid_request_error",
    metric: undefined,
  },
  unauthorized: {
    status: 401,
    code: "unauthorized",
    anthropic: "authentication_error",
    metric: undefined,
  },
  /** A key's requests, tokens or concurrent requests per minute are used up (`[auth] mode = "keys"`). */
  rate_limited: {
    status: 429,
    code: "rate_limit_exceeded",
    anthropic: "rate_limit_error",
    metric: "rate_limited",
    retryAfter: true,
  },
  /** Too many failed authentications from one address within a minute: refused before any check. */
  auth_throttled: {
    status: 429,
    code: "rate_limit_exceeded",
    anthropic: "rate_limit_error",
    metric: undefined,
    retryAfter: true,
  },
  forbidden: { status: 403, code: "forbidden", anthropic: "permission_error", metric: undefined },
  /** An admin change sent without `Content-Type: application/json`. */
  unsupported_media_type: {
    status: 415,
    code: "unsupported_media_type",
    anthropic: "invalid_request_error",
    metric: undefined,
  },
  conflict: {
    status: 409,
    code: "conflict",
    anthropic: "invalid_request_error",
    metric: undefined,
  },
  /** The backend cannot do what was asked at all (load a model on vLLM …). */
  not_supported: {
    status: 409,
    code: "not_supported",
    anthropic: "invalid_request_error",
    metric: undefined,
  },
  internal: { status: 500, code: "internal_error", anthropic: "api_error", metric: undefined },
} as const satisfies Record<string, FailureRow>;
