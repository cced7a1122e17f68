/**
 * The one place that turns failures into HTTP responses. Every error Nexus sends is the OpenAI
 * envelope `{"error":{"message","type","param","code"}}` as JSON, never plain text or an empty
 * body, so every OpenAI client can show it.
 * @module
 */

export type ErrorCode =
  | "invalid_request_error"
  | "request_too_large"
  | "request_timeout"
  | "model_not_found"
  | "service_unavailable"
  | "bad_gateway"
  | "gateway_timeout"
  | "not_found"
  | "method_not_allowed"
  | "unauthorized"
  | "forbidden"
  | "conflict"
  | "client_closed_request"
  | "internal_error";

export interface ApiErrorInit {
  readonly status: number;
  readonly message: string;
  readonly code: ErrorCode;
  readonly param?: string | null;
  /** Extra structured detail kept inside the error object (e.g. why backends were excluded). */
  readonly context?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** OpenAI's `type` vocabulary, chosen by status so clients branch on it as they do with OpenAI. */
function typeFor(status: number): string {
  if (status === 401) return "authentication_error";
  if (status === 403) return "permission_error";
  if (status === 429) return "rate_limit_error";
  return status < 500 ? "invalid_request_error" : "server_error";
}

export function errorBody(init: ApiErrorInit): string {
  const error: Record<string, unknown> = {
    message: init.message,
    type: typeFor(init.status),
    param: init.param ?? null,
    code: init.code,
  };
  if (init.context !== undefined) error.context = init.context;
  return JSON.stringify({ error });
}

export function errorResponse(init: ApiErrorInit): Response {
  const headers = new Headers(init.headers);
  headers.set("content-type", "application/json");
  return new Response(errorBody(init), { status: init.status, headers });
}

export const notFound = (method: string, path: string): Response =>
  errorResponse({ status: 404, code: "not_found", message: `Unknown path: ${method} ${path}` });

export const methodNotAllowed = (
  method: string,
  path: string,
  allowed: readonly string[],
): Response =>
  errorResponse({
    status: 405,
    code: "method_not_allowed",
    message: `Method ${method} is not allowed on ${path} (allowed: ${allowed.join(", ")})`,
    headers: { allow: allowed.join(", ") },
  });

export const internalError = (): Response =>
  errorResponse({ status: 500, code: "internal_error", message: "Internal server error" });
