/**
 * The filters a backend must pass before it is scored, in a fixed order: routable (healthy, or
 * busy: slow because it serves Nexus traffic, which the load score accounts for), serves the
 * operation at all, then (for the requested model) what the model can do — embed, generate,
 * fill in the middle, see images, call tools, JSON mode — and context length. Being served at
 * all is the registry's model index itself: only backends that list the model are looked at.
 *
 * Capabilities are tri-state. Only a *known* lack (`false`, or a known context length that is too
 * small) excludes; `undefined` means "not known" and the backend stays in.
 *
 * An `asleep` backend that passes every other filter is excluded as `asleep`: it could serve the
 * request once woken (the router lists it in the decision's `wake`). A backend whose circuit
 * breaker is open is excluded last, as `breaker`: what it cannot do at all is the better reason.
 * @module
 */
import { type Backend, isRoutable, type ModelInfo, servesOperation } from "../registry/mod.ts";
import type { RouteRequirements } from "./requirements.ts";

/** Why a backend was excluded, as a constant (the hot path allocates no strings). */
export type ExclusionKind =
  | "status"
  | "operation"
  | "embeddings"
  | "embedding_model"
  | "fim"
  | "vision"
  | "tools"
  | "json_mode"
  | "context_length"
  | "asleep"
  | "breaker";

/**
 * Exclusions no retry can cure: the model or server cannot do what the request asks. When every
 * backend is excluded for one of these, the client gets a 400, not a 503.
 */
export const PERMANENT_EXCLUSIONS: ReadonlySet<ExclusionKind> = new Set([
  "embeddings",
  "fim",
  "context_length",
]);

/**
 * Exclusions waiting does not cure: what the server or its model cannot do, known until a health
 * check (or a reload) says otherwise. When every backend is excluded for one of these, the 503
 * tells the client not to retry (the contract keeps 503 + Retry-After for them).
 */
export const LASTING_EXCLUSIONS: ReadonlySet<ExclusionKind> = new Set([
  "operation",
  "embedding_model",
  "vision",
  "tools",
  "json_mode",
]);

export function exclusionOf(
  backend: Backend,
  info: ModelInfo,
  required: RouteRequirements,
): ExclusionKind | undefined {
  if (!isRoutable(backend.status)) {
    if (backend.status !== "asleep") return "status";
    return capabilityExclusion(backend, info, required) ?? "asleep";
  }
  return capabilityExclusion(backend, info, required) ??
    (backend.breaker.state === "open" ? "breaker" : undefined);
}

/** What the backend and its model cannot do for this request, whatever their status. */
function capabilityExclusion(
  backend: Backend,
  info: ModelInfo,
  required: RouteRequirements,
): ExclusionKind | undefined {
  const operation = required.operation;
  if (!servesOperation(backend, operation)) return "operation";
  const capabilities = info.capabilities;
  if (operation === "embeddings") {
    return capabilities.embeddings === false ? "embeddings" : undefined;
  }
  // A model known to embed and not known to generate is an embedding model.
  if (capabilities.embeddings === true && capabilities.completion !== true) {
    return "embedding_model";
  }
  if (required.fim && capabilities.fim === false) return "fim";
  if (required.vision && capabilities.vision === false) return "vision";
  if (required.tools && capabilities.tools === false) return "tools";
  if (required.json_mode && capabilities.json_mode === false) return "json_mode";
  const context = info.context_length;
  if (context !== undefined && required.estimated_tokens > context) return "context_length";
  return undefined;
}

/** The reason a person reads (503 context, explain, logs). */
export function describeExclusion(
  kind: ExclusionKind,
  backend: Backend,
  info: ModelInfo,
  required: RouteRequirements,
): string {
  switch (kind) {
    case "status":
      return `status ${backend.status}`;
    case "operation":
      return `${backend.type} servers do not serve ${required.operation}`;
    case "embeddings":
      return "not an embedding model";
    case "embedding_model":
      return "embedding model";
    case "fim":
      return "no fill-in-the-middle (suffix) support";
    case "vision":
      return "no vision support";
    case "tools":
      return "no tool support";
    case "json_mode":
      return "no JSON mode support";
    case "context_length":
      return `context length ${info.context_length} < estimated ${required.estimated_tokens} tokens`;
    case "asleep":
      return "asleep (a request wakes it)";
    case "breaker":
      return "circuit breaker open (its requests failed; cooling down)";
  }
}
