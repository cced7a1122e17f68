/**
 * Configuration: the zod schema (single source of defaults), the layering of file, environment
 * and flags, and the `config init` templates.
 *
 * ```ts
 * const { config, warnings } = await loadConfig({ runtime, env: runtime.env, flags });
 * config.server.port; // 8000 unless a layer says otherwise
 * ```
 * @module
 */
export {
  DEFAULT_CONFIG_PATH,
  loadConfig,
  type LoadConfigOptions,
  type LoadedConfig,
  validateConfig,
} from "./load.ts";
export {
  type BackendConfig,
  buildConfigSchema,
  type NexusConfig,
  type NexusConfigInput,
  PROBE_MAX_RESPONSE_BYTES,
  type WakeConfig,
} from "./schema.ts";
export { nameFromUrl, normaliseBaseUrl } from "./backend-urls.ts";
export { BACKEND_NAME_PATTERN } from "./value-formats.ts";
export { isHttpUrl } from "../lib/urls.ts";
export {
  BACKEND_TYPE_SETTINGS,
  BACKEND_TYPES,
  type BackendType,
  type BackendTypeSetting,
  CLOUD_BACKEND_TYPES,
  LOG_FORMATS,
  LOG_LEVELS,
  ROUTING_STRATEGIES,
  type RoutingStrategy,
} from "./constants.ts";
export { ConfigError } from "./errors.ts";
export { type ConfigFlags, ENV_KEYS } from "./layers.ts";
export { findAliasProblem, MAX_ALIAS_HOPS } from "./aliases.ts";
export { FULL_TEMPLATE, MINIMAL_TEMPLATE } from "./template.ts";
export { besideConfig, STATE_FILE_NAME, stateFilePath, writablePath } from "./paths.ts";
