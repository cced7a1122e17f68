/**
 * The state file's format: backends added at run time, as JSON. Version 1:
 *
 * ```json
 * { "version": 1, "written_at": "…", "note": "…",
 *   "backends": [{ "name": "gpu", "url": "http://gpu:11434", "type": "ollama", "priority": 50 }] }
 * ```
 * Parsing is strict: a file that is not exactly this is reported as corrupt (and moved aside by
 * the caller), never half-used.
 * @module
 */
import { BACKEND_NAME_PATTERN, BACKEND_TYPE_SETTINGS, isHttpUrl } from "../config/mod.ts";
import type { BackendTypeSetting } from "../registry/mod.ts";

export const STATE_VERSION = 1;

/** One backend as the state file keeps it. */
export interface StoredBackend {
  readonly name: string;
  readonly url: string;
  readonly type: BackendTypeSetting;
  readonly priority: number;
}

export function serialise(backends: readonly StoredBackend[], now: number): string {
  return JSON.stringify(
    {
      version: STATE_VERSION,
      written_at: new Date(now).toISOString(),
      note:
        "Backends added at run time (nexus backends add, POST /v1/backends), kept by Nexus across restarts. A backend in nexus.toml with the same name or URL wins.",
      backends,
    },
    null,
    2,
  ) + "\n";
}

/** The backends in `text`, or why it is not a state file. */
export function parseState(text: string): StoredBackend[] | { problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON (${(error as Error).message})` };
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return { problem: "not a JSON object" };
  }
  const root = value as Record<string, unknown>;
  if (root.version !== STATE_VERSION) {
    return {
      problem: `version ${JSON.stringify(root.version)} (this Nexus reads ${STATE_VERSION})`,
    };
  }
  if (!Array.isArray(root.backends)) return { problem: '"backends" is not a list' };
  const backends: StoredBackend[] = [];
  for (const [index, entry] of root.backends.entries()) {
    const backend = parseBackend(entry);
    if (typeof backend === "string") return { problem: `backends[${index}]: ${backend}` };
    backends.push(backend);
  }
  return backends;
}

function parseBackend(entry: unknown): StoredBackend | string {
  if (entry === null || typeof entry !== "object" || Array.isArray(entry)) return "not an object";
  const { name, url, type, priority } = entry as Record<string, unknown>;
  if (typeof name !== "string" || !BACKEND_NAME_PATTERN.test(name)) return "bad name";
  if (typeof url !== "string" || !isHttpUrl(url)) return "bad url";
  if (!(BACKEND_TYPE_SETTINGS as readonly unknown[]).includes(type)) return "bad type";
  if (
    typeof priority !== "number" || !Number.isInteger(priority) || priority < 0 || priority > 100
  ) {
    return "bad priority";
  }
  return { name, url, type: type as BackendTypeSetting, priority };
}
