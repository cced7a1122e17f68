/**
 * The Hono application: front doors on the exchange pipeline, the management routes, 404/405 in
 * the client's envelope (`unmatched.ts`), and a last-resort error handler (a 500 in the route's
 * dialect, `unhandled.ts`). No global middleware, so an inference route dispatches straight to
 * its pipeline; the other routes are wrapped one by one so every response carries an
 * X-Request-Id.
 *
 * `createApi` adds the hot path's shortcut: a POST to a front door's exact path goes to its
 * pipeline from a Map, before Hono (its router and per-request Context cost ~2 µs a request,
 * bench/RESULTS.md); the query string is ignored for that match, as Hono ignores it. Anything
 * else — another method, a percent-encoded path, a trailing slash — takes the app's routes.
 * @module
 */
import { type Context, Hono } from "hono";
import { createExchangeHandler, type ExchangeDeps } from "../exchange/mod.ts";
import { finishAnswer } from "../lib/connection.ts";
import { describeError } from "../lib/errors.ts";
import type { ConnInfo } from "../runtime/mod.ts";
import type { Api, AppDeps } from "./app-deps.ts";
import {
  type AdminDeps,
  handleAddBackend,
  handleListBackends,
  handleRemoveBackend,
} from "./backends.ts";
import { mayReadDetails, mountAccess } from "./access.ts";
import { Cors } from "./cors.ts";
import { FRONT_DOORS } from "./front-doors.ts";
import { stamped, stampRequestId } from "./headers.ts";
import { handleHealth } from "./health.ts";
import { headAnswer } from "./head.ts";
import { mountLifecycle } from "./lifecycle.ts";
import { mountKeys } from "./keys.ts";
import { handleModel, handleModels } from "./models.ts";
import { handleReload, handleWake, type OpsDeps } from "./ops.ts";
import { mountOllama } from "./ollama.ts";
import { pathOf, plainPath } from "./request-paths.ts";
import { handleExplainRouteGet, handleExplainRoutePost } from "./route.ts";
import { mountUi } from "./ui-routes.ts";
import { internalErrorFor } from "./unhandled.ts";
import { knownPaths, unmatchedAnswer } from "./unmatched.ts";

export type { Api, AppDeps } from "./app-deps.ts";

/** A front door's pipeline; the connection is read only when keys mode needs the peer. */
type RequestHandler = (request: Request, conn?: ConnInfo) => Promise<Response>;

export function createApp(deps: AppDeps): Hono {
  return createApi(deps).app;
}

