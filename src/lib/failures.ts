/**
 * The one failure vocabulary. Every way a request can fail is a `FailureKind`; `FAILURES` maps
 * each kind to its HTTP status, each dialect's error code or type, the metric `error_type` and
 * whether a `Retry-After` belongs with it. Statuses are decided here and nowhere else: a
 * dialect's renderer only picks its own columns (docs/api.md lists the table for users).
 * @module
 */

/** Label values of `nexus_errors_total{error_type}`. */
export const ERROR_TYPES = [
  "model_not_found",
  "no_healthy_backend",
  "upstream_error",
  "timeout",
  "client_closed",
  "invalid_request",
  "context_length_exceeded",
  "shutdown",
  "queue_full",
  "queue_timeout",
  "rate_limited",
  "wake_timeout",
  "wake_failed",
  "loop_detected",
  "overloaded",
] as const;
export type ErrorType = typeof ERROR_TYPES[number];

/** Anthropic's error `type` vocabulary (https://docs.anthropic.com/en/api/errors). */
export type AnthropicErrorType =
  | "invalid_request_error"
  | "authentication_error"
  | "permission_error"
  | "not_found_error"
  | "request_too_large"
  | "rate_limit_error"
  | "api_error"
  | "overloaded_error";

export interface FailureRow {
  /** HTTP status in the OpenAI dialect, and in the others unless they override it. */
  readonly status: number;
  /** OpenAI `error.code`. */
  readonly code: string;
  readonly anthropic: AnthropicErrorType;
  readonly anthropicStatus?: number;
  readonly ollamaStatus?: number;
  /** Counted in `nexus_errors_total` under this type; undefined: not a request failure. */
  readonly metric: ErrorType | undefined;
  /** The answer carries `Retry-After` (the failure's own value, else the gateway default). */
  readonly retryAfter?: boolean;
}

