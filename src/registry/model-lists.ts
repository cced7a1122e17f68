/**
 * New model lists for the registry to store: one cut to the per-backend cap, one with a model's
 * `loaded` flag changed. Pure: they return a list (or nothing to change), the registry stores it.
 * @module
 */
import type { ModelInfo } from "./types.ts";

/** The first `max` models, and how many were left out. */
export function capModels(
  models: readonly ModelInfo[],
  max: number,
): { readonly kept: readonly ModelInfo[]; readonly dropped: number } {
  const dropped = Math.max(0, models.length - max);
  return { kept: dropped > 0 ? models.slice(0, max) : models, dropped };
}

/** `models` with `model` marked `loaded`; undefined when it is not listed or already so. */
export function withLoaded(
  models: readonly ModelInfo[],
  model: string,
  loaded: boolean,
): ModelInfo[] | undefined {
  const index = models.findIndex((info) => info.id === model);
  if (index < 0 || models[index]!.loaded === loaded) return undefined;
  const changed = [...models];
  changed[index] = { ...changed[index]!, loaded };
  return changed;
}
