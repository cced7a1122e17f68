/**
 * The fleet as Ollama lists it (pure shaping): `/api/tags` entries, `/api/ps` entries and a
 * synthesized `/api/show` for models no Ollama backend holds. Facts come from the backend where
 * it said them (Ollama's own tags and ps, LM Studio's architecture and quantization,
 * llama-server's file size and parameter count) and are filled with neutral values elsewhere:
 * size 0, empty details, a digest made from the name, and for a loaded model whose server never
 * unloads it, `size_vram` 0 and a far-future `expires_at`.
 * @module
 */
import { type Backend, isRoutable, type ModelInfo } from "../../registry/mod.ts";

/** What Ollama clients parse as "never": Python's `datetime.fromisoformat` and JS `Date` both take it. */
export const FAR_FUTURE = "9999-12-31T23:59:59Z";

export interface TagEntry {
  name: string;
  model: string;
  modified_at: string;
  size: number;
  digest: string;
  details: {
    parent_model: string;
    format: string;
    family: string;
    families: string[];
    parameter_size: string;
    quantization_level: string;
  };
  /** Nexus's own: the backends that list the model (clients ignore unknown fields). */
  backends: string[];
  alias_of?: string;
  /** Nexus's own: asleep backends that list it (Wake-on-LAN; a request wakes one). */
  asleep_on?: string[];
  /** Nexus's own: only asleep backends list it. */
  status?: "asleep";
}

export interface PsEntry {
  name: string;
  model: string;
  size: number;
  digest: string;
  details: TagEntry["details"];
  expires_at: string;
  size_vram: number;
  context_length?: number;
  /** The Nexus backend that holds the model. */
  backend: string;
}

/**
 * One entry per model id across routable backends, aliases under their own name; sorted. Models
 * of asleep backends stay listed, with `asleep_on` (and `status: "asleep"` when only they have it).
 */
export function tagEntries(
  backends: readonly Backend[],
  aliases: ReadonlyMap<string, string>,
  startedAt: string,
): TagEntry[] {
  const byName = new Map<string, TagEntry>();
  for (const backend of backends) {
    if (!isRoutable(backend.status)) continue;
    for (const model of backend.models) {
      const entry = byName.get(model.id);
      if (entry) entry.backends.push(backend.name);
      else byName.set(model.id, tagEntry(model, backend, startedAt));
    }
  }
  for (const backend of backends) {
    if (backend.status !== "asleep") continue;
    for (const model of backend.models) {
      let entry = byName.get(model.id);
      if (!entry) {
        entry = { ...tagEntry(model, backend, startedAt), backends: [], status: "asleep" };
        byName.set(model.id, entry);
      }
      (entry.asleep_on ??= []).push(backend.name);
    }
  }
  for (const [alias, target] of aliases) {
    const entry = byName.get(target);
    if (entry && !byName.has(alias)) {
      byName.set(alias, { ...entry, name: alias, model: alias, alias_of: target });
    }
  }
  return [...byName.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function tagEntry(model: ModelInfo, backend: Backend, startedAt: string): TagEntry {
  const native = model.native ?? {};
  return {
    name: model.id,
    model: model.id,
    modified_at: native.modified_at ?? startedAt,
    size: native.size ?? 0,
    digest: model.digest ?? nameDigest(model.id),
    details: detailsOf(model),
    backends: [backend.name],
  };
}

/** Ollama's loaded models, LM Studio's loaded ones, and llama.cpp's and vLLM's (always loaded). */
export function psEntries(backends: readonly Backend[]): PsEntry[] {
  const entries: PsEntry[] = [];
  for (const backend of backends) {
    if (!isRoutable(backend.status)) continue;
    const holdsAll = backend.type === "llamacpp" || backend.type === "vllm";
    for (const model of backend.models) {
      if (!(model.loaded ?? holdsAll)) continue;
      const native = model.native ?? {};
      entries.push({
        name: model.id,
        model: model.id,
        size: native.size ?? 0,
        digest: model.digest ?? nameDigest(model.id),
        details: detailsOf(model),
        expires_at: native.expires_at ?? FAR_FUTURE,
        size_vram: native.size_vram ?? 0,
        ...(model.default_context === undefined ? {} : { context_length: model.default_context }),
        backend: backend.name,
      });
    }
  }
  return entries;
}

/** `/api/show` for a model held by no Ollama backend, from what Nexus knows about it. */
export function synthesizedShow(model: ModelInfo, modifiedAt: string): Record<string, unknown> {
  const caps = model.capabilities;
  const capabilities: string[] = [];
  if (caps.completion !== false && caps.embeddings !== true) capabilities.push("completion");
  if (caps.embeddings === true) capabilities.push("embedding");
  // Unknown never excludes: a model not known to lack tools is offered them (as routing does).
  if (caps.tools !== false && caps.embeddings !== true) capabilities.push("tools");
  if (caps.vision === true) capabilities.push("vision");
  if (caps.fim === true) capabilities.push("insert");
  const details = detailsOf(model);
  const arch = details.family || "unknown";
  return {
    license: "",
    modelfile: "",
    parameters: "",
    template: "",
    details,
    model_info: {
      "general.architecture": arch,
      ...(model.context_length === undefined ? {} : {
        [`${arch}.context_length`]: model.context_length,
      }),
    },
    capabilities,
    modified_at: model.native?.modified_at ?? modifiedAt,
  };
}

function detailsOf(model: ModelInfo): TagEntry["details"] {
  const native = model.native ?? {};
  return {
    parent_model: "",
    format: native.format ?? "",
    family: native.family ?? "",
    families: [...(native.families ?? (native.family ? [native.family] : []))],
    parameter_size: native.parameter_size ?? "",
    quantization_level: native.quantization_level ?? "",
  };
}

/** 64 hex digits from the name (FNV-1a, eight seeds): stable, and never mistaken for a real one. */
export function nameDigest(name: string): string {
  let out = "";
  for (let seed = 0; seed < 8; seed++) {
    let hash = 0x811c9dc5 ^ seed;
    for (let i = 0; i < name.length; i++) hash = Math.imul(hash ^ name.charCodeAt(i), 0x01000193);
    out += (hash >>> 0).toString(16).padStart(8, "0");
  }
  return out;
}
