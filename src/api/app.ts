/**
 * The Hono application: routes, 404/405 in the OpenAI envelope, and a last-resort error
 * handler. No global middleware, so the hot route dispatches straight to its handler.
 * @module
 */
import { Hono } from "hono";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { describeError } from "../lib/errors.ts";
import { internalError, methodNotAllowed, notFound } from "./errors.ts";
import { type FleetSummary, handleHealth } from "./health.ts";

export interface AppDeps {
  readonly version: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wall-clock ms when the gateway started. */
  readonly startedAt: number;
  readonly fleet: { summary(): FleetSummary };
}

/** Known paths and their methods, so a wrong method gets 405 instead of 404. */
const ROUTES: Record<string, readonly string[]> = {
  "/health": ["GET"],
};

export function createApp(deps: AppDeps): Hono {
  const app = new Hono();
  app.get("/health", handleHealth(deps));

  app.notFound((c) => {
    const path = c.req.path;
    const allowed = ROUTES[path];
    return allowed ? methodNotAllowed(c.req.method, path, allowed) : notFound(c.req.method, path);
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
