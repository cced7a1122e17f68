/**
 * What a client may ask for (GET /v1/models, a 404's list), apart from how a request is routed.
 * @module
 */
import { isRoutable, type Registry } from "../registry/mod.ts";
import { MESSAGE_MODELS } from "./rejection.ts";

/**
 * Model ids a client may ask for now: models of routable backends and of asleep ones (a
 * request wakes them), plus aliases and patterns.
 */
export function availableModels(registry: Registry, aliases: Iterable<string>): string[] {
  const ids = new Set<string>();
  for (const id of registry.knownModels()) {
    const backends = registry.backendsFor(id);
    if (backends.some((b) => isRoutable(b.status) || b.status === "asleep")) ids.add(id);
  }
  for (const alias of aliases) ids.add(alias);
  return [...ids].sort();
}

/**
 * The first `limit` of `availableModels()`, in order, and how many there are: what a 404
 * names, found without sorting every id on every unknown-model request (a backend may list
 * thousands).
 */
export function availableSummary(
  registry: Registry,
  aliases: Iterable<string>,
  limit = MESSAGE_MODELS,
): { first: string[]; total: number } {
  const first: string[] = [];
  let total = 0;
  const consider = (id: string) => {
    total++;
    if (first.length === limit && id >= first[limit - 1]!) return;
    let at = first.length;
    while (at > 0 && first[at - 1]! > id) at--;
    first.splice(at, 0, id);
    if (first.length > limit) first.pop();
  };
  const routable = (id: string) => registry.backendsFor(id).some((b) => isRoutable(b.status));
  for (const id of registry.knownModels()) if (routable(id)) consider(id);
  // An alias that is also a routable model id is counted once.
  for (const alias of aliases) if (!routable(alias)) consider(alias);
  return { first, total };
}
