/**
 * `nexus health`: the running server's health summary. Exits 1 when the gateway is unhealthy
 * (no healthy backend), so it works as a service-manager or container health check.
 */
import { NexusError } from "../lib/errors.ts";
import { redactUrl } from "../lib/urls.ts";
import { callNexus, errorMessage } from "./client.ts";
import { json, styleFor } from "./output.ts";
import { serverUrl } from "./server-url.ts";
import type { CommandHandler } from "./spec.ts";

interface HealthBody {
  status: string;
  version: string;
  uptime_seconds: number;
  /**
   * `busy` is absent from servers before it existed. In keys mode the details (backends,
   * models) go only to key holders and admins: others get status, version and uptime.
   */
  backends?: { total: number; healthy: number; busy?: number; unhealthy: number; unknown: number };
  models?: number;
}

/** What replaces the details a keys-mode server keeps from this caller. */
export const DETAILS_WITHHELD =
  "backends and models are shown to key holders and admins only (keys mode); from another machine, set NEXUS_ADMIN_TOKEN to the server's admin_token";

export const healthCommand: CommandHandler = async ({ runtime, values, stdout }) => {
  const base = await serverUrl({ values, runtime });
  const { status, body } = await callNexus(base, "/health", {
    token: runtime.env.NEXUS_ADMIN_TOKEN,
  });
  if (status !== 200) throw new NexusError("E_SERVER", errorMessage(body, status));
  const health = body as HealthBody;
  if (values.json) {
    stdout(json(health));
  } else {
    const style = styleFor(runtime);
    const { backends } = health;
    stdout(
      `Nexus ${health.version} at ${redactUrl(base)}: ${style.status(health.status)}\n` +
        (backends === undefined
          ? `  ${DETAILS_WITHHELD}\n`
          : `  backends: ${backends.total} total, ${backends.healthy} healthy, ${
            backends.busy ?? 0
          } busy, ${backends.unhealthy} unhealthy, ${backends.unknown} unknown\n` +
            `  models:   ${health.models}\n`) +
        `  uptime:   ${formatUptime(health.uptime_seconds)}\n`,
    );
  }
  return health.status === "unhealthy" ? 1 : 0;
};

function formatUptime(seconds: number): string {
  const d = Math.floor(seconds / 86400);
  const h = Math.floor((seconds % 86400) / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  return d ? `${d}d ${h}h ${m}m` : h ? `${h}h ${m}m` : m ? `${m}m ${s}s` : `${s}s`;
}
