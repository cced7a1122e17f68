/**
 * The Hono application: front doors on the exchange pipeline, the management routes, 404/405 in
 * the OpenAI envelope, and a last-resort error handler. No global middleware, so an inference
 * route dispatches straight to its pipeline; the other routes are wrapped one by one so every
 * response carries an X-Request-Id.
 *
 * `createApi` adds the hot path's shortcut: a POST to a front door's exact path goes to its
 * pipeline from a Map, before Hono (its router and per-request Context cost ~2 µs a request,
 * bench/RESULTS.md); the query string is ignored for that match, as Hono ignores it. Anything
 * else — another method, a percent-encoded path, a trailing slash — takes the app's routes.
 * @module
 */
import { type Context, Hono } from "hono";
import type { Auth } from "../auth/mod.ts";
import { anthropicDialect, type Dialect } from "../dialects/mod.ts";
import { createExchangeHandler, type ExchangeDeps } from "../exchange/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import { finishAnswer } from "../lib/connection.ts";
import { describeError } from "../lib/errors.ts";
import type { Registry } from "../registry/mod.ts";
import type { Router } from "../routing/mod.ts";
import type { ModelLifecycle } from "../lifecycle/mod.ts";
import type { ConnInfo } from "../runtime/mod.ts";
import {
  type AdminDeps,
  handleAddBackend,
  handleListBackends,
  handleRemoveBackend,
} from "./backends.ts";
import { mayReadDetails, mountAccess } from "./access.ts";
import { Cors } from "./cors.ts";
import { methodNotAllowed, notFound } from "./errors.ts";
import { FRONT_DOORS } from "./front-doors.ts";
import { stampRequestId } from "./headers.ts";
import { handleHealth } from "./health.ts";
import {
  handleModelChange,
  handleRouterChange,
  handleRouterModels,
  type LifecycleRouteDeps,
} from "./lifecycle.ts";
import { KEYS_PATHS, mountKeys } from "./keys.ts";
import { handleModel, handleModels } from "./models.ts";
import { handleReload, handleWake, type OpsDeps } from "./ops.ts";
import { internalErrorFor } from "./unhandled.ts";
import { mountOllama, OLLAMA_PATHS, ollamaError } from "./ollama.ts";
import { MANAGEMENT_PATHS } from "./ollama-manage.ts";
import { handleExplainRouteGet, handleExplainRoutePost } from "./route.ts";

export interface AppDeps {
  readonly version: string;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Wall-clock ms when the gateway started. */
  readonly startedAt: number;
  readonly registry: Registry;
  readonly router: Router;
  /** What every front door's pipeline needs. */
  readonly exchange: Omit<ExchangeDeps, "router" | "clock">;
  readonly admin: Omit<AdminDeps, "registry">;
  /** Requests waiting in the admission queue now (`/health`). */
  readonly queueWaiting?: () => number;
  /** Model load/unload across the fleet (admin routes). */
  readonly lifecycle?: ModelLifecycle;
  /** `[server] cors_origins`: browser origins allowed on the inference routes. */
  readonly corsOrigins?: "*" | readonly string[];
  /** `[auth] mode = "keys"`: keys, limits and usage (src/auth); absent: every route is open. */
  readonly auth?: Auth;
  /** Problems of shared state (Redis unreachable) that make `/health` degraded. */
  readonly stateProblem?: () => string | undefined;
  /** Config reload and Wake-on-LAN admin routes (absent: they answer 409 not_supported). */
  readonly ops?: Pick<OpsDeps, "reload" | "wake">;
  /** `GET /metrics` and `GET /v1/stats` (src/metrics); absent in a bare library app. */
  readonly observability?: { readonly metrics: RouteHandler; readonly stats: RouteHandler };
  /** The dashboard (src/ui `Dashboard.routes`) when `[ui] enabled`. */
  readonly ui?: {
    readonly get: ReadonlyArray<readonly [path: string, handler: RouteHandler]>;
    /** `GET /` for a browser; undefined lets the request through (API clients). */
    readonly root: (c: Context) => Response | undefined;
  };
}

type RouteHandler = (c: Context) => Response | Promise<Response>;
/** A front door's pipeline; the connection is read only when keys mode needs the peer. */
type RequestHandler = (request: Request, conn?: ConnInfo) => Promise<Response>;

/** The app, and the fetch handler to serve (front doors first, then the app). */
export interface Api {
  readonly app: Hono;
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
}

