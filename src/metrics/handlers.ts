/** `GET /metrics` (Prometheus text) and `GET /v1/stats` (JSON). */
import type { Context } from "hono";
import type { Registry as PromRegistry } from "./prom-client.ts";
import { METRICS_CONTENT_TYPE } from "./collectors.ts";
import { buildStats, type StatsDeps } from "./stats.ts";

export function handleMetrics(promRegistry: PromRegistry) {
  return async (_c: Context): Promise<Response> =>
    new Response(await promRegistry.metrics(), {
      headers: { "content-type": METRICS_CONTENT_TYPE },
    });
}

export function handleStats(deps: StatsDeps) {
  return (c: Context): Response => c.json(buildStats(deps));
}
