/**
 * The columns of the failure table: what each row says about its kind (HTTP status per
 * dialect, OpenAI code, Anthropic type, metric `error_type`, `Retry-After`), and the
 * vocabularies those columns take their values from.
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
