/**
 * What the HTTP app is built from (`createApi`): the long-lived parts and the settings in
 * effect, and the app it returns with its fetch handler.
 * @module
 */
import type { Hono } from "hono";
import type { Auth } from "../auth/mod.ts";
import type { ExchangeDeps } from "../exchange/mod.ts";
import type { Clock } from "../lib/clock.ts";
import type { Logger } from "../lib/logger.ts";
import type { ModelLifecycle } from "../lifecycle/mod.ts";
import type { Registry } from "../registry/mod.ts";
import type { Router } from "../routing/mod.ts";
import type { AdminDeps } from "./backends.ts";
import type { RouteHandler } from "./headers.ts";
import type { OpsDeps } from "./ops.ts";
import type { UiRoutes } from "./ui-routes.ts";

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
  readonly ui?: UiRoutes;
}

/** The app, and the fetch handler to serve (front doors first, then the app). */
export interface Api {
  readonly app: Hono;
  readonly fetch: (request: Request, env?: unknown) => Response | Promise<Response>;
}
