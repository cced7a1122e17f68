/**
 * The `nexus.toml` schema: the single source of every default, and where every value format
 * (`value-formats.ts`) and cross-field rule (`cross-field-rules.ts`) is applied. Keys stay
 * snake_case, exactly as users write them, so error paths match the file.
 * @module
 */
import { z } from "zod";
import { parseCidr } from "../lib/networks.ts";
import { isHttpUrl } from "../lib/urls.ts";
import { nameFromUrl, normaliseBaseUrl } from "./backend-urls.ts";
import {
  aliasesResolve,
  backendsUnique,
  breakerFitsWindow,
  preferWakeNeedsWake,
  weightsSumTo100,
} from "./cross-field-rules.ts";
import {
  BACKEND_NAME_PATTERN,
  IPV4_PATTERN,
  isOrigin,
  MAC_PATTERN,
  ORIGIN_MESSAGE,
  SERVICE_TYPE_PATTERN,
  TIME_OF_DAY,
} from "./value-formats.ts";
import {
  AUTH_MODES,
  BACKEND_TYPE_SETTINGS,
  LOG_FORMATS,
  LOG_LEVELS,
  METRICS_ACCESS,
  ROUTING_STRATEGIES,
} from "./constants.ts";

const MiB = 1024 * 1024;

/**
 * The longest wait a duration key may ask for. Bun's and Deno's `setTimeout` take at most
 * 2^31 - 1 ms (24.8 days) and fire a longer timer at once (a "TimeoutOverflowWarning"): a
 * `request_timeout_seconds` of 30 days meant "never", and every request got 504 after 1 ms.
 */
const MAX_TIMER_MS = 2 ** 31 - 1;
export const MAX_TIMER_SECONDS = Math.floor(MAX_TIMER_MS / 1000);
const LONGEST_TIMER = "24.8 days, the longest a timer can wait";

/** Probe answers (model lists) are read up to this, or `max_response_bytes` when it is lower. */
export const PROBE_MAX_RESPONSE_BYTES = 8 * MiB;

/**
 * A new schema on each call, not one kept by the module: zod gives every schema object its own
 * methods, so a schema held for the process's life is ~4k cells and ~0.3 MB of live heap that
 * every full collection marks for nothing (specs/023-performance-floor/walkthrough.md, "Sixth
 * round, heap"). Built per validation: once per start and once per reload. The module's import
 * used to build it in the image Bun's re-exec throws away too (src/runtime/bun-exec.ts).
 */
