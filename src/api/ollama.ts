/**
 * Ollama's own routes that are not inference (inference runs through the exchange pipeline as
 * front doors, src/api/front-doors.ts): the liveness text at `/`, `/api/version`, the fleet's
 * models (`/api/tags`) and loaded models (`/api/ps`), `/api/show`, and model management
 * (`/api/pull` …, src/api/ollama-manage.ts). Errors use Ollama's `{"error":"…"}`.
 * @module
 */
import type { Context, Hono } from "hono";

import { ollamaDialect, psEntries, tagEntries } from "../dialects/mod.ts";
import { type Failure, failure, type FailureKind } from "../lib/failures.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import type { Router } from "../routing/mod.ts";
import type { Cors } from "./cors.ts";
import { type RouteHandler, stamped, stampRequestId } from "./headers.ts";
import { visibleModels } from "./model-scope.ts";
import { mountOllamaManagement } from "./ollama-manage.ts";
import { handleOllamaShow } from "./ollama-show.ts";

/**
 * The version `/api/version` reports: the Ollama release whose API this front door implements
 * (`think` arrived in 0.9.0), not any backend's. Clients gate on it: VS Code Copilot requires
 * 0.6.4 or later, Open WebUI compares the dotted numbers (docs/api.md, "Ollama dialect").
 */
export const OLLAMA_API_VERSION = "0.9.0";

export interface OllamaRouteDeps {
  readonly registry: Registry;
  readonly router: Router;
  /** Wall-clock ms when the gateway started: the `modified_at` of models whose server says none. */
  readonly startedAt: number;
  readonly fetch: (input: string, init: RequestInit) => Promise<Response>;
  readonly apiKeyFor: (backend: Backend) => string | undefined;
}

/** Paths and methods, for 405s. */
export const OLLAMA_PATHS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^\/$/, ["GET", "HEAD"]],
  [/^\/api\/version$/, ["GET"]],
  [/^\/api\/tags$/, ["GET"]],
  [/^\/api\/ps$/, ["GET"]],
  [/^\/api\/show$/, ["POST"]],
];

/**
 * Mounts the routes; the reads browser apps make (`/api/version`, `/api/tags`, `/api/ps`,
 * `/api/show`) answer CORS as the inference routes do.
 */
export function mountOllama(app: Hono, deps: OllamaRouteDeps, cors: Cors): void {
  const startedAt = new Date(deps.startedAt).toISOString();
  const read = (method: "GET" | "POST", path: string, handler: RouteHandler) => {
    const answer = stamped(handler);
    if (!cors.enabled) {
      app.on(method, path, answer);
      return;
    }
    app.on(method, path, async (c) => cors.decorate(c.req.raw, await answer(c)));
    app.options(path, (c) => cors.preflight(c.req.raw, [method]));
  };
  const resolve = (model: string) => deps.router.resolveModel(model);
  app.get("/", (c) => stampRequestId(c.req.raw, ollamaRoot(c)));
  read("GET", "/api/version", (c) => c.json({ version: OLLAMA_API_VERSION }));
  read("GET", "/api/tags", (c) => {
    const aliases = new Map(
      // As a request resolves it: an alias of `llama3.2` names Ollama's `llama3.2:latest`.
      deps.router.aliasNames().map((alias) => [alias, deps.router.resolveModel(alias)]),
    );
    const models = tagEntries(deps.registry.list(), aliases, startedAt);
    return c.json({ models: visibleModels(c.req.raw, models, (entry) => entry.name, resolve) });
  });
  read("GET", "/api/ps", (c) => {
    const models = psEntries(deps.registry.list());
    return c.json({ models: visibleModels(c.req.raw, models, (entry) => entry.name, resolve) });
  });
  read("POST", "/api/show", (c) => handleOllamaShow(c, deps));
  mountOllamaManagement(app, deps);
}

/**
 * `GET /` and `HEAD /`: Ollama's liveness answer, which its clients check before anything else
 * (a browser asking for HTML is sent to the dashboard before this, src/api/ui-routes.ts). A HEAD
 * says its length, 17, as Ollama's does (src/api/head.ts).
 */
function ollamaRoot(c: Context): Response {
  // The type said outright, as Ollama's: a body Bun types only as it writes it can lose its
  // type when the answer is rebuilt on its way out (seen as application/octet-stream).
  return c.body("Ollama is running", 200, { "content-type": "text/plain; charset=utf-8" });
}

/** A failure in Ollama's envelope (its headers, Retry-After included). */
export function ollamaErrorOf(reason: Failure): Response {
  return ollamaDialect.errorResponse(reason, new Headers());
}

/** An error in Ollama's envelope, with the failure table's Ollama status. */
export function ollamaError(
  kind: FailureKind,
  message: string,
  headers?: Record<string, string>,
): Response {
  return ollamaDialect.errorResponse(
    failure(kind, message, headers ? { headers } : {}),
    new Headers(),
  );
}
