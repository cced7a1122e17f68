/**
 * Listing facts from Ollama's `/api/tags` and `/api/ps` (REFERENCE.md B1), kept so Nexus's own
 * Ollama front door can list the fleet's models as Ollama does (`/api/tags`, `/api/ps`):
 * size, modification time, format, family, parameter size, quantization; for loaded models the
 * memory they hold, when they unload, and the context they were loaded with.
 * @module
 */
import type { NativeModelFacts } from "../registry/mod.ts";
import {
  isPositiveInt,
  type JsonObject,
  readObject,
  readPositiveInt,
  readString,
  stringsOf,
} from "./guards.ts";

/** What `/api/ps` says about one loaded model. */
export interface RunningFacts {
  readonly size_vram?: number;
  readonly expires_at?: string;
  /** The context the model was loaded with (newer servers). */
  readonly context_length?: number;
}

/** `size`, `modified_at` and `details` of one `/api/tags` entry; undefined when there are none. */
export function tagFacts(entry: JsonObject): NativeModelFacts | undefined {
  const facts: Record<string, unknown> = {};
  const size = entry.size;
  if (typeof size === "number" && Number.isSafeInteger(size) && size >= 0) facts.size = size;
  const modified = readString(entry, "modified_at");
  if (modified !== undefined) facts.modified_at = modified;
  const details = readObject(entry, "details");
  if (details) {
    for (const key of ["format", "family", "parameter_size", "quantization_level"] as const) {
      const value = readString(details, key);
      if (value !== undefined) facts[key] = value;
    }
    if (Array.isArray(details.families)) facts.families = stringsOf(details.families);
  }
  return Object.keys(facts).length > 0 ? facts as NativeModelFacts : undefined;
}

/** `/api/ps` entries by name (and model, when it differs). */
export function runningFacts(entries: readonly JsonObject[]): Map<string, RunningFacts> {
  const running = new Map<string, RunningFacts>();
  for (const entry of entries) {
    const facts: Record<string, unknown> = {};
    const vram = entry.size_vram;
    if (typeof vram === "number" && Number.isSafeInteger(vram) && vram >= 0) {
      facts.size_vram = vram;
    }
    const expires = readString(entry, "expires_at");
    if (expires !== undefined) facts.expires_at = expires;
    const context = readPositiveInt(entry, "context_length");
    if (context !== undefined) facts.context_length = context;
    for (const key of ["name", "model"]) {
      const name = readString(entry, key);
      if (name !== undefined) running.set(name, facts);
    }
  }
  return running;
}

/**
 * `num_ctx` from `/api/show`'s `parameters` (the Modelfile's `PARAMETER` lines, one per line,
 * name then value): the context a request gets when it does not ask for one.
 */
export function numCtxOf(show: JsonObject): number | undefined {
  const parameters = show.parameters;
  if (typeof parameters !== "string") return undefined;
  const match = /^\s*num_ctx\s+(\d+)\s*$/m.exec(parameters);
  const value = match ? Number(match[1]) : undefined;
  return isPositiveInt(value) ? value : undefined;
}
