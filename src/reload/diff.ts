/**
 * What a config reload changes: backends added, removed and changed (matched by name), and every
 * other key whose value differs (`routing.aliases`, `logging.level` …), of which some cannot
 * change in a running process (the listeners' address and port) and wait for a restart. Pure.
 * @module
 */
import type { BackendConfig, NexusConfig } from "../config/mod.ts";

/** Keys a running Nexus cannot apply: they are reported and left as they were. */
export const RESTART_KEYS: ReadonlySet<string> = new Set([
  "server.host",
  "server.port",
  "server.ollama_port",
  "server.state_file",
  "ui.enabled",
  "logging.format",
  // Keys mode, the keys file and Redis are wired once at start (src/auth, src/state).
  "auth.mode",
  "auth.keys_file",
  "state.redis_url",
]);

export interface BackendChange {
  readonly name: string;
  readonly before: BackendConfig;
  readonly after: BackendConfig;
  /** The `[[backends]]` keys that differ. */
  readonly fields: readonly string[];
}

export interface ConfigDiff {
  readonly added: readonly BackendConfig[];
  readonly removed: readonly BackendConfig[];
  readonly changed: readonly BackendChange[];
  /** `section.key` (or `preload`) of every other value that differs, restart keys included. */
  readonly keys: readonly string[];
  /** Of `keys`, those that need a restart. */
  readonly restart: readonly string[];
}

export function diffConfig(before: NexusConfig, after: NexusConfig): ConfigDiff {
  const previous = new Map(before.backends.map((backend) => [backend.name, backend]));
  const next = new Map(after.backends.map((backend) => [backend.name, backend]));
  const added = after.backends.filter((backend) => !previous.has(backend.name));
  const removed = before.backends.filter((backend) => !next.has(backend.name));
  const changed: BackendChange[] = [];
  for (const backend of after.backends) {
    const old = previous.get(backend.name);
    if (old === undefined) continue;
    const fields = differingKeys(old, backend);
    if (fields.length > 0) {
      changed.push({ name: backend.name, before: old, after: backend, fields });
    }
  }
  const keys: string[] = [];
  for (const section of Object.keys(after) as Array<keyof NexusConfig>) {
    if (section === "backends") continue;
    const a = before[section] as unknown;
    const b = after[section] as unknown;
    if (Array.isArray(b) || typeof b !== "object" || b === null) {
      if (!same(a, b)) keys.push(section);
      continue;
    }
    for (const key of differingKeys(a as object, b)) keys.push(`${section}.${key}`);
  }
  return { added, removed, changed, keys, restart: keys.filter((key) => RESTART_KEYS.has(key)) };
}

/** True when nothing at all differs. */
export function isEmptyDiff(diff: ConfigDiff): boolean {
  return diff.added.length + diff.removed.length + diff.changed.length + diff.keys.length === 0;
}

function differingKeys(a: object, b: object): string[] {
  const names = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...names].filter((key) =>
    !same((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key])
  ).sort();
}

function same(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** `a.b` of a config object: for "needs restart" lines. */
export function valueAt(config: NexusConfig, key: string): unknown {
  let node: unknown = config;
  for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part];
  return node;
}
