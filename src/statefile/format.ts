/**
 * The state file's format: backends added at run time, as JSON. Version 1:
 *
 * ```json
 * { "version": 1, "written_at": "…", "note": "…",
 *   "backends": [{ "name": "gpu", "url": "http://gpu:11434", "type": "ollama", "priority": 50 }],
 *   "models": { "gpu-box": [{ "id": "llama3:70b", "context_length": 8192, "capabilities": {} }] } }
 * ```
 * `models` (optional) remembers what backends with `wake` listed when they were last awake: one
 * asleep when Nexus starts is then still found by model, and a request for it wakes it.
 * Parsing is strict: a file that is not exactly this is reported as corrupt (and moved aside by
 * the caller), never half-used.
 * @module
 */
import { BACKEND_NAME_PATTERN, BACKEND_TYPE_SETTINGS, isHttpUrl } from "../config/mod.ts";
import type { BackendTypeSetting, ModelCapabilities, ModelInfo } from "../registry/mod.ts";

export const STATE_VERSION = 1;

/** One backend as the state file keeps it. */
export interface StoredBackend {
  readonly name: string;
  readonly url: string;
  readonly type: BackendTypeSetting;
  readonly priority: number;
}

/** What the file holds. */
export interface StoredState {
  readonly backends: StoredBackend[];
  /** Backend name → the models it listed when last awake (backends with `wake`). */
  readonly models: Record<string, ModelInfo[]>;
}

export function serialise(state: StoredState, now: number): string {
  return JSON.stringify(
    {
      version: STATE_VERSION,
      written_at: new Date(now).toISOString(),
      note:
        "Backends added at run time (nexus backends add, POST /v1/backends), kept by Nexus across restarts. A backend in nexus.toml with the same name or URL wins.",
      backends: state.backends,
      ...(Object.keys(state.models).length > 0 ? { models: state.models } : {}),
    },
    null,
    2,
  ) + "\n";
}

/** What `text` holds, or why it is not a state file. */
export function parseState(text: string): StoredState | { problem: string } {
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
  const models = parseModels(root.models);
  if (typeof models === "string") return { problem: models };
  return { backends, models };
}

/** Only what routing needs of each model: id, context length, capabilities. */
export function rememberedModels(models: readonly ModelInfo[]): ModelInfo[] {
  return models.map((model) => ({
    id: model.id,
    capabilities: model.capabilities,
    ...(model.context_length === undefined ? {} : { context_length: model.context_length }),
  }));
}

function parseModels(value: unknown): Record<string, ModelInfo[]> | string {
  if (value === undefined) return {};
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    return '"models" is not an object';
  }
  const out: Record<string, ModelInfo[]> = {};
  for (const [name, list] of Object.entries(value)) {
    if (!Array.isArray(list)) return `models.${name} is not a list`;
    const models: ModelInfo[] = [];
    for (const entry of list) {
      const { id, context_length, capabilities } = (entry ?? {}) as Record<string, unknown>;
      if (typeof id !== "string" || id === "") return `models.${name}: a model without an id`;
      models.push({
        id,
        capabilities: isCapabilities(capabilities) ? capabilities : {},
        ...(typeof context_length === "number" ? { context_length } : {}),
      });
    }
    out[name] = models;
  }
  return out;
}

function isCapabilities(value: unknown): value is ModelCapabilities {
  return value !== null && typeof value === "object" && !Array.isArray(value) &&
    Object.values(value).every((flag) => typeof flag === "boolean");
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
