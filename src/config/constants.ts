/**
 * Enumerations shared by the config schema and the CLI's command table. Kept free of zod so
 * `nexus --help` (which reads the command table) never loads the validation library.
 * @module
 */

export const BACKEND_TYPES = [
  "ollama",
  "vllm",
  "llamacpp",
  "lmstudio",
  "exo",
  "openai",
  "generic",
] as const;
export type BackendType = typeof BACKEND_TYPES[number];

/**
 * What `type` may say in `[[backends]]` and `POST /v1/backends`: a type, or `"auto"` (the default)
 * to detect it from the endpoints the server answers.
 */
export const BACKEND_TYPE_SETTINGS = ["auto", ...BACKEND_TYPES] as const;
export type BackendTypeSetting = typeof BACKEND_TYPE_SETTINGS[number];

/** Hosted APIs (`X-Nexus-Backend-Type: cloud`); every other type runs in the home lab (`local`). */
export const CLOUD_BACKEND_TYPES: ReadonlySet<BackendTypeSetting> = new Set(["openai"]);

/**
 * Backend statuses as REFERENCE.md Part C names them (v0.2): `busy` and `asleep` arrive with the
 * health and wake work, but clients may filter on them already.
 */
export const BACKEND_STATUSES = [
  "unknown",
  "healthy",
  "busy",
  "unhealthy",
  "asleep",
  "draining",
] as const;

export const ROUTING_STRATEGIES = ["smart", "round_robin", "priority_only", "random"] as const;
export type RoutingStrategy = typeof ROUTING_STRATEGIES[number];

export const LOG_LEVELS = ["error", "warn", "info", "debug", "trace"] as const;
export const LOG_FORMATS = ["pretty", "json"] as const;

/** `[auth] mode`: `off` keeps every route open; `keys` asks every inference request for a key. */
export const AUTH_MODES = ["off", "keys"] as const;
/** `[auth] metrics`: who may read `/metrics`, `/v1/stats` and the dashboard's events. */
export const METRICS_ACCESS = ["open", "key", "admin"] as const;
