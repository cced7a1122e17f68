/**
 * Admin routes of a running fleet (the admin rules of `/v1/backends`):
 * - `POST /v1/config/reload`: reads the config file again and applies what changed; 200 with
 *   what was applied, or 400 with every error when the new config is invalid (nothing changed).
 * - `POST /v1/backends/{name}/wake`: sends the magic packet now (the wake runs on, shared with
 *   any request waiting for the backend); 202 while it wakes, 200 when it is up already.
 * @module
 */
import type { Context } from "hono";
import type { Failure } from "../lib/failures.ts";
import type { Backend, Registry } from "../registry/mod.ts";
import { type AdminGuardOptions, checkAdminRequest } from "./admin-guard.ts";
import { rejectionHeadline } from "../reload/mod.ts";
import { errorResponse, openaiError } from "./errors.ts";

/** What `POST /v1/config/reload` answers (src/reload `ReloadReport`). */
export interface ReloadAnswer {
  readonly ok: boolean;
  readonly config: string | null;
  readonly applied: readonly string[];
  readonly restart: readonly string[];
  readonly errors: readonly string[];
}

export interface OpsDeps extends AdminGuardOptions {
  readonly registry: Registry;
  /** Reloads the config (absent: this Nexus cannot, e.g. an embedded library app). */
  readonly reload?: (source: string) => Promise<ReloadAnswer>;
  /** Starts waking a backend; resolves once its first packet is out, or with why not. */
  readonly wake?: (backend: Backend) => Promise<Failure | undefined>;
}

export function handleReload(deps: OpsDeps) {
  return async (c: Context) => {
    const denied = checkAdminRequest(c, deps);
    if (denied) return denied;
    if (deps.reload === undefined) {
      return errorResponse("not_supported", "This Nexus was not started from a config to reload");
    }
    const report = await deps.reload("api");
    if (report.ok) return c.json(report);
    return errorResponse(
      "invalid_request",
      `${rejectionHeadline(report.config)}: ${report.errors.join("; ")}`,
      { context: report },
    );
  };
}

export function handleWake(deps: OpsDeps) {
  return async (c: Context) => {
    const denied = checkAdminRequest(c, deps);
    if (denied) return denied;
    const name = c.req.param("name") ?? "";
    const backend = deps.registry.get(name);
    if (!backend) {
      return errorResponse("not_found", `No backend named "${name}"`, { param: "name" });
    }
    if (backend.wake === undefined) {
      return errorResponse(
        "not_supported",
        `Backend ${name} has no wake settings: add wake = { mac = "aa:bb:cc:dd:ee:ff" } to its [[backends]] entry`,
      );
    }
    if (backend.status === "healthy" || backend.status === "busy") {
      return c.json({ backend: name, status: backend.status, waking: false });
    }
    if (deps.wake === undefined) {
      return errorResponse("not_supported", "Wake-on-LAN is not available in this Nexus");
    }
    // The wake goes on after this answer; its first packet went out (or failed) already.
    const failed = await deps.wake(backend);
    if (failed !== undefined) return openaiError(failed);
    return c.json({
      backend: name,
      status: backend.status,
      waking: true,
      mac: backend.wake.mac,
      broadcast: `${backend.wake.broadcast}:${backend.wake.port}`,
      timeout_seconds: backend.wake.timeout_seconds,
    }, 202);
  };
}
