/**
 * The Hono application: routes, 404/405 in the OpenAI envelope, and a last-resort error
 * handler. No global middleware, so the hot route dispatches straight to its handler.
 * @module
 */
import { Hono } from "hono";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { describeError } from "../lib/errors.ts";
import type { Registry } from "../registry/mod.ts";
import type { Router } from "../routing/mod.ts";
import {
  type AdminDeps,
  handleAddBackend,
  handleListBackends,
  handleRemoveBackend,
} from "./backends.ts";
import { type ChatDeps, handleChatCompletions } from "./completions.ts";
import { internalError, methodNotAllowed, notFound } from "./errors.ts";
import { handleHealth } from "./health.ts";
import { handleModels } from "./models.ts";
import { handleExplainRouteGet, handleExplainRoutePost } from "./route.ts";

export interface AppDeps {
  readonly version: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wall-clock ms when the gateway started. */
  readonly startedAt: number;
  readonly registry: Registry;
  readonly router: Router;
  readonly chat: Omit<ChatDeps, "router">;
  readonly admin: Omit<AdminDeps, "registry">;
}

/** Known paths and their methods, so a wrong method gets 405 instead of 404. */
const KNOWN_PATHS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^\/v1\/chat\/completions$/, ["POST"]],
  [/^\/v1\/models$/, ["GET"]],
  [/^\/v1\/route$/, ["GET", "POST"]],
  [/^\/health$/, ["GET"]],
  [/^\/v1\/backends$/, ["GET", "POST"]],
  [/^\/v1\/backends\/[^/]+$/, ["DELETE"]],
];

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  const admin: AdminDeps = { ...deps.admin, registry: deps.registry };
  app.post("/v1/chat/completions", handleChatCompletions({ ...deps.chat, router: deps.router }));
  app.get("/v1/models", handleModels(deps.registry, deps.router, deps.startedAt));
  app.get("/v1/route", handleExplainRouteGet(deps.router));
  app.post(
    "/v1/route",
    handleExplainRoutePost(deps.router, deps.chat.maxBodyBytes, deps.chat.bodyTimeoutMs),
  );
  app.get("/health", handleHealth(deps));
  app.get("/v1/backends", handleListBackends(admin));
  app.post("/v1/backends", handleAddBackend(admin));
  app.delete("/v1/backends/:name", handleRemoveBackend(admin));

  app.notFound((c) => {
    const path = c.req.path;
    const known = KNOWN_PATHS.find(([pattern]) => pattern.test(path));
    return known ? methodNotAllowed(c.req.method, path, known[1]) : notFound(c.req.method, path);
  });
  app.onError((error, c) => {
    deps.logger.error("unhandled error", {
      method: c.req.method,
      path: c.req.path,
      error: describeError(error),
    });
    return internalError();
  });
  return app;
}
