/**
 * GET /v1/models — one entry per model id, merged across healthy backends, sorted by id.
 * Aliases are listed under their own id with the data of the model they resolve to.
 * @module
 */
import type { Context } from "hono";
import type { Backend, ModelInfo, Registry } from "../registry/mod.ts";
import type { Router } from "../routing/mod.ts";

export interface ModelEntry {
  id: string;
  object: "model";
  created: number;
  owned_by: string;
  backends: string[];
  context_length: number | null;
  /** Backends holding the model in memory now (as far as they say). */
  loaded_on: string[];
  capabilities: { vision: boolean; tools: boolean; json_mode: boolean; embeddings: boolean };
  alias_of?: string;
}

export function listModels(registry: Registry, router: Router, created: number): ModelEntry[] {
  const byId = new Map<string, ModelEntry>();
  for (const backend of registry.list()) {
    if (backend.status !== "healthy") continue;
    for (const model of backend.models) mergeInto(byId, model, backend, created);
  }
  for (const alias of router.aliasNames()) {
    const target = byId.get(router.resolveAlias(alias));
    if (target && !byId.has(alias)) byId.set(alias, { ...target, id: alias, alias_of: target.id });
  }
  return [...byId.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

function mergeInto(
  byId: Map<string, ModelEntry>,
  model: ModelInfo,
  backend: Backend,
  created: number,
): void {
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
      capabilities: { vision: false, tools: false, json_mode: false, embeddings: false },
    };
    byId.set(model.id, entry);
  }
  entry.backends.push(backend.name);
  if (model.loaded === true) entry.loaded_on.push(backend.name);
  // The largest known window is reachable: the router sends long prompts where they fit.
  if (model.context_length !== undefined) {
    entry.context_length = Math.max(entry.context_length ?? 0, model.context_length);
  }
  const caps = model.capabilities;
  if (caps.vision) entry.capabilities.vision = true;
  if (caps.tools) entry.capabilities.tools = true;
  if (caps.json_mode) entry.capabilities.json_mode = true;
  if (caps.embeddings) entry.capabilities.embeddings = true;
}

export function handleModels(registry: Registry, router: Router, startedAt: number) {
  const created = Math.floor(startedAt / 1000);
  return (c: Context) => c.json({ object: "list", data: listModels(registry, router, created) });
}
