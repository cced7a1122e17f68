/**
 * CORS for browser-only chat UIs (`[server] cors_origins`). Only the inference routes and the
 * model list answer preflights and carry `Access-Control-*` headers, and only for allowed origins:
 * management routes (backends, keys, reload …) never do, reads included, so a web page cannot
 * script the admin API. With no origins configured nothing here runs at all.
 * @module
 */
import { stampRequestId } from "./headers.ts";

/** Request headers a browser client may send (OpenAI, Anthropic and Ollama clients, tracing). */
const ALLOWED_HEADERS = [
  "authorization",
  "content-type",
  "x-api-key",
  "anthropic-version",
  "anthropic-beta",
  "x-request-id",
  "x-nexus-priority",
].join(", ");

/** Response headers a browser client may read. */
const EXPOSED_HEADERS = [
  "x-request-id",
  "x-nexus-backend",
  "x-nexus-backend-type",
  "x-nexus-route-reason",
  "x-nexus-fallback-model",
  "x-nexus-queue-wait-ms",
  "x-nexus-warning",
  "x-nexus-token-count",
  "retry-after",
  "x-ratelimit-limit-requests",
  "x-ratelimit-remaining-requests",
  "x-ratelimit-reset-requests",
  "x-ratelimit-limit-tokens",
  "x-ratelimit-remaining-tokens",
  "x-ratelimit-reset-tokens",
].join(", ");

/** How long a browser may cache a preflight answer (seconds). */
const MAX_AGE = "600";

export class Cors {
  readonly #any: boolean;
  readonly #origins: ReadonlySet<string>;

  constructor(origins: "*" | readonly string[]) {
    this.#any = origins === "*" || origins.includes("*");
    this.#origins = new Set(origins === "*" ? [] : origins);
  }

  /** False when no origin is configured: callers skip CORS entirely. */
  get enabled(): boolean {
    return this.#any || this.#origins.size > 0;
  }

  /** The answer to a preflight (`OPTIONS` with `Origin`) for a route allowing `methods`. */
  preflight(request: Request, methods: readonly string[]): Response {
    const origin = request.headers.get("origin");
    if (origin === null || !this.#allows(origin)) {
      // No CORS headers: the browser refuses the real request; nothing else to say.
      return stampRequestId(request, new Response(null, { status: 204 }));
    }
    const headers = this.#originHeaders(origin);
    headers.set("access-control-allow-methods", [...methods, "OPTIONS"].join(", "));
    headers.set("access-control-allow-headers", ALLOWED_HEADERS);
    headers.set("access-control-max-age", MAX_AGE);
    return stampRequestId(request, new Response(null, { status: 204, headers }));
  }

  /** Adds the CORS headers to a response for an allowed origin (a no-op otherwise). */
  decorate(request: Request, response: Response): Response {
    const origin = request.headers.get("origin");
    if (origin === null || !this.#allows(origin)) return response;
    for (const [name, value] of this.#originHeaders(origin)) response.headers.set(name, value);
    response.headers.set("access-control-expose-headers", EXPOSED_HEADERS);
    return response;
  }

  #allows(origin: string): boolean {
    return this.#any || this.#origins.has(origin);
  }

  #originHeaders(origin: string): Headers {
    const headers = new Headers();
    headers.set("access-control-allow-origin", this.#any ? "*" : origin);
    // A specific origin is echoed: caches must keep one answer per origin.
    if (!this.#any) headers.set("vary", "Origin");
    return headers;
  }
}
