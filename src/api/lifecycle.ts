/**
 * Model lifecycle over HTTP, under the admin rules of `/v1/backends`:
 * - `POST /v1/models/{model}/load` (body `{backend?, keep_alive?}`) and `…/unload` (`{backend?}`);
 * - the llama.cpp router shape Open WebUI and others use, for the whole fleet: `GET /models`
 *   (each model with `status.value` `loaded|unloaded`), `POST /models/load|unload {model}`.
 * @module
 */
import type { Context, Hono } from "hono";
import { type Failure, failure, isFailure } from "../lib/failures.ts";
import type { ChangeOptions, ModelChange, ModelLifecycle } from "../lifecycle/mod.ts";
import { isRoutable, type Registry } from "../registry/mod.ts";
import { type AdminGuardOptions, checkAdminRequest } from "./admin-guard.ts";
import { openaiError } from "./errors.ts";
import { stamped } from "./headers.ts";

export interface LifecycleRouteDeps extends AdminGuardOptions {
  readonly lifecycle: ModelLifecycle;
  readonly registry: Registry;
}

/** The lifecycle routes on the app, each answer stamped with its request id. */
export function mountLifecycle(app: Hono, deps: LifecycleRouteDeps): void {
  // Model ids may hold slashes (`meta-llama/Llama-3.1-8B`): the parameter takes them all.
  app.post("/v1/models/:model{.+}/load", stamped(handleModelChange(deps, "load")));
  app.post("/v1/models/:model{.+}/unload", stamped(handleModelChange(deps, "unload")));
  app.get("/models", stamped(handleRouterModels(deps.registry)));
  app.post("/models/load", stamped(handleRouterChange(deps, "load")));
  app.post("/models/unload", stamped(handleRouterChange(deps, "unload")));
}

/** `POST /v1/models/{model}/load|unload`. */
export function handleModelChange(deps: LifecycleRouteDeps, action: "load" | "unload") {
  return async (c: Context): Promise<Response> => {
    const denied = checkAdminRequest(c, deps);
    if (denied) return denied;
    const body = await optionalJson(c, '{"backend": "gpu"}');
    if (isFailure(body)) return openaiError(body);
    const options = changeOptions(body);
    if (isFailure(options)) return openaiError(options);
    // Hono has decoded the parameter already: a second decode read "100%25" as "100%" and then
    // threw on it (500), and turned "a%2525b" into another model's name.
    const model = c.req.param("model") ?? "";
    const result = await deps.lifecycle[action](model, options);
    return isFailure(result) ? openaiError(result) : c.json(changeJson(result));
  };
}

/** `POST /models/load|unload` with `{model, backend?}`: the llama.cpp router's answer shape. */
export function handleRouterChange(deps: LifecycleRouteDeps, action: "load" | "unload") {
  return async (c: Context): Promise<Response> => {
    const denied = checkAdminRequest(c, deps);
    if (denied) return denied;
    const body = await optionalJson(c, '{"model": "llama3:8b"}');
    if (isFailure(body)) return openaiError(body);
    if (typeof body.model !== "string" || body.model === "") {
      return openaiError(failure("invalid_request", "Missing required parameter: 'model'", {
        param: "model",
      }));
    }
    const options = changeOptions(body);
    if (isFailure(options)) return openaiError(options);
    const result = await deps.lifecycle[action](body.model, options);
    return isFailure(result)
      ? openaiError(result)
      : c.json({ success: true, ...changeJson(result) });
  };
}

/** `GET /models`: every model of the routable fleet with `status.value` loaded or unloaded. */
export function handleRouterModels(registry: Registry) {
  return (c: Context): Response => {
    const byId = new Map<string, { backends: string[]; loadedOn: string[] }>();
    for (const backend of registry.list()) {
      if (!isRoutable(backend.status)) continue;
      for (const info of backend.models) {
        const entry = byId.get(info.id) ?? { backends: [], loadedOn: [] };
        entry.backends.push(backend.name);
        // vLLM, exo and cloud APIs serve what they list: loaded unless a server says otherwise.
        if (info.loaded !== false) entry.loadedOn.push(backend.name);
        byId.set(info.id, entry);
      }
    }
    const data = [...byId.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map((
      [id, entry],
    ) => ({
      id,
      object: "model",
      owned_by: "nexus",
      status: { value: entry.loadedOn.length > 0 ? "loaded" : "unloaded" },
      backends: entry.backends,
      loaded_on: entry.loadedOn,
    }));
    return c.json({ object: "list", data });
  };
}

function changeJson(change: ModelChange) {
  return {
    object: "nexus.model_change",
    model: change.model,
    action: change.action,
    backends: change.backends,
    unchanged: change.unchanged,
  };
}

/** The body as an object (empty: `{}`), or a 400 whose example is the route's own body. */
async function optionalJson(
  c: Context,
  example: string,
): Promise<Record<string, unknown> | Failure> {
  const text = await c.req.text();
  if (text.trim() === "") return {};
  try {
    const value: unknown = JSON.parse(text);
    if (value !== null && typeof value === "object" && !Array.isArray(value)) {
      return value as Record<string, unknown>;
    }
  } catch { /* answered below */ }
  return failure("invalid_request", `Request body must be a JSON object, e.g. ${example}`);
}

function changeOptions(body: Record<string, unknown>): ChangeOptions | Failure {
  const { backend, keep_alive } = body;
  if (backend !== undefined && (typeof backend !== "string" || backend === "")) {
    return failure("invalid_request", "'backend' must be a backend name", { param: "backend" });
  }
  if (
    keep_alive !== undefined && typeof keep_alive !== "string" && typeof keep_alive !== "number"
  ) {
    return failure("invalid_request", "'keep_alive' must be a duration like \"30m\" or seconds", {
      param: "keep_alive",
    });
  }
  return {
    ...(backend === undefined ? {} : { backend: backend as string }),
    ...(keep_alive === undefined ? {} : { keepAlive: keep_alive as string | number }),
  };
}
