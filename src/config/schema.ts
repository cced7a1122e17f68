/**
 * The `nexus.toml` schema: the single source of every default and every cross-field rule.
 * Keys stay snake_case, exactly as users write them, so error paths match the file.
 * @module
 */
import { z } from "zod";
import { isHttpUrl } from "../lib/urls.ts";
import { findAliasProblem } from "./aliases.ts";
import {
  AUTH_MODES,
  BACKEND_TYPE_SETTINGS,
  LOG_FORMATS,
  LOG_LEVELS,
  METRICS_ACCESS,
  ROUTING_STRATEGIES,
} from "./constants.ts";

export { isHttpUrl } from "../lib/urls.ts";
export {
  AUTH_MODES,
  BACKEND_TYPE_SETTINGS,
  BACKEND_TYPES,
  type BackendType,
  type BackendTypeSetting,
  LOG_FORMATS,
  LOG_LEVELS,
  METRICS_ACCESS,
  ROUTING_STRATEGIES,
  type RoutingStrategy,
} from "./constants.ts";

/** Backend names appear in headers, metric labels and URLs: keep them to safe characters. */
export const BACKEND_NAME_PATTERN = /^[\w.:-]+$/;

const ORIGIN_MESSAGE = 'must be "*" or an origin like "http://chat.lan:3000" (scheme, host, port)';

/** `scheme://host[:port]` and nothing else, or `*`: what a browser sends in `Origin`. */
function isOrigin(value: string): boolean {
  if (value === "*") return true;
  try {
    const url = new URL(value);
    return (url.protocol === "http:" || url.protocol === "https:") && url.origin === value;
  } catch {
    return false;
  }
}

const port = z.int().min(0).max(65535);
const seconds = z.number().positive();
const positiveInt = z.int().min(1);

const serverSchema = z.strictObject({
  host: z.string().min(1).default("0.0.0.0"),
  port: port.default(8000),
  /** A second listener serving the Ollama API at its root (and /v1), e.g. 11434; unset = none. */
  ollama_port: port.optional(),
  max_body_bytes: positiveInt.default(10 * 1024 * 1024),
  admin_token: z.string().min(1).optional(),
  request_timeout_seconds: seconds.default(300),
  body_timeout_seconds: seconds.default(30),
  connect_timeout_seconds: seconds.default(5),
  first_byte_timeout_seconds: seconds.default(300),
  idle_timeout_seconds: seconds.default(60),
  sse_keepalive_seconds: z.number().min(0).default(15),
  shutdown_timeout_seconds: z.number().min(0).default(30),
  /** Browser origins allowed to call the inference routes; `"*"` allows any (empty = no CORS). */
  cors_origins: z.union([z.literal("*"), z.array(z.string().refine(isOrigin, ORIGIN_MESSAGE))])
    .default([]),
});

/** DNS-SD service types on mDNS: `_name._tcp` or `_name._udp`, optionally `.local` / `.local.`. */
export const SERVICE_TYPE_PATTERN = /^_[A-Za-z0-9-]{1,62}\._(tcp|udp)(\.local)?\.?$/i;

const discoverySchema = z.strictObject({
  enabled: z.boolean().default(true),
  service_types: z.array(
    z.string().trim().regex(
      SERVICE_TYPE_PATTERN,
      'must look like "_ollama._tcp.local" (mDNS browses .local only)',
    ),
  ).default(["_ollama._tcp.local", "_llm._tcp.local"]),
  grace_period_seconds: z.number().min(0).default(60),
});

const healthCheckSchema = z.strictObject({
  enabled: z.boolean().default(true),
  interval_seconds: seconds.default(30),
  timeout_seconds: seconds.default(5),
  failure_threshold: positiveInt.default(3),
  recovery_threshold: positiveInt.default(2),
});

const weightsSchema = z.strictObject({
  priority: z.int().min(0).max(100).default(50),
  load: z.int().min(0).max(100).default(30),
  latency: z.int().min(0).max(100).default(20),
}).superRefine((w, ctx) => {
  const sum = w.priority + w.load + w.latency;
  if (sum !== 100) {
    ctx.addIssue({
      code: "custom",
      message: `must sum to 100, got ${w.priority}+${w.load}+${w.latency}=${sum}`,
    });
  }
});

const routingSchema = z.strictObject({
  strategy: z.enum(ROUTING_STRATEGIES).default("smart"),
  max_retries: z.int().min(0).max(10).default(2),
  weights: weightsSchema.prefault({}),
  aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
  fallbacks: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
}).superRefine((routing, ctx) => {
  const problem = findAliasProblem(routing.aliases);
  if (problem) ctx.addIssue({ code: "custom", path: ["aliases"], message: problem });
});

