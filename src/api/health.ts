/** GET /health: the gateway's own summary, always 200 (REFERENCE.md A1). */
import type { Context } from "hono";
import type { FleetCounts, Registry } from "../registry/mod.ts";
import type { Clock } from "../lib/clock.ts";

export type GatewayHealth = "healthy" | "degraded" | "unhealthy";

/**
 * healthy: at least one backend and all routable; degraded: some; unhealthy: none. A `busy`
 * backend is routable (slow because it is working), so it counts with the healthy ones here, and
 * so does an `asleep` one: sleeping is what it is meant to do, and a request wakes it.
 */
export function healthStatus(
  counts: Pick<FleetCounts, "total" | "healthy" | "busy"> & { asleep?: number },
): GatewayHealth {
  const usable = counts.healthy + counts.busy + (counts.asleep ?? 0);
  if (counts.total > 0 && usable === counts.total) return "healthy";
  return usable > 0 ? "degraded" : "unhealthy";
}

export function handleHealth(
  deps: {
    registry: Registry;
    clock: Clock;
    version: string;
    startedAt: number;
    /** Requests waiting for a backend slot now. */
    queueWaiting?: () => number;
    /** Why shared state is unusable now (Redis unreachable): degraded, with the reason. */
    stateProblem?: () => string | undefined;
    /** Keys mode: whether this caller may see the backends (a key holder or an admin). */
    details?: (c: Context) => boolean;
  },
) {
  return (c: Context) => {
    const counts = deps.registry.counts();
    const problem = deps.stateProblem?.();
    const fleet = healthStatus(counts);
    const head = {
      status: problem !== undefined && fleet === "healthy" ? "degraded" : fleet,
      version: deps.version,
      uptime_seconds: Math.floor((deps.clock.now() - deps.startedAt) / 1000),
      ...(problem === undefined ? {} : { state: { redis: "unreachable", reason: problem } }),
    };
    if (deps.details && !deps.details(c)) return c.json(head);
    return c.json({
      ...head,
      backends: {
        total: counts.total,
        healthy: counts.healthy,
        busy: counts.busy,
        unhealthy: counts.unhealthy,
        unknown: counts.unknown + counts.draining,
        asleep: counts.asleep,
      },
      models: deps.registry.routableModelCount(),
      // Requests admitted and not finished (their backend slots), and requests waiting for one.
      slots_in_use: deps.registry.list().reduce((sum, b) => sum + b.pending, 0),
      queue: { waiting: deps.queueWaiting?.() ?? 0 },
    });
  };
}
