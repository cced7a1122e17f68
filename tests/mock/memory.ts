/**
 * What a GPU box's memory does to a request, as Ollama and llama.cpp's router behave: a model
 * that is not loaded is loaded first (`coldLoadMs`, the long first byte a cold start costs), and
 * when more than `maxLoadedModels` are loaded the one used least recently is evicted. Loads are
 * counted, so a test can say "this backend never had to load the model".
 * @module
 */
import type { Exchange, MockSettings } from "./context.ts";

/** Loads `model` if it is cold; false when the client left during the load. */
export async function loadModel(exchange: Exchange, model: string): Promise<boolean> {
  const { settings } = exchange;
  const entry = settings.models.find((m) => m.id === model);
  if (entry === undefined) return true;
  touch(settings, model);
  if (entry.loaded !== false) return true;
  settings.loads++;
  if (settings.coldLoadMs > 0 && !(await exchange.life.sleep(settings.coldLoadMs))) return false;
  entry.loaded = true;
  evict(settings);
  return true;
}

function touch(settings: MockSettings, model: string): void {
  settings.lastUsed.set(model, settings.useCounter++);
}

/** Unloads the least recently used models until at most `maxLoadedModels` remain. */
function evict(settings: MockSettings): void {
  const loaded = settings.models.filter((m) => m.loaded !== false);
  const excess = loaded.length - settings.maxLoadedModels;
  if (excess <= 0) return;
  const byAge = [...loaded].sort((a, b) =>
    (settings.lastUsed.get(a.id) ?? -1) - (settings.lastUsed.get(b.id) ?? -1)
  );
  for (const model of byAge.slice(0, excess)) model.loaded = false;
}
