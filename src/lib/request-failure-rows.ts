/**
 * The failure table's rows for an inference request: how it can fail, from its body to the
 * backend's answer, the queue, Wake-on-LAN and shutdown. Each is counted in
 * `nexus_errors_total`. `failures.ts` joins them with `route-failure-rows.ts` into `FAILURES`.
 * @module
 */
import type { FailureRow } from "./failure-columns.ts";

export const REQUEST_FAILURES = {
  /** The body is not JSON, not an object, or a field has the wrong type. */
  invalid_request: {
    status: 400,
    code: "invalid_request_error",
    anthropic: "invalid_request_error",
    metric: "invalid_request",
  },
  /**
   * A list the request needs at least one of is empty (`messages: []`): OpenAI's own 400, code
   * and all, answered here instead of the backend's (often unhelpful) refusal.
   */
  empty_array: {
    status: 400,
    code: "empty_array",
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
} as const satisfies Record<string, FailureRow>;
