/**
 * GET /v1/models — one entry per model id, merged across routable (healthy or busy) backends,
 * sorted by id. Models of asleep backends (Wake-on-LAN) stay listed: their backends are in
 * `asleep_on`, and a model only asleep backends serve says `"status": "asleep"` (a request for
 * it wakes one). Aliases are listed under their own id with the data of the model they resolve to.
 * A capability is `true` when any backend has it, `false` when every backend is known to lack it,
 * and `null` (unknown) otherwise: unknown is never shown as a lack, since it never excludes.
 *
 * The shape is OpenAI's list; Anthropic's `models.list()` reads the same route, so the list also
 * carries its page fields (`has_more`, `first_id`, `last_id`) and each entry its ModelInfo fields
 * (`type`, `display_name`, `created_at`, `max_input_tokens`). Neither client minds the other's.
 *
 * GET /v1/models/{id} — one entry of that list (`models.retrieve()` of both SDKs); an id nobody
 * serves is a 404 `model_not_found`, in Anthropic's envelope when the client is Anthropic's (it
 * sends `anthropic-version`), in OpenAI's otherwise. Ids may hold slashes; a name a request would
 * reach a model by (Ollama's implicit `:latest`, a wildcard alias) answers that model as an alias.
 * @module
 */
import type { Context } from "hono";
import { methodNotAllowed } from "./errors.ts";
import { visibleModels } from "./model-scope.ts";
import { anthropicDialect, openaiDialect } from "../dialects/mod.ts";
import { failure } from "../lib/failures.ts";
import { boundText } from "../lib/limits.ts";
import {
  type Backend,
  isRoutable,
  type ModelCapabilities,
  type ModelInfo,
  type Registry,
} from "../registry/mod.ts";
import type { Router } from "../routing/mod.ts";

/** `null`: unknown. */
export type Capability = boolean | null;
type CapabilityName = keyof Pick<
  ModelCapabilities,
  "vision" | "tools" | "json_mode" | "embeddings"
>;
const CAPABILITY_NAMES: readonly CapabilityName[] = ["vision", "tools", "json_mode", "embeddings"];

export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  backends: string[];
  context_length: number | null;
  /** Backends holding the model in memory now (as far as they say). */
  loaded_on: string[];
  capabilities: Record<CapabilityName, Capability>;
  alias_of?: string;
  /** Asleep backends that list the model (a request wakes one when no other serves it). */
  asleep_on?: string[];
  /** Only asleep backends serve it: a request waits for one to wake. */
  status?: "asleep";
  /** Anthropic's ModelInfo: `"model"`, a name to show, RFC 3339 creation time, context window. */
  type: "model";
  display_name: string;
  created_at: string;
  max_input_tokens: number | null;
}

export function listModels(registry: Registry, router: Router, created: number): ModelEntry[] {
  const byId = new Map<string, ModelEntry>();
  const asleep: Backend[] = [];
  for (const backend of registry.list()) {
    if (backend.status === "asleep") asleep.push(backend);
    if (!isRoutable(backend.status)) continue;
    for (const model of backend.models) mergeInto(byId, model, backend, created);
  }
  for (const backend of asleep) {
    for (const model of backend.models) {
      const entry = byId.get(model.id) ?? mergeInto(byId, model, backend, created, "asleep");
      if (entry.asleep_on === undefined) entry.asleep_on = [];
      if (!entry.asleep_on.includes(backend.name)) entry.asleep_on.push(backend.name);
    }
  }
  for (const alias of router.aliasNames()) {
    // As a request resolves it: an alias of `llama3.2` names Ollama's `llama3.2:latest`.
    const target = byId.get(router.resolveModel(alias));
    if (target && !byId.has(alias)) {
      byId.set(alias, { ...target, id: alias, display_name: alias, alias_of: target.id });
    }
  }
  const entries = [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  for (const entry of entries) entry.max_input_tokens = entry.context_length;
  return entries;
}

function mergeInto(
  byId: Map<string, ModelEntry>,
  model: ModelInfo,
  backend: Backend,
  created: number,
  asleep?: "asleep",
): ModelEntry {
  const caps = model.capabilities;
  let entry = byId.get(model.id);
  if (!entry) {
    entry = {
      id: model.id,
      object: "model",
      created,
      owned_by: model.owned_by ?? backend.type,
      backends: [],
      context_length: null,
      loaded_on: [],
      capabilities: {
        vision: caps.vision ?? null,
        tools: caps.tools ?? null,
        json_mode: caps.json_mode ?? null,
        embeddings: caps.embeddings ?? null,
      },
      type: "model",
      display_name: model.id,
      created_at: new Date(created * 1000).toISOString(),
      max_input_tokens: null,
      ...(asleep ? { status: asleep } : {}),
    };
    byId.set(model.id, entry);
  } else {
    for (const name of CAPABILITY_NAMES) {
      entry.capabilities[name] = mergeCapability(entry.capabilities[name], caps[name]);
    }
  }
  if (asleep) return entry;
  entry.backends.push(backend.name);
  if (model.loaded === true) entry.loaded_on.push(backend.name);
  // The largest known window is reachable: the router sends long prompts where they fit.
  if (model.context_length !== undefined) {
    entry.context_length = Math.max(entry.context_length ?? 0, model.context_length);
  }
  return entry;
}

/** One backend having it is enough; a lack is known only when every backend knows it. */
function mergeCapability(merged: Capability, next: boolean | undefined): Capability {
  if (merged === true || next === true) return true;
  return merged === null || next === undefined ? null : false;
}

export function handleModels(registry: Registry, router: Router, startedAt: number) {
  const created = Math.floor(startedAt / 1000);
  return (c: Context) => {
    const all = listModels(registry, router, created);
    const data = visibleModels(
      c.req.raw,
      all,
      (entry) => entry.id,
      (id) => router.resolveModel(id),
    );
    const first_id = data[0]?.id ?? null;
    const last_id = data[data.length - 1]?.id ?? null;
    return c.json({ object: "list", data, has_more: false, first_id, last_id });
  };
}

export function handleModel(registry: Registry, router: Router, startedAt: number) {
  const created = Math.floor(startedAt / 1000);
  return (c: Context) => {
    const id = c.req.param("model") ?? "";
    const models = listModels(registry, router, created);
    const entry = models.find((model) => model.id === id);
    if (entry) return c.json(entry);
    // A name chat would accept (`llama3` for `llama3:latest`, a wildcard alias) reads as an alias.
    const resolved = router.resolveModel(id);
    const target = resolved === id ? undefined : models.find((model) => model.id === resolved);
    if (target) return c.json({ ...target, id, display_name: id, alias_of: target.id });
    // `GET …/load` is a wrong method on the lifecycle route, not a model called "x/load".
    const lifecycle = /\/(load|unload)$/.exec(id);
    if (lifecycle) return methodNotAllowed("GET", c.req.path, ["POST"]);
    const dialect = c.req.header("anthropic-version") === undefined
      ? openaiDialect
      : anthropicDialect;
    return dialect.errorResponse(
      failure(
        "model_not_found",
        `Model "${boundText(id)}" not found. GET /v1/models lists the models served now.`,
        { param: "model" },
      ),
      new Headers(),
    );
  };
}
