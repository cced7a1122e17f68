/**
 * Model names as Ollama users type them. Ollama treats a name without a tag as `NAME:latest`, so
 * `qwen2.5` must reach a backend that lists `qwen2.5:latest`; and `NAME:latest` reaches a server
 * that lists the bare `NAME`. A name some backend lists exactly always wins, and the rule is only
 * looked at when nothing lists the name as asked (a miss), so it costs the hot path nothing.
 * @module
 */
import type { Registry } from "../registry/mod.ts";

const LATEST = ":latest";

/** The name the fleet lists for `model` under Ollama's tag rule, or `model` itself. */
export function resolveTag(registry: Registry, model: string): string {
  if (registry.servingsFor(model).length > 0) return model;
  if (model.endsWith(LATEST)) {
    const bare = model.slice(0, -LATEST.length);
    return bare !== "" && registry.servingsFor(bare).length > 0 ? bare : model;
  }
  if (model.includes(":")) return model;
  const tagged = model + LATEST;
  // Only Ollama lists implicit tags: another server's `x:latest` is a name of its own.
  const ollama = registry.servingsFor(tagged).some((s) => s.backend.type === "ollama");
  return ollama ? tagged : model;
}
