/**
 * The admin API: GET/POST /v1/backends, DELETE /v1/backends/{name}. Changes pass the admin guard
 * (admin-guard.ts: Host, Origin, content type, then loopback or `server.admin_token`). A URL that
 * answers as this very Nexus is refused before anything else is asked of it. API keys are never
 * part of a backend's JSON.
 * @module
 */
import type { Context } from "hono";
import {
  BACKEND_NAME_PATTERN,
  BACKEND_TYPE_SETTINGS,
  type BackendType,
  isHttpUrl,
  nameFromUrl,
  normaliseBaseUrl,
} from "../config/mod.ts";
import type { DetectionRefused } from "../backends/mod.ts";
import { THIS_NEXUS } from "../lib/loop.ts";
import { type Backend, type Registry, slotLimit } from "../registry/mod.ts";
import { RegistryConflictError } from "../registry/mod.ts";
import { endsWithV1, redactUrl, V1_HINT } from "../lib/urls.ts";
import { type AdminGuardOptions, checkAdminRequest } from "./admin-guard.ts";
import { errorResponse } from "./errors.ts";

export interface AdminDeps extends AdminGuardOptions {
  readonly registry: Registry;
  /** Asks `url` once whether it is this Nexus (its answer carries our instance id). */
  readonly isSelf?: (url: string) => Promise<boolean>;
  /**
   * Probes an unknown server to learn its type; undefined when it is not an LLM server, the
   * refusal when it wanted a key.
   */
  readonly detectType: (url: string) => Promise<BackendType | DetectionRefused | undefined>;
  /** Called after a backend is added so it is checked at once rather than at the next round. */
  readonly onAdded: (backend: Backend) => void;
}

export function backendJson(backend: Backend) {
  return {
    name: backend.name,
    // A password in the URL (Basic auth to a proxy in front of the server) is never shown.
    url: redactUrl(backend.url),
    type: backend.type,
    status: backend.status,
    // The server's own version, as its last probe reported it; null when it does not say.
    version: backend.version ?? null,
    source: backend.source,
    priority: backend.priority,
    pending: backend.pending,
    /** Requests it runs at once (configured `max_concurrent`, else what it says); null: no limit. */
    slots: slotLimit(backend) ?? null,
    slots_in_use: backend.pending,
    requests: backend.requests,
    errors: backend.errors,
    latency_ms: backend.latency_ms === undefined ? null : Math.round(backend.latency_ms * 10) / 10,
    last_error: backend.last_error ?? null,
    last_check: backend.last_check === undefined
      ? null
      : new Date(backend.last_check).toISOString(),
    models: backend.models.map((m) => m.id),
    /** Circuit breaker: closed (normal), open (no traffic while it cools down), half_open. */
    breaker: backend.breaker.state,
    /** Wake-on-LAN settings (null: none); the MAC is not a secret on a LAN. */
    wake: backend.wake ?? null,
    ...(backend.ephemeral ? { ephemeral: true } : {}),
  };
}

export function handleListBackends(deps: AdminDeps) {
  return (c: Context) => c.json({ object: "list", data: deps.registry.list().map(backendJson) });
}

export function handleAddBackend(deps: AdminDeps) {
  return async (c: Context) => {
    const denied = checkAdminRequest(c, deps);
    if (denied) return denied;
    let input: unknown;
    try {
      input = await c.req.json();
    } catch {
      return badRequest('Request body must be JSON: {"url": "http://host:port"}', null);
    }
    const parsed = parseAddRequest(input);
    if ("error" in parsed) return badRequest(parsed.error, parsed.param);
    const { url, name, priority, ephemeral } = parsed;
    const existing = deps.registry.get(name) ?? deps.registry.findByUrl(url);
    if (existing) {
      return conflict(
        existing.name === name
          ? `A backend named "${name}" already exists`
          : `Backend "${existing.name}" already has URL ${redactUrl(url)}`,
      );
    }
    if (await deps.isSelf?.(url)) {
      return badRequest(
        `${
          redactUrl(url)
        } is this Nexus's own address (${THIS_NEXUS}): as its own backend every request would loop`,
        "url",
      );
    }
    const type = parsed.type ?? await deps.detectType(url);
    if (typeof type === "object") {
      // `nexus backends add` has no way to pass a key: the config does.
      return badRequest(
        `Cannot detect the backend type of ${
          redactUrl(url)
        }: it answered ${type.refused}, so it wants an API key; add it to the config under [[backends]] with api_key_env (and type) instead`,
        "url",
      );
    }
    if (!type) {
      const advice = endsWithV1(url)
        ? `the URL ends in /v1: ${V1_HINT}`
        : 'give its type to add it anyway (--type TYPE; "type" in the API)';
      return badRequest(
        `Cannot detect the backend type of ${
          redactUrl(url)
        }: no LLM server answered there; ${advice}`,
        "url",
      );
    }
    try {
      const backend = deps.registry.add({
        name,
        url,
        type,
        priority,
        source: "manual",
        // Not kept in the state file: gone at the next restart (`nexus backends add --ephemeral`).
        ...(ephemeral ? { ephemeral } : {}),
      });
      deps.onAdded(backend);
      return c.json(backendJson(backend), 201);
    } catch (error) {
      if (error instanceof RegistryConflictError) return conflict(error.message);
      throw error;
    }
  };
}

export function handleRemoveBackend(deps: AdminDeps) {
  return (c: Context) => {
    const denied = checkAdminRequest(c, deps);
    if (denied) return denied;
    const name = c.req.param("name") ?? "";
    const removed = deps.registry.remove(name);
    if (!removed) {
      return errorResponse("not_found", `No backend named "${name}"`, { param: "name" });
    }
    return c.json(backendJson(removed));
  };
}

type AddRequest = {
  url: string;
  name: string;
  type: BackendType | undefined;
  priority: number;
  ephemeral: boolean;
};

function parseAddRequest(input: unknown): AddRequest | { error: string; param: string | null } {
  if (input === null || typeof input !== "object" || Array.isArray(input)) {
    return { error: "Request body must be a JSON object", param: null };
  }
  const body = input as Record<string, unknown>;
  if (typeof body.url !== "string" || !isHttpUrl(body.url)) {
    return { error: "'url' must be an http:// or https:// URL", param: "url" };
  }
  const url = normaliseBaseUrl(body.url);
  if (
    body.name !== undefined &&
    (typeof body.name !== "string" || !BACKEND_NAME_PATTERN.test(body.name))
  ) {
    return { error: "'name' may contain only letters, digits and . _ : -", param: "name" };
  }
  if (
    body.type !== undefined && !(BACKEND_TYPE_SETTINGS as readonly unknown[]).includes(body.type)
  ) {
    return { error: `'type' must be one of ${BACKEND_TYPE_SETTINGS.join(", ")}`, param: "type" };
  }
  const priority = body.priority ?? 50;
  if (
    typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 100
  ) {
    return { error: "'priority' must be an integer from 0 to 100", param: "priority" };
  }
  if (body.ephemeral !== undefined && typeof body.ephemeral !== "boolean") {
    return { error: "'ephemeral' must be true or false", param: "ephemeral" };
  }
  return {
    url,
    name: (body.name as string | undefined) ?? nameFromUrl(url),
    // "auto" asks for detection, as an absent type does.
    type: body.type === "auto" ? undefined : body.type as BackendType | undefined,
    priority,
    ephemeral: body.ephemeral === true,
  };
}

const badRequest = (message: string, param: string | null) =>
  errorResponse("invalid_request", message, { param });
const conflict = (message: string) => errorResponse("conflict", message);
