/**
 * Who may call the routes that are not front doors, in keys mode (`[auth] mode = "keys"`):
 * - model listings and Ollama's model routes (`/v1/models`, `GET /v1/models/{id}`, `/api/tags`, `/api/ps`, `/api/show`,
 *   `/api/pull` …) need a key, as inference does;
 * - fleet reads (`GET /v1/backends`, `/v1/route`, `GET /models`) need a key or the admin rules
 *   (a loopback peer, or `server.admin_token`);
 * - `/metrics`, `/v1/stats` and `/ui/events` follow `[auth] metrics`: open, key, or admin.
 * Mounted as route-specific middleware (never in front of a front door), and only in keys mode;
 * a CORS preflight passes (it carries no credentials). `/`, `/api/version`, `/health` and the
 * dashboard page stay open. A listing read with a key shows the models that key may use
 * (src/api/model-scope.ts).
 * @module
 */
import type { Context, Hono, MiddlewareHandler } from "hono";
import type { Auth } from "../auth/mod.ts";
import { isFailure } from "../lib/failures.ts";
import type { ConnInfo } from "../runtime/mod.ts";
import { checkAdmin } from "./admin-guard.ts";
import { openaiError } from "./errors.ts";
import { stampRequestId } from "./headers.ts";
import { scopeModels } from "./model-scope.ts";
import { ollamaErrorOf } from "./ollama.ts";

type Rule = "key" | "key_or_admin" | "admin";

const KEY_ROUTES: ReadonlyArray<readonly [path: string, rule: Rule, dialect: "openai" | "ollama"]> =
  [
    ["/v1/models", "key", "openai"],
    ["/api/tags", "key", "ollama"],
    ["/api/ps", "key", "ollama"],
    ["/api/show", "key", "ollama"],
    ["/api/pull", "key", "ollama"],
    ["/api/push", "key", "ollama"],
    ["/api/create", "key", "ollama"],
    ["/api/copy", "key", "ollama"],
    ["/api/delete", "key", "ollama"],
    ["/api/blobs/*", "key", "ollama"],
    ["/v1/backends", "key_or_admin", "openai"],
    ["/v1/route", "key_or_admin", "openai"],
    ["/models", "key_or_admin", "openai"],
  ];
const OBSERVABILITY_ROUTES = ["/metrics", "/v1/stats", "/ui/events"] as const;

export function peerOf(c: Context): string {
  return (c.env as ConnInfo | undefined)?.remoteAddress ?? "";
}

/** Mounts the keys-mode rules; call before the routes they guard. */
export function mountAccess(app: Hono, auth: Auth, adminToken: string | undefined): void {
  for (const [path, rule, dialect] of KEY_ROUTES) {
    app.use(path, guard(auth, adminToken, rule, dialect));
  }
  // Only GET: POST …/load and …/unload under the same prefix follow the admin rules. Not
  // `/v1/models/*`, which Hono also matches on `/v1/models` (guarded above: checked twice).
  app.on("GET", "/v1/models/:model{.+}", guard(auth, adminToken, "key", "openai"));
  // Read per request: a config reload may change `[auth] metrics`.
  const byKey = guard(auth, adminToken, "key_or_admin", "openai");
  const byAdmin = guard(auth, adminToken, "admin", "openai");
  const observability: MiddlewareHandler = (c, next) => {
    const access = auth.metricsAccess;
    if (access === "open") return next();
    return (access === "key" ? byKey : byAdmin)(c, next);
  };
  for (const path of OBSERVABILITY_ROUTES) app.use(path, observability);
}

/** May this caller see `/health`'s backend details? (Keys mode: a key holder or an admin.) */
export function mayReadDetails(c: Context, auth: Auth, adminToken: string | undefined): boolean {
  return checkAdmin(c, adminToken) === undefined || auth.guard.identifies(c.req.raw.headers);
}

function guard(
  auth: Auth,
  adminToken: string | undefined,
  rule: Rule,
  dialect: "openai" | "ollama",
): MiddlewareHandler {
  return async (c, next) => {
    if (c.req.method === "OPTIONS") return await next();
    if (rule !== "key") {
      const denied = checkAdmin(c, adminToken);
      if (denied === undefined) return await next();
      // A refusal carries the request id as every other answer does.
      if (rule === "admin") return stampRequestId(c.req.raw, denied);
    }
    const who = auth.guard.authenticate(c.req.raw.headers, peerOf(c));
    if (!isFailure(who)) {
      if (who.known.record.models !== null) scopeModels(c.req.raw, who.known.allows);
      return await next();
    }
    return stampRequestId(c.req.raw, dialect === "ollama" ? ollamaErrorOf(who) : openaiError(who));
  };
}
