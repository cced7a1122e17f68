/**
 * Config layers: defaults < file < environment < flags. Each layer is a plain partial object
 * plus the source of every key it sets, so a validation error can say where a bad value came
 * from. Values are not validated here; the schema does that once, on the merged result.
 * @module
 */
import { deepMerge, isPlainObject, type PlainObject } from "../lib/merge.ts";

export interface Layer {
  readonly values: PlainObject;
  /** Dotted key path → where it came from (`nexus.toml`, `env NEXUS_PORT`, `flag --port`). */
  readonly sources: ReadonlyMap<string, string>;
}

export interface MergedLayers {
  readonly values: PlainObject;
  readonly sources: ReadonlyMap<string, string>;
}

/** A whole-file layer: every key in it is attributed to the file. */
export function fileLayer(values: PlainObject, label: string): Layer {
  const sources = new Map<string, string>();
  collectLeafPaths(values, "", (path) => sources.set(path, label));
  return { values, sources };
}

/** Environment variables Nexus reads (the names the Rust gateway used). */
export const ENV_KEYS: ReadonlyArray<
  { name: string; path: readonly string[]; kind: "string" | "int" | "bool" }
> = [
  { name: "NEXUS_HOST", path: ["server", "host"], kind: "string" },
  { name: "NEXUS_PORT", path: ["server", "port"], kind: "int" },
  { name: "NEXUS_OLLAMA_PORT", path: ["server", "ollama_port"], kind: "int" },
  { name: "NEXUS_LOG_LEVEL", path: ["logging", "level"], kind: "string" },
  { name: "NEXUS_LOG_FORMAT", path: ["logging", "format"], kind: "string" },
  { name: "NEXUS_DISCOVERY", path: ["discovery", "enabled"], kind: "bool" },
  { name: "NEXUS_HEALTH_CHECK", path: ["health_check", "enabled"], kind: "bool" },
  { name: "NEXUS_UI", path: ["ui", "enabled"], kind: "bool" },
];

export function envLayer(env: Readonly<Record<string, string | undefined>>): Layer {
  const values: PlainObject = {};
  const sources = new Map<string, string>();
  for (const key of ENV_KEYS) {
    const raw = env[key.name];
    if (raw === undefined || raw.trim() === "") continue;
    setPath(values, key.path, coerce(raw.trim(), key.kind));
    sources.set(key.path.join("."), `env ${key.name}`);
  }
  return { values, sources };
}

/** Flags of `nexus serve` that override config keys. */
export interface ConfigFlags {
  host?: string;
  port?: string;
  "ollama-port"?: string;
  "log-level"?: string;
  "no-discovery"?: boolean;
  "no-health-check"?: boolean;
}

export function flagsLayer(flags: ConfigFlags): Layer {
  const values: PlainObject = {};
  const sources = new Map<string, string>();
  const set = (path: string[], value: unknown, flag: string) => {
    setPath(values, path, value);
    sources.set(path.join("."), `flag ${flag}`);
  };
  if (flags.host !== undefined) set(["server", "host"], flags.host, "--host");
  if (flags.port !== undefined) set(["server", "port"], coerce(flags.port, "int"), "--port");
  if (flags["ollama-port"] !== undefined) {
    set(["server", "ollama_port"], coerce(flags["ollama-port"], "int"), "--ollama-port");
  }
  if (flags["log-level"] !== undefined) {
    set(["logging", "level"], flags["log-level"], "--log-level");
  }
  if (flags["no-discovery"]) set(["discovery", "enabled"], false, "--no-discovery");
  if (flags["no-health-check"]) set(["health_check", "enabled"], false, "--no-health-check");
  return { values, sources };
}

/** Later layers win key by key; arrays are replaced whole, as users expect of a list. */
export function mergeLayers(layers: readonly Layer[]): MergedLayers {
  let values: PlainObject = {};
  const sources = new Map<string, string>();
  for (const layer of layers) {
    values = deepMerge(values, layer.values);
    for (const [path, label] of layer.sources) {
      // A replaced array or scalar takes every deeper attribution with it.
      for (const existing of [...sources.keys()]) {
        if (existing.startsWith(path + ".")) sources.delete(existing);
      }
      sources.set(path, label);
    }
  }
  return { values, sources };
}

/**
 * Source of the value at `path`: the longest attributed prefix; for a table whose keys came
 * from several places, each of them; else the built-in default.
 */
export function sourceOf(
  sources: ReadonlyMap<string, string>,
  path: readonly PropertyKey[],
): string {
  for (let end = path.length; end > 0; end--) {
    const label = sources.get(path.slice(0, end).map(String).join("."));
    if (label) return label;
  }
  const prefix = path.map(String).join(".") + ".";
  const labels = new Set<string>();
  for (const [key, label] of sources) if (key.startsWith(prefix)) labels.add(label);
  return labels.size ? [...labels].join(" and ") : "default";
}

/**
 * Strings from env and flags become numbers and booleans when they spell one exactly; anything
 * else stays a string so the schema rejects it with the value in the message.
 */
function coerce(raw: string, kind: "string" | "int" | "bool"): unknown {
  if (kind === "int") return /^[+-]?\d+$/.test(raw) ? Number(raw) : raw;
  if (kind === "bool") {
    const lower = raw.toLowerCase();
    if (lower === "true" || lower === "1") return true;
    if (lower === "false" || lower === "0") return false;
    return raw;
  }
  return raw;
}

function setPath(target: PlainObject, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) {
    if (!isPlainObject(node[key])) node[key] = {};
    node = node[key] as PlainObject;
  }
  node[path[path.length - 1]!] = value;
}

function collectLeafPaths(value: unknown, prefix: string, visit: (path: string) => void): void {
  if (isPlainObject(value)) {
    for (const [key, child] of Object.entries(value)) {
      collectLeafPaths(child, prefix ? `${prefix}.${key}` : key, visit);
    }
  } else if (prefix) {
    visit(prefix);
  }
}