const backendSchema = z.strictObject({
  name: z.string().min(1).regex(/^[\w.:-]+$/, "may contain only letters, digits and . _ : -")
    .optional(),
  url: z.string().refine(isHttpUrl, "must be an http:// or https:// URL"),
  // "auto": the first probe detects the type, as POST /v1/backends does without one.
  type: z.enum(BACKEND_TYPE_SETTINGS).default("auto"),
  priority: z.int().min(0).max(100).default(50),
  api_key_env: z.string().min(1).optional(),
  forward_client_auth: z.boolean().default(false),
  /** Requests this backend runs at once; unset: what the server says (llama.cpp slots), else no limit. */
  max_concurrent: positiveInt.optional(),
  first_byte_timeout_seconds: seconds.optional(),
  /** Serves Anthropic's `/v1/messages` itself (passthrough); unset: probed once. */
  anthropic: z.boolean().optional(),
});

const queueSchema = z.strictObject({
  max_size: z.int().min(0).default(100),
  max_wait_seconds: seconds.default(60),
  spillover_after_ms: z.int().min(0).default(2000),
});

/** `HH:MM`, 24-hour local time. */
const TIME_OF_DAY = /^([01]\d|2[0-3]):[0-5]\d$/;

const preloadSchema = z.strictObject({
  model: z.string().min(1),
  backend: z.string().min(1).optional(),
  at: z.string().regex(TIME_OF_DAY, 'must be a local time "HH:MM", e.g. "07:30"').optional(),
  on_start: z.boolean().default(false),
}).refine((entry) => entry.at !== undefined || entry.on_start, {
  message: 'needs at = "HH:MM" (daily), on_start = true, or both',
});

const uiSchema = z.strictObject({
  /** The web dashboard at GET /ui and its events stream. */
  enabled: z.boolean().default(true),
});

const authSchema = z.strictObject({
  /** `keys`: every inference route asks for an API key (docs/api.md, "API keys"). */
  mode: z.enum(AUTH_MODES).default("off"),
  /** Where the keys (hashes only) are kept; a relative path is beside the config file. */
  keys_file: z.string().min(1).default("nexus-keys.json"),
  /** Who may read /metrics, /v1/stats and /ui/events: anyone, a key holder, or admins. */
  metrics: z.enum(METRICS_ACCESS).default("open"),
  /** Failed authentications one address may make a minute before it gets 429 (brute force). */
  failures_per_minute: positiveInt.default(10),
});

const stateSchema = z.strictObject({
  /** Shared state for several instances (keys, limits, usage); unset: this process only. */
  redis_url: z.string().regex(/^rediss?:\/\/\S+$/, 'must be a "redis://host:port" URL')
    .optional(),
});

const loggingSchema = z.strictObject({
  level: z.enum(LOG_LEVELS).default("info"),
  format: z.enum(LOG_FORMATS).default("pretty"),
});

export const configSchema = z.strictObject({
  server: serverSchema.prefault({}),
  discovery: discoverySchema.prefault({}),
  health_check: healthCheckSchema.prefault({}),
  routing: routingSchema.prefault({}),
  queue: queueSchema.prefault({}),
  backends: z.array(backendSchema).default([]),
  preload: z.array(preloadSchema).default([]),
  ui: uiSchema.prefault({}),
  auth: authSchema.prefault({}),
  state: stateSchema.prefault({}),
  logging: loggingSchema.prefault({}),
}).transform((config) => ({
  ...config,
  backends: config.backends.map((b) => ({
    ...b,
    url: normaliseBaseUrl(b.url),
    name: b.name ?? nameFromUrl(b.url),
  })),
})).superRefine((config, ctx) => {
  const names = new Map<string, number>();
  const urls = new Map<string, number>();
  config.backends.forEach((backend, index) => {
    const sameName = names.get(backend.name);
    if (sameName !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["backends", index, "name"],
        message: `duplicate backend name "${backend.name}" (also backends[${sameName}])`,
      });
    }
    const sameUrl = urls.get(backend.url);
    if (sameUrl !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["backends", index, "url"],
        message: `duplicate backend URL "${backend.url}" (also backends[${sameUrl}])`,
      });
    }
    names.set(backend.name, index);
    urls.set(backend.url, index);
  });
});

/** The validated, frozen configuration every part of Nexus reads. */
export type NexusConfig = z.output<typeof configSchema>;
/** What a config file may contain before defaults are applied. */
export type NexusConfigInput = z.input<typeof configSchema>;
export type BackendConfig = NexusConfig["backends"][number];

/** Base URLs are kept without a trailing slash so paths join predictably. */
export function normaliseBaseUrl(url: string): string {
  return url.replace(/\/+$/, "");
}

/** `http://gpu-box.local:11434` → `gpu-box.local-11434`: readable, and unique per host and port. */
export function nameFromUrl(url: string): string {
  const parsed = new URL(url);
  const host = parsed.hostname.replace(/^\[|\]$/g, "").replace(/[^\w.-]/g, "_");
  const port = parsed.port || (parsed.protocol === "https:" ? "443" : "80");
  return `${host}-${port}`;
}
