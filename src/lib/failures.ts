/**
 * The one failure vocabulary. Every way a request can fail is a `FailureKind`; `FAILURES` maps
 * each kind to its HTTP status, each dialect's error code or type, the metric `error_type` and
 * whether a `Retry-After` belongs with it (the columns: `failure-columns.ts`; the rows:
 * `request-failure-rows.ts`, `route-failure-rows.ts`). Statuses are decided in that table and
 * nowhere else: a dialect's renderer only picks its own columns (docs/api.md lists the table for
 * users).
 * @module
 */
import type { FailureRow } from "./failure-columns.ts";
import { REQUEST_FAILURES } from "./request-failure-rows.ts";
import { ROUTE_FAILURES } from "./route-failure-rows.ts";

export {
  type AnthropicErrorType,
  ERROR_TYPES,
  type ErrorType,
  type FailureRow,
} from "./failure-columns.ts";

/** Every row, requests' first: one per `FailureKind`. */
export const FAILURES = {
  ...REQUEST_FAILURES,
  ...ROUTE_FAILURES,
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