export const FAILURES = {
  /** The body is not JSON, not an object, or a field has the wrong type. */
  invalid_request: {
    status: 400,
    code: "invalid_request_error",
    anthropic: "invalid_request_error",
    metric: "invalid_request",
  },
  /** The model cannot do what the request asks (embeddings, a `suffix` it cannot insert). */
  unsupported_by_model: {
    status: 400,
    code: "invalid_request_error",
    anthropic: "invalid_request_error",
    metric: "invalid_request",
  },
  /** No candidate's maximum context can hold the prompt: retrying cannot help. */
  context_length_exceeded: {
    status: 400,
    code: "context_length_exceeded",
    anthropic: "invalid_request_error",
    metric: "context_length_exceeded",
  },
  body_timeout: {
    status: 408,
    code: "request_timeout",
    anthropic: "invalid_request_error",
    metric: "invalid_request",
  },
  body_too_large: {
    status: 413,
    code: "request_too_large",
    anthropic: "request_too_large",
    metric: "invalid_request",
  },
  model_not_found: {
    status: 404,
    code: "model_not_found",
    anthropic: "not_found_error",
    metric: "model_not_found",
  },
  /** The model exists but no backend can take the request now (unhealthy, no vision …). */
  no_capable_backend: {
    status: 503,
    code: "service_unavailable",
    anthropic: "overloaded_error",
    metric: "no_healthy_backend",
    retryAfter: true,
  },
  /** Every candidate failed before the first byte (refused, 5xx, broken answer). */
  upstream_failed: {
    status: 502,
    code: "bad_gateway",
    anthropic: "api_error",
    metric: "upstream_error",
  },
  /** A backend deadline passed: connect, first byte, idle, or the whole request. */
  upstream_timeout: {
    status: 504,
    code: "gateway_timeout",
    anthropic: "api_error",
    metric: "timeout",
  },
  /** The backend answered 503 with a Retry-After: the client hears the same. */
  upstream_unavailable: {
    status: 503,
    code: "service_unavailable",
    anthropic: "overloaded_error",
    metric: "upstream_error",
    retryAfter: true,
  },
  /**
   * The backend refused the request (4xx) on a translated path: its status, its message, in the
   * client's dialect. (On a passthrough path the backend's own bytes reach the client.)
   */
  upstream_rejected: {
    status: 400,
    code: "invalid_request_error",
    anthropic: "invalid_request_error",
    metric: "upstream_error",
  },
  /** Every candidate is full and the queue holds `[queue] max_size` requests already. */
  queue_full: {
    status: 429,
    code: "rate_limit_exceeded",
    anthropic: "overloaded_error",
    anthropicStatus: 529,
    ollamaStatus: 503,
    metric: "queue_full",
    retryAfter: true,
  },
  /** The request waited `[queue] max_wait_seconds` without a free slot. */
  queue_timeout: {
    status: 503,
    code: "service_unavailable",
    anthropic: "overloaded_error",
    anthropicStatus: 529,
    metric: "queue_timeout",
    retryAfter: true,
  },
  /** The only backends that can serve it are asleep, and none woke within `wake.timeout_seconds`. */
  wake_timeout: {
    status: 503,
    code: "service_unavailable",
    anthropic: "overloaded_error",
    metric: "wake_timeout",
    retryAfter: true,
  },
  /** The magic packet could not be sent (no route to the broadcast address, no permission). */
  wake_failed: {
    status: 503,
    code: "service_unavailable",
    anthropic: "overloaded_error",
    metric: "wake_failed",
    retryAfter: true,
  },
  /**
   * The request already passed this Nexus (its instance id is in `X-Nexus-Via`), or more
   * gateways than a real chain has: forwarding it again would loop.
   */
  loop_detected: {
    status: 508,
    code: "loop_detected",
    anthropic: "api_error",
    metric: "loop_detected",
  },
  /** Request bodies being read already fill `server.max_inflight_body_bytes`. */
  overloaded: {
    status: 503,
    code: "service_unavailable",
    anthropic: "overloaded_error",
    anthropicStatus: 529,
    metric: "overloaded",
    retryAfter: true,
  },
  shutting_down: {
    status: 503,
    code: "service_unavailable",
    anthropic: "overloaded_error",
    metric: "shutdown",
    retryAfter: true,
  },
  client_closed: {
    status: 499,
    code: "client_closed_request",
    anthropic: "api_error",
    metric: "client_closed",
  },
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

export type FailureKind = keyof typeof FAILURES;

/** Why a request failed: a value, never thrown, rendered by the endpoint's dialect. */
export interface Failure {
  readonly kind: FailureKind;
  /** A sentence the client can act on; never a secret, never a stack. */
  readonly message: string;
  /** The request field at fault (OpenAI `param`). */
  readonly param?: string | null;
  /** Structured detail kept inside the error object (why each backend was excluded …). */
  readonly context?: unknown;
  /** Seconds to wait before retrying, when known (a backend's own Retry-After). */
  readonly retryAfter?: string;
  /** Only for `upstream_rejected`: the backend's status, kept. */
  readonly status?: number;
  /** Extra response headers (`Allow` on a 405). */
  readonly headers?: Readonly<Record<string, string>>;
}

export function failure(
  kind: FailureKind,
  message: string,
  extra: Omit<Failure, "kind" | "message"> = {},
): Failure {
  return { kind, message, ...extra };
}

/** The row of a failure's kind. */
export function rowOf(failure: Failure): FailureRow {
  return FAILURES[failure.kind];
}

/** The status a failure answers with in a dialect. */
export function statusOf(failure: Failure, dialect: "openai" | "anthropic" | "ollama"): number {
  // A routing rejection carries its OpenAI status too (`RouteRejection.status`): only a backend's
  // own refusal keeps its status in every dialect.
  if (failure.status !== undefined && failure.kind === "upstream_rejected") return failure.status;
  const row: FailureRow = FAILURES[failure.kind];
  if (dialect === "anthropic") return row.anthropicStatus ?? row.status;
  if (dialect === "ollama") return row.ollamaStatus ?? row.status;
  return row.status;
}

/** The `Retry-After` a failure carries: its own, else `fallback` when its kind calls for one. */
export function retryAfterOf(failure: Failure, fallback: string): string | undefined {
  if (failure.retryAfter !== undefined) return failure.retryAfter;
  return (FAILURES[failure.kind] as FailureRow).retryAfter ? fallback : undefined;
}

export function isFailure(value: unknown): value is Failure {
  return typeof value === "object" && value !== null && "kind" in value &&
    typeof (value as { kind: unknown }).kind === "string" &&
    Object.hasOwn(FAILURES, (value as { kind: string }).kind) && "message" in value;
}
