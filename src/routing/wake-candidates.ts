/**
 * Which asleep backends a decision names in `wake`, apart from the awake candidates it routes to.
 * @module
 */
import type { Backend, Registry } from "../registry/mod.ts";
import type { FallbackStep } from "./chains.ts";
import { exclusionOf } from "./filters.ts";
import type { RouteRequirements } from "./requirements.ts";
import { resolveTag } from "./tags.ts";

/** Asleep backends with `prefer_wake` that could serve `model` (none: undefined, no allocation). */
export function preferredAsleep(
  registry: Registry,
  model: string,
  required: RouteRequirements,
): Backend[] | undefined {
  let found: Backend[] | undefined;
  for (const { backend, info } of registry.servingsFor(model)) {
    if (backend.status !== "asleep" || backend.prefer_wake !== true) continue;
    if (exclusionOf(backend, info, required) === "asleep") (found ??= []).push(backend);
  }
  return found;
}

/** Asleep backends that could serve the model or one of its fallbacks once woken. */
export function capableAsleep(
  registry: Registry,
  model: string,
  chain: readonly FallbackStep[] | undefined,
  required: RouteRequirements,
): Backend[] | undefined {
  const models = [model];
  for (const step of chain ?? []) models.push(resolveTag(registry, step.model));
  let found: Backend[] | undefined;
  for (const model of models) {
    for (const { backend, info } of registry.servingsFor(model)) {
      if (backend.status !== "asleep" || found?.includes(backend)) continue;
      if (exclusionOf(backend, info, required) === "asleep") (found ??= []).push(backend);
    }
  }
  return found;
}

/** A decision's `wake` field, present only when there is something to wake. */
export function optionalWake(wake: Backend[] | undefined): { wake?: Backend[] } {
  return wake === undefined ? {} : { wake };
}
