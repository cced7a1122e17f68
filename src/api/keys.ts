/**
 * The keys admin API, under the admin rules (a loopback peer, or `server.admin_token`):
 * `POST /v1/keys` creates a key and answers it once; `GET /v1/keys` lists keys without them;
 * `DELETE /v1/keys/{name}` revokes one; `GET /v1/keys/usage?name=&since=7d` answers usage by
 * key, model and day (the fleet's, from Redis, when it answers). With `[auth] mode = "off"` the
 * routes answer 409: there is nothing to manage.
 * @module
 */
import type { Context, Hono } from "hono";
import { type Auth, isLimit, KeyError, type NewKey, publicView } from "../auth/mod.ts";
import type { Clock } from "../lib/clock.ts";
import { parseDuration } from "../lib/durations.ts";
import { dayOf, daysBefore, RETENTION_DAYS } from "../state/mod.ts";
import { type AdminGuardOptions, checkAdminRequest } from "./admin-guard.ts";
import { errorResponse } from "./errors.ts";
import { stampRequestId } from "./headers.ts";

export interface KeysRouteDeps extends AdminGuardOptions {
  readonly auth: Auth | undefined;
  readonly clock: Clock;
}

type Handler = (c: Context, auth: Auth) => Response | Promise<Response>;

export function mountKeys(app: Hono, deps: KeysRouteDeps): void {
  const route = (handler: Handler) => async (c: Context) => {
    // Every keys route, reads too: a key is answered once, to whoever created it — never to a
    // page that rebound its name to this machine.
    const denied = checkAdminRequest(c, deps);
    if (denied) return stampRequestId(c.req.raw, denied);
    if (deps.auth === undefined) {
      return stampRequestId(
        c.req.raw,
        errorResponse(
          "not_supported",
          'API keys are off: set [auth] mode = "keys" in the config and restart Nexus',
        ),
      );
    }
    return stampRequestId(c.req.raw, await handler(c, deps.auth));
  };
  app.get("/v1/keys", route((c, auth) => listKeys(c, auth, deps.clock)));
  app.post("/v1/keys", route((c, auth) => createKey(c, auth, deps.clock)));
  app.get("/v1/keys/usage", route((c, auth) => keyUsage(c, auth, deps.clock)));
  app.delete("/v1/keys/:name", route((c, auth) => revokeKey(c, auth, deps.clock)));
}

export const KEYS_PATHS: ReadonlyArray<readonly [RegExp, readonly string[]]> = [
  [/^\/v1\/keys$/, ["GET", "POST"]],
  [/^\/v1\/keys\/usage$/, ["GET"]],
  [/^\/v1\/keys\/[^/]+$/, ["DELETE"]],
];

function listKeys(c: Context, auth: Auth, clock: Clock): Response {
  const now = clock.now();
  return c.json({ object: "list", data: auth.keys.list().map((r) => publicView(r, now)) });
}

async function createKey(c: Context, auth: Auth, clock: Clock): Promise<Response> {
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return invalid('Request body must be JSON: {"name": "alice", "rpm": 60, ...}', null);
  }
  const input = parseNewKey(body, clock.now());
  if ("error" in input) return invalid(input.error, input.param);
  try {
    const { key, record } = await auth.keys.create(input);
    return c.json({ object: "nexus.key", key, ...publicView(record, clock.now()) }, 201);
  } catch (error) {
    return keyErrorResponse(error);
  }
}

async function revokeKey(c: Context, auth: Auth, clock: Clock): Promise<Response> {
  try {
    const record = await auth.keys.revoke(c.req.param("name") ?? "");
    return c.json({ object: "nexus.key", ...publicView(record, clock.now()) });
  } catch (error) {
    return keyErrorResponse(error);
  }
}

async function keyUsage(c: Context, auth: Auth, clock: Clock): Promise<Response> {
  const sinceText = c.req.query("since") ?? "7d";
  const span = parseDuration(sinceText);
  if (span === undefined || span > RETENTION_DAYS * 86_400_000) {
    return invalid(
      `'since' must be a duration like 7d or 12h, at most ${RETENTION_DAYS}d`,
      "since",
    );
  }
  const now = clock.now();
  // Whole UTC days: usage is kept by day.
  const since = daysBefore(dayOf(now), Math.max(0, Math.ceil(span / 86_400_000) - 1));
  const name = c.req.query("name") || undefined;
  const { rows, source } = await auth.usage.rows({ since, ...(name ? { key: name } : {}) });
  return c.json({ object: "list", since, source, data: rows });
}

function parseNewKey(
  input: unknown,
  now: number,
): NewKey | { error: string; param: string | null } {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return { error: "Request body must be a JSON object", param: null };
  }
  const body = input as Record<string, unknown>;
  if (typeof body.name !== "string") return { error: "'name' is required", param: "name" };
  for (const field of ["rpm", "tpm", "concurrency"] as const) {
    if (body[field] !== undefined && body[field] !== null && !isLimit(body[field])) {
      return { error: `'${field}' must be a whole number from 1`, param: field };
    }
  }
  if (
    body.models !== undefined && body.models !== null &&
    !(Array.isArray(body.models) && body.models.length > 0 &&
      body.models.every((m) => typeof m === "string" && m.trim() !== ""))
  ) {
    return { error: "'models' must be a list of model names or globs", param: "models" };
  }
  let expiresAt: string | null = null;
  if (typeof body.expires_in === "string") {
    const ms = parseDuration(body.expires_in);
    if (ms === undefined) {
      return { error: "'expires_in' must be a duration like 30d or 12h", param: "expires_in" };
    }
    expiresAt = new Date(now + ms).toISOString();
  } else if (body.expires_in !== undefined) {
    return { error: "'expires_in' must be a duration like 30d or 12h", param: "expires_in" };
  }
  return {
    name: body.name,
    models: (body.models as string[] | null | undefined)?.map((m) => m.trim()) ?? null,
    rpm: (body.rpm as number | null | undefined) ?? null,
    tpm: (body.tpm as number | null | undefined) ?? null,
    concurrency: (body.concurrency as number | null | undefined) ?? null,
    expires_at: expiresAt,
  };
}

function keyErrorResponse(error: unknown): Response {
  if (!(error instanceof KeyError)) throw error;
  const kind = error.kind === "invalid" ? "invalid_request" : error.kind;
  return errorResponse(kind, error.message, { param: error.kind === "invalid" ? "name" : null });
}

const invalid = (message: string, param: string | null) =>
  errorResponse("invalid_request", message, { param });
