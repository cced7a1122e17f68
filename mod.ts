/**
 * Nexus as a library: build the gateway's HTTP app and load its configuration from code.
 *
 * ```ts
 * import { createApp, loadConfig } from "./mod.ts";
 * ```
 * @module
 */
export { type AppDeps, createApp, errorResponse, healthStatus } from "./src/api/mod.ts";
export { createGateway, type Gateway, type GatewayOptions } from "./src/gateway.ts";
export { type Backend, type ModelInfo, Registry } from "./src/registry/mod.ts";
export {
  requirementsOf,
  type RouteDecision,
  type RouteExplanation,
  Router,
  type RouteRequirements,
} from "./src/routing/mod.ts";
import { buildConfigSchema } from "./src/config/mod.ts";
export {
  type BackendConfig,
  type BackendType,
  buildConfigSchema,
  ConfigError,
  loadConfig,
  type NexusConfig,
  validateConfig,
} from "./src/config/mod.ts";
/** The config's zod schema; `nexus serve` builds its own when it needs one (buildConfigSchema). */
export const configSchema: ReturnType<typeof buildConfigSchema> = buildConfigSchema();
export type { MulticastOptions, MulticastSocket, Runtime } from "./src/runtime/mod.ts";
export { VERSION } from "./src/version.ts";