export function createApi(deps: AppDeps): Api {
  const app = new Hono();
  /** POST front doors by exact path: what `fetch` dispatches without Hono. */
  const doors = new Map<string, RequestHandler>();
  // First, so a later `GET /` for API clients (another front door) answers only non-browsers.
  const { auth } = deps;
  // Route-specific rules, before the routes they guard (never in front of a front door).
  if (auth) mountAccess(app, auth, deps.admin.adminToken);
  if (deps.ui) mountUi(app, deps.ui);
  const admin: AdminDeps = { ...deps.admin, registry: deps.registry };
  const exchange: ExchangeDeps = {
    ...deps.exchange,
    router: deps.router,
    clock: deps.clock,
    ...(auth ? { auth: auth.guard } : {}),
    unhandled: (error, request) => unhandled(error, request, pathOf(request.url)),
  };
  const cors = new Cors(deps.corsOrigins ?? []);
  for (const [path, endpoint] of FRONT_DOORS) {
    const exchangeHandler = createExchangeHandler(endpoint, exchange);
    // The exchange answers its own unexpected errors (`unhandled`); CORS's step may throw too.
    const handle: RequestHandler = cors.enabled
      ? (request, conn) =>
        exchangeHandler(request, conn).then((response) => cors.decorate(request, response))
          .catch((error) => unhandled(error, request, path))
      : exchangeHandler;
    doors.set(path, handle);
    app.post(path, (c) => handle(c.req.raw, c.env as ConnInfo | undefined));
    if (cors.enabled) app.options(path, (c) => cors.preflight(c.req.raw, ["POST"]));
  }
  // Browsers read the model list too (CORS when configured).
  const readable = (path: string, handler: (c: Context) => Response | Promise<Response>) => {
    if (!cors.enabled) return void app.get(path, handler);
    app.get(path, async (c) => cors.decorate(c.req.raw, await handler(c)));
    app.options(path, (c) => cors.preflight(c.req.raw, ["GET"]));
  };
  readable("/v1/models", stamped(handleModels(deps.registry, deps.router, deps.startedAt)));
  readable(
    "/v1/models/:model{.+}",
    stamped(handleModel(deps.registry, deps.router, deps.startedAt)),
  );
  app.get("/v1/route", stamped(handleExplainRouteGet(deps.router)));
  app.post(
    "/v1/route",
    stamped(handleExplainRoutePost(deps.router, {
      maxBodyBytes: exchange.maxBodyBytes,
      bodyTimeoutMs: exchange.bodyTimeoutMs,
      clock: deps.clock,
    })),
  );
  app.get(
    "/health",
    stamped(handleHealth({
      ...deps,
      ...(auth ? { details: (c: Context) => mayReadDetails(c, auth, deps.admin.adminToken) } : {}),
    })),
  );
  mountKeys(app, { ...deps.admin, auth, clock: deps.clock });
  app.get("/v1/backends", stamped(handleListBackends(admin)));
  app.post("/v1/backends", stamped(handleAddBackend(admin)));
  app.delete("/v1/backends/:name", stamped(handleRemoveBackend(admin)));
  const ops: OpsDeps = {
    ...deps.ops,
    registry: deps.registry,
    adminToken: deps.admin.adminToken,
    allowedHosts: deps.admin.allowedHosts,
    hostName: deps.admin.hostName,
  };
  app.post("/v1/backends/:name/wake", stamped(handleWake(ops)));
  app.post("/v1/config/reload", stamped(handleReload(ops)));
  if (deps.lifecycle) mountLifecycle(app, { ...deps.admin, ...deps, lifecycle: deps.lifecycle });
  mountOllama(app, {
    registry: deps.registry,
    router: deps.router,
    startedAt: deps.startedAt,
    fetch: deps.exchange.proxy.fetch,
    apiKeyFor: deps.exchange.proxy.apiKeyFor,
  }, cors);
  if (deps.observability) {
    app.get("/metrics", stamped(deps.observability.metrics));
    app.get("/v1/stats", stamped(deps.observability.stats));
  }

  const known = knownPaths(
    Boolean(deps.observability),
    deps.ui?.get.map(([path]) => path),
  );
  app.notFound((c) =>
    stampRequestId(c.req.raw, unmatchedAnswer(c.req.raw, c.req.method, c.req.path, known))
  );
  // Every response carries this instance's id (src/lib/connection.ts). A front door's pipeline
  // stamps its own answers as it builds them; everything else is stamped here.
  const instanceId = deps.exchange.instanceId;
  const unhandled = (error: unknown, request: Request, path: string) => {
    deps.logger.error("unhandled error", {
      method: request.method,
      path,
      error: describeError(error),
    });
    const answer = internalErrorFor(request, path);
    return finishAnswer(request, stampRequestId(request, answer), instanceId);
  };
  app.onError((error, c) => unhandled(error, c.req.raw, c.req.path));
  return {
    app,
    fetch(request, env) {
      if (request.method === "POST") {
        const path = plainPath(request.url);
        const handle = path === undefined ? undefined : doors.get(path);
        if (handle !== undefined) {
          // Its errors are answered where they happen (the exchange's `unhandled`): no `catch`
          // here, one promise fewer per request.
          try {
            return handle(request, env as ConnInfo | undefined);
          } catch (error) {
            return unhandled(error, request, path!);
          }
        }
      }
      if (request.method === "HEAD") {
        return finishAnswer(request, headAnswer(app, request, env), instanceId);
      }
      return finishAnswer(request, app.fetch(request, env), instanceId);
    },
  };
}
