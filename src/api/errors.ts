/**
 * Errors of the routes that are not front doors (admin, explain, 404/405): the OpenAI envelope,
 * with statuses from the one failure table (src/lib/failures.ts). Front doors answer through
 * their own dialect (src/exchange).
 * @module
 */
import { type Dialect, openaiDialect } from "../dialects/mod.ts";
import { type Failure, failure, type FailureKind } from "../lib/failures.ts";

export function openaiError(reason: Failure, headers?: HeadersInit): Response {
  return openaiDialect.errorResponse(reason, new Headers(headers));
}

/** Shorthand for `openaiError(failure(kind, message, extra))`. */
export function errorResponse(
  kind: FailureKind,
  message: string,
  extra: Omit<Failure, "kind" | "message"> = {},
): Response {
  return openaiError(failure(kind, message, extra));
}

export const notFound = (
  method: string,
  path: string,
  dialect: Dialect = openaiDialect,
): Response =>
  dialect.errorResponse(failure("not_found", `Unknown path: ${method} ${path}`), new Headers());

export const methodNotAllowed = (
  method: string,
  path: string,
  allowed: readonly string[],
  dialect: Dialect = openaiDialect,
): Response =>
  dialect.errorResponse(
    failure(
      "method_not_allowed",
      `Method ${method} is not allowed on ${path} (allowed: ${allowed.join(", ")})`,
      { headers: { allow: allowed.join(", ") } },
    ),
    new Headers(),
  );
