/** GET /health: the gateway's own summary, always 200 (REFERENCE.md A1). */
import type { Context } from "hono";
import type { AppDeps } from "./app.ts";

export interface FleetSummary {
  readonly backends: { total: number; healthy: number; unhealthy: number; unknown: number };
  readonly models: number;
}

export function healthStatus(summary: FleetSummary): "healthy" | "degraded" | "unhealthy" {
  const { total, healthy } = summary.backends;
  if (total > 0 && healthy === total) return "healthy";
  return healthy > 0 ? "degraded" : "unhealthy";
}

export function handleHealth(deps: AppDeps) {
  return (c: Context) => {
    const summary = deps.fleet.summary();
    return c.json({
      status: healthStatus(summary),
      version: deps.version,
      uptime_seconds: Math.floor((deps.clock.now() - deps.startedAt) / 1000),
      backends: summary.backends,
      models: summary.models,
    });
  };
}
