/**
 * The config as the options of parts the gateway builds once (values read now, getters where a
 * reload must reach the part), so the composition root reads as wiring.
 * @module
 */
import type { NexusConfig } from "./config/mod.ts";
import type { Logger } from "./lib/logger.ts";
import type { RegistryOptions } from "./registry/mod.ts";
import type { DashboardOptions } from "./ui/mod.ts";

/** Breaker thresholds now (a reload calls `configureBreakers`); the model-list cap per list. */
export function registryOptions(current: () => NexusConfig): RegistryOptions {
  const { health_check } = current();
  return {
    breaker: { failures: health_check.breaker_failures, window: health_check.breaker_window },
    maxModelsPerBackend: () => current().server.max_models_per_backend,
  };
}

/** `[state] redis_url` when keys mode shares state through it; a warning when it shares nothing. */
export function sharedStateUrl(config: NexusConfig, logger: Logger): string | undefined {
  if (config.state.redis_url && config.auth.mode !== "keys") {
    logger.warn('[state] redis_url is set but [auth] mode is "off": nothing is shared');
  }
  return config.auth.mode === "keys" ? config.state.redis_url : undefined;
}

/**
 * The dashboard's parts, plus the routing tables and admin token in effect: read when a browser
 * connects, since a reload may change them.
 */
export function dashboardOptions(
  current: () => NexusConfig,
  parts: Omit<DashboardOptions, "routing" | "adminToken">,
): DashboardOptions {
  return {
    ...parts,
    routing: {
      get aliases() {
        return current().routing.aliases;
      },
      get fallbacks() {
        return current().routing.fallbacks;
      },
    },
    get adminToken() {
      return current().server.admin_token;
    },
  };
}
