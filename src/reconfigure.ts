/**
 * Applying a reloaded config to a running gateway (the gateway's `apply`), as a diff:
 *
 * - `[[backends]]`: added ones are added and probed at once; changed ones are changed in place
 *   (the same object: requests in flight settle on it), a new URL or type probed again; removed
 *   ones are `draining` — no new requests, those in flight finish — and leave the registry once
 *   their last request ends. A config backend wins over a run-time or mDNS one with its name or URL.
 * - `[routing]`: the router's tables are rebuilt at once (`Router.configure`).
 * - `[health_check]`: new deadlines and thresholds, a new interval, on/off; breaker thresholds.
 * - `[discovery]`: discovery restarts (the backends it found are found again within seconds).
 * - `[queue]`, `[[preload]]`, `logging.level`; `[server]` limits, timeouts, `admin_token` and
 *   `cors_origins` (the gateway rebuilds its HTTP app: requests in flight keep the one they began
 *   with); anything else a hook applies (`onReload`: keys and limits, `[auth]`).
 *
 * Keys that need a restart (the listeners' address and port …, reload/diff.ts) are left as they
 * were, and the config in effect keeps their old values so every later reload reports them too.
 * @module
 */
import type { BackendConfig, NexusConfig } from "./config/mod.ts";
import type { Logger } from "./lib/logger.ts";
import { redactUrl } from "./lib/urls.ts";
import type { Backend, BackendSettings, Registry } from "./registry/mod.ts";
import { type BackendChange, type ConfigDiff, RESTART_KEYS } from "./reload/mod.ts";

/** A backend a reload removed (static, `draining`) leaves once its last request has ended. */
export function removeWhenDrained(registry: Registry, logger: Logger): void {
  registry.onChange((event) => {
    if (event.kind === "drained" && event.backend.source === "static") {
      registry.remove(event.backend.name);
      logger.info("backend removed after draining", { backend: event.backend.name });
    }
  });
}

export interface LiveServices {
  readonly registry: Registry;
  readonly logger: Logger;
  /** Probes a backend now (the health checker's `check`). */
  readonly probe: (backend: Backend) => void;
  /** Each applies one part of the config; returns lines for the report. */
  readonly routing: (next: NexusConfig["routing"]) => void;
  readonly health: (next: NexusConfig["health_check"]) => void;
  readonly discovery: (next: NexusConfig["discovery"]) => void;
  readonly queue: (next: NexusConfig["queue"]) => void;
  readonly preload: (next: NexusConfig["preload"]) => void;
  /** Rebuilds what is built from `[server]` and the rest (the HTTP app). */
  readonly rebuild: (next: NexusConfig) => void;
  /** Other parts (keys and limits): each returns the lines it applied. */
  readonly hooks: ReadonlyArray<(next: NexusConfig, previous: NexusConfig) => string[]>;
}

/** The config in effect after a reload: `next`, but restart keys keep their running values. */
export function effectiveConfig(previous: NexusConfig, next: NexusConfig): NexusConfig {
  const effective = structuredClone(next) as unknown as Record<string, Record<string, unknown>>;
  for (const key of RESTART_KEYS) {
    const [section, name] = key.split(".") as [string, string];
    const old = (previous as unknown as Record<string, Record<string, unknown>>)[section]![name];
    if (old === undefined) delete effective[section]![name];
    else effective[section]![name] = old;
  }
  return effective as unknown as NexusConfig;
}