/** Known paths and their methods, so a wrong method gets 405 instead of 404. */
const KNOWN_PATHS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  ...FRONT_DOORS.map(([path]) => [new RegExp(`^${path}$`), ["POST"]] as const),
  [/^\/v1\/models$/, ["GET"]],
  [/^\/v1\/route$/, ["GET", "POST"]],
  [/^\/health$/, ["GET"]],
  [/^\/v1\/backends$/, ["GET", "POST"]],
  [/^\/v1\/backends\/[^/]+$/, ["DELETE"]],
  [/^\/v1\/backends\/[^/]+\/wake$/, ["POST"]],
  [/^\/v1\/config\/reload$/, ["POST"]],
  [/^\/v1\/models\/.+\/(load|unload)$/, ["POST"]],
  [/^\/v1\/models\/.+$/, ["GET"]],
  [/^\/models$/, ["GET"]],
  [/^\/models\/(load|unload)$/, ["POST"]],
  ...OLLAMA_PATHS,
  ...MANAGEMENT_PATHS,
  ...KEYS_PATHS,
];
const OBSERVABILITY_PATHS: typeof KNOWN_PATHS = [
  [/^\/metrics$/, ["GET"]],
  [/^\/v1\/stats$/, ["GET"]],
];

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

  const knownPaths = deps.observability ? [...KNOWN_PATHS, ...OBSERVABILITY_PATHS] : KNOWN_PATHS;
  app.notFound((c) => {
    const path = c.req.path;
    const known = knownPaths.find(([pattern]) => pattern.test(path));
    // A front door answers a wrong method in its own dialect (Anthropic clients parse theirs);
    // anything under /api/ is Ollama's ground.
    const dialect = FRONT_DOORS.find(([door]) => door === path)?.[1].dialect ??
      anthropicOrUndefined(c.req.raw, path);
    const response = path.startsWith("/api/")
      ? ollamaUnknown(c.req.method, path, known?.[1])
      : known
      ? methodNotAllowed(c.req.method, path, known[1], dialect)
      : notFound(c.req.method, path, dialect);
    return stampRequestId(c.req.raw, response);
  });
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
      return finishAnswer(request, app.fetch(request, env), instanceId);
    },
  };
}

/**
 * The path of `url` when it needs no decoding (no `%`), without its query string; undefined
 * otherwise (Hono then decodes it as it always does).
 */
function plainPath(url: string): string | undefined {
  const start = url.indexOf("/", url.indexOf("//") + 2);
  if (start < 0) return undefined;
  const query = url.indexOf("?", start);
  const path = query < 0 ? url.slice(start) : url.slice(start, query);
  return path.includes("%") ? undefined : path;
}

/** The path of `url`, for a log line. */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return url;
  }
}

function mountLifecycle(app: Hono, deps: LifecycleRouteDeps): void {
  // Model ids may hold slashes (`meta-llama/Llama-3.1-8B`): the parameter takes them all.
  app.post("/v1/models/:model{.+}/load", stamped(handleModelChange(deps, "load")));
  app.post("/v1/models/:model{.+}/unload", stamped(handleModelChange(deps, "unload")));
  app.get("/models", stamped(handleRouterModels(deps.registry)));
  app.post("/models/load", stamped(handleRouterChange(deps, "load")));
  app.post("/models/unload", stamped(handleRouterChange(deps, "unload")));
}

/**
 * Anthropic's SDK parses only its own envelope: a path under `/v1/messages` (batches, say) or a
 * request carrying `anthropic-version` gets it; everything else OpenAI's.
 */
function anthropicOrUndefined(request: Request, path: string): Dialect | undefined {
  return path.startsWith("/v1/messages/") || request.headers.has("anthropic-version")
    ? anthropicDialect
    : undefined;
}

/** Ollama's paths answer in Ollama's envelope, their 404 and 405 included. */
function ollamaUnknown(method: string, path: string, allowed?: readonly string[]): Response {
  if (allowed === undefined) return ollamaError("not_found", `Unknown path: ${method} ${path}`);
  return ollamaError(
    "method_not_allowed",
    `Method ${method} is not allowed on ${path} (allowed: ${allowed.join(", ")})`,
    { allow: allowed.join(", ") },
  );
}

function mountUi(app: Hono, ui: NonNullable<AppDeps["ui"]>): void {
  // Only `/` exactly, and only browsers: the redirect; everything else goes on to its route.
  app.use("/", async (c, next) => {
    const redirect = ui.root(c);
    return redirect ? stampRequestId(c.req.raw, redirect) : await next();
  });
  for (const [path, handler] of ui.get) app.get(path, stamped(handler));
}

function stamped(handler: RouteHandler): RouteHandler {
  return async (c) => stampRequestId(c.req.raw, await handler(c));
}