export function buildConfigSchema() {
  const port = z.int().min(0).max(65535);
  /** A duration Nexus waits with a timer: positive, and no longer than a timer can wait. */
  const withinTimer = (schema: z.ZodNumber, limit: number, unit: string) =>
    schema.refine((value) => value <= limit, `must be at most ${limit} ${unit} (${LONGEST_TIMER})`);
  const seconds = withinTimer(z.number().positive(), MAX_TIMER_SECONDS, "seconds");
  /** The same where 0 turns the wait off (or makes it immediate). */
  const secondsOrZero = withinTimer(z.number().min(0), MAX_TIMER_SECONDS, "seconds");
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
    sse_keepalive_seconds: secondsOrZero.default(15),
    shutdown_timeout_seconds: secondsOrZero.default(30),
    /** Browser origins allowed to call the inference routes; `"*"` allows any (empty = no CORS). */
    cors_origins: z.union([z.literal("*"), z.array(z.string().refine(isOrigin, ORIGIN_MESSAGE))], {
      error: 'must be "*" or a list of origins, e.g. ["http://chat.lan:3000"]',
    }).default([]),
    /** Reload when the config file changes (SIGHUP and `nexus reload` work either way). */
    watch_config: z.boolean().default(true),
    /**
     * Backends added at run time, kept across restarts; unset: `nexus.state.json` beside the
     * config file (or under `$XDG_STATE_HOME/nexus/` without one). A relative path is beside it.
     */
    state_file: z.string().min(1).optional(),
    /** Host names admin changes may be addressed to, besides IP literals, localhost and this host. */
    allowed_hosts: z.array(
      z.string().trim().toLowerCase().regex(
        /^[a-z0-9_.-]+$/,
        'must be a host name without a port, like "nexus.lan"',
      ),
    ).default([]),
    /** The largest whole (non-stream) answer read from a backend. */
    max_response_bytes: positiveInt.default(64 * MiB),
    /** Models kept per backend; a longer list is cut, with a warning. */
    max_models_per_backend: positiveInt.default(10_000),
    /** Request bodies held at once, all requests together; past it 503 + Retry-After. */
    max_inflight_body_bytes: positiveInt.default(256 * MiB),
  });

  const discoverySchema = z.strictObject({
    enabled: z.boolean().default(true),
    service_types: z.array(
      z.string().trim().regex(
        SERVICE_TYPE_PATTERN,
        'must look like "_ollama._tcp.local" (mDNS browses .local only)',
      ),
    ).default(["_ollama._tcp.local", "_llm._tcp.local"]),
    grace_period_seconds: secondsOrZero.default(60),
    /**
     * Networks an announced address must be in. Unset: the private and loopback networks of this
     * host's own interfaces. Link-local addresses are refused whatever the list says.
     */
    allowed_networks: z.array(
      z.string().trim().refine(
        (value) => parseCidr(value) !== undefined,
        'must be a network like "192.168.1.0/24" or "fd00::/8"',
      ),
    ).optional(),
  });

  const healthCheckSchema = z.strictObject({
    enabled: z.boolean().default(true),
    interval_seconds: seconds.default(30),
    timeout_seconds: seconds.default(5),
    failure_threshold: positiveInt.default(3),
    recovery_threshold: positiveInt.default(2),
    /**
     * Failed requests (not probes) among a backend's last `breaker_window` that open its circuit
     * breaker; 0 turns the breaker off.
     */
    breaker_failures: z.int().min(0).default(5),
    breaker_window: positiveInt.max(1000).default(10),
    /** How long an open breaker keeps traffic away before one trial request. */
    breaker_cooldown_seconds: seconds.default(30),
  }).superRefine(breakerFitsWindow);

  const weightsSchema = z.strictObject({
    priority: z.int().min(0).max(100).default(50),
    load: z.int().min(0).max(100).default(30),
    latency: z.int().min(0).max(100).default(20),
  }).superRefine(weightsSumTo100);

  const routingSchema = z.strictObject({
    strategy: z.enum(ROUTING_STRATEGIES).default("smart"),
    max_retries: z.int().min(0).max(10).default(2),
    weights: weightsSchema.prefault({}),
    aliases: z.record(z.string().min(1), z.string().min(1)).default({}),
    fallbacks: z.record(z.string().min(1), z.array(z.string().min(1))).default({}),
  }).superRefine(aliasesResolve);

  const wakeSchema = z.strictObject({
    mac: z.string().trim().regex(MAC_PATTERN, 'must be a MAC address like "aa:bb:cc:dd:ee:ff"')
      .transform((mac) => mac.toLowerCase().replaceAll("-", ":")),
    /** Where the magic packet goes: the LAN's broadcast address (`192.168.1.255`) is best. */
    broadcast: z.string().regex(IPV4_PATTERN, 'must be an IPv4 address like "192.168.1.255"')
      .default("255.255.255.255"),
    port: z.int().min(1).max(65535).default(9),
    /** How long a request waits for the backend to wake before a 503. */
    timeout_seconds: seconds.default(180),
  });

  const backendSchema = z.strictObject({
    name: z.string().min(1).regex(
      BACKEND_NAME_PATTERN,
      "may contain only letters, digits and . _ : -",
    )
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
    /** Wake-on-LAN: a backend that stops answering is `asleep`, and a request for it wakes it. */
    wake: wakeSchema.optional(),
    /** Wake this backend for its models even when another backend could serve them now. */
    prefer_wake: z.boolean().default(false),
  }).superRefine(preferWakeNeedsWake);

  const queueSchema = z.strictObject({
    max_size: z.int().min(0).default(100),
    max_wait_seconds: seconds.default(60),
    spillover_after_ms: withinTimer(z.int().min(0), MAX_TIMER_MS, "ms").default(2000),
  });

  const preloadSchema = z.strictObject({
    model: z.string().min(1),
    backend: z.string().min(1).optional(),
    at: z.string().regex(TIME_OF_DAY, 'must be a local time "HH:MM", e.g. "07:30"').optional(),
    on_start: z.boolean().default(false),
    /**
     * Ollama's `keep_alive` for the load ("8h", seconds, -1: until unloaded or evicted). Without
     * one Ollama unloads an idle model after 5 minutes, which would undo the preload.
     */
    keep_alive: z.union([z.string().min(1), z.number()]).default(-1),
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

  return z.strictObject({
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
  })).superRefine(backendsUnique);
}

/** The validated, frozen configuration every part of Nexus reads. */
export type NexusConfig = z.output<ReturnType<typeof buildConfigSchema>>;
/** What a config file may contain before defaults are applied. */
export type NexusConfigInput = z.input<ReturnType<typeof buildConfigSchema>>;
export type BackendConfig = NexusConfig["backends"][number];
/** `[[backends]] wake`: where and how the magic packet goes, and how long a request waits. */
export type WakeConfig = NonNullable<BackendConfig["wake"]>;
