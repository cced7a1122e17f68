/**
 * The filters a backend must pass before it is scored, in a fixed order: healthy, then (for the
 * requested model) vision, tools, JSON mode, context length. Being served at all is the
 * registry's model index itself: only backends that list the model are ever looked at.
 *
 * Capabilities are tri-state. Only a *known* lack (`false`, or a known context length that is too
 * small) excludes; `undefined` means "not known" and the backend stays in.
 * @module
 */
import type { Backend, ModelInfo } from "../registry/mod.ts";
import type { RouteRequirements } from "./requirements.ts";

/** Why a backend was excluded, as a constant (the hot path allocates no strings). */
export type ExclusionKind = "status" | "vision" | "tools" | "json_mode" | "context_length";

export function exclusionOf(
  backend: Backend,
  info: ModelInfo,
  required: RouteRequirements,
): ExclusionKind | undefined {
  if (backend.status !== "healthy") return "status";
  const capabilities = info.capabilities;
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
    case "vision":
      return "no vision support";
    case "tools":
      return "no tool support";
    case "json_mode":
      return "no JSON mode support";
    case "context_length":
      return `context length ${info.context_length} < estimated ${required.estimated_tokens} tokens`;
  }
}