/** Applies `diff` (from `previous` to `next`); returns one line per change. */
export function applyConfig(
  services: LiveServices,
  previous: NexusConfig,
  next: NexusConfig,
  diff: ConfigDiff,
): string[] {
  const lines: string[] = [];
  const sections = new Set(diff.keys.map((key) => key.split(".")[0]!));
  const changed = (key: string) => diff.keys.includes(key);
  if (changed("logging.level")) {
    services.logger.setLevel(next.logging.level);
    lines.push(`logging.level: ${next.logging.level}`);
  }
  if (sections.has("routing")) {
    services.routing(next.routing);
    lines.push(`routing: ${keysOf(diff, "routing")} changed`);
  }
  lines.push(...applyBackends(services, diff));
  if (sections.has("health_check")) {
    services.health(next.health_check);
    lines.push(`health_check: ${keysOf(diff, "health_check")} changed`);
  }
  if (sections.has("discovery")) {
    services.discovery(next.discovery);
    lines.push(`discovery: ${keysOf(diff, "discovery")} changed (discovery restarted)`);
  }
  if (sections.has("queue")) {
    services.queue(next.queue);
    lines.push(`queue: ${keysOf(diff, "queue")} changed`);
  }
  if (sections.has("preload")) {
    services.preload(next.preload);
    lines.push(`preload: ${next.preload.length} entries (schedules restarted)`);
  }
  const live = diff.keys.filter((key) => key.startsWith("server.") && !RESTART_KEYS.has(key));
  services.rebuild(next);
  if (live.length > 0) lines.push(`${live.join(", ")} changed`);
  for (const hook of services.hooks) lines.push(...hook(next, previous));
  return lines;
}

function keysOf(diff: ConfigDiff, section: string): string {
  return diff.keys.filter((key) => key.startsWith(`${section}.`))
    .map((key) => key.slice(section.length + 1)).join(", ");
}

function applyBackends(services: LiveServices, diff: ConfigDiff): string[] {
  const lines: string[] = [];
  const { registry } = services;
  for (const removed of diff.removed) {
    const backend = registry.get(removed.name);
    if (!backend || backend.source !== "static") continue;
    if (backend.pending === 0) {
      registry.remove(backend.name);
      lines.push(`backend ${backend.name} removed`);
    } else {
      // Removed when its last request ends (the gateway listens for "drained").
      registry.setStatus(backend.name, "draining");
      lines.push(`backend ${backend.name} draining (${backend.pending} in flight), then removed`);
    }
  }
  for (const added of diff.added) lines.push(addOrRevive(services, added));
  for (const change of diff.changed) {
    const backend = registry.get(change.name);
    if (!backend || backend.source !== "static") {
      lines.push(addOrRevive(services, change.after));
      continue;
    }
    registry.reconfigure(change.name, keepDetectedType(backend, change));
    if (backend.status === "draining") registry.setStatus(backend.name, "unknown");
    if (backend.status === "unknown") services.probe(backend);
    lines.push(`backend ${change.name} changed: ${change.fields.join(", ")}`);
  }
  return lines;
}

/**
 * The new settings of a changed backend. `type = "auto"` (the default) before and after, at the
 * same URL, keeps the type detected since: the registry would compare `auto` with the detected
 * `ollama` as a new type, and a new `priority` or `max_concurrent` would make the backend
 * `unknown` — no traffic, detection and a full probe again, and on a busy server a probe that
 * may time out and turn it unhealthy.
 */
function keepDetectedType(backend: Backend, change: BackendChange): BackendSettings {
  const settings = settingsOf(change.after);
  // A new URL may be another kind of server: detected again.
  const redetect = change.fields.includes("type") || change.fields.includes("url");
  if (redetect || settings.type !== "auto") return settings;
  return { ...settings, type: backend.type };
}

/** A config backend: added (the config wins over a run-time one with its name or URL). */
function addOrRevive(services: LiveServices, config: BackendConfig): string {
  const { registry, logger } = services;
  const existing = registry.get(config.name);
  if (existing?.source === "static") {
    // Removed by an earlier reload and still draining: it stays, as configured now.
    registry.reconfigure(config.name, settingsOf(config));
    registry.setStatus(config.name, "unknown");
    services.probe(existing);
    return `backend ${config.name} kept (it was draining)`;
  }
  for (const clash of new Set([existing, registry.findByUrl(config.url)])) {
    if (clash === undefined) continue;
    logger.warn("config backend replaces a run-time one with its name or URL", {
      backend: config.name,
      replaced: clash.name,
      source: clash.source,
    });
    registry.remove(clash.name);
  }
  const backend = registry.add({ ...settingsOf(config), name: config.name, source: "static" });
  services.probe(backend);
  return `backend ${config.name} added (${redactUrl(config.url)})`;
}

/** What the registry keeps of a `[[backends]]` entry. */
export function settingsOf(config: BackendConfig): BackendSettings {
  const { name: _name, ...settings } = config;
  return settings;
}
