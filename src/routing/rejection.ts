/**
 * Rejections a client can act on: 404 lists what exists; 503 names every excluded backend and
 * why, and the fallback chain that was tried. The message carries the gist, `context` the whole.
 * @module
 */
import type { FallbackStep } from "./chains.ts";
import type { RouteRequirements } from "./requirements.ts";
import type { Exclusion, RouteRejection, RouteTrace } from "./types.ts";

/** Exclusions spelled out in a 503 message; the rest are counted (all are in the context). */
const MESSAGE_EXCLUSIONS = 5;

export function notFoundRejection(
  requested: string,
  model: string,
  chain: readonly FallbackStep[] | undefined,
  available: readonly string[],
): RouteRejection {
  const fallbacks = chain ? `, nor its fallbacks (${chainText(chain)})` : "";
  const list = available.length
    ? `Available models: ${available.join(", ")}`
    : "No models are available";
  return {
    status: 404,
    code: "model_not_found",
    message: `Model ${named(requested, model)} not found${fallbacks}. ${list}`,
  };
}

export function unavailableRejection(
  requested: string,
  model: string,
  required: RouteRequirements,
  chain: readonly FallbackStep[] | undefined,
  trace: RouteTrace,
): RouteRejection {
  const fallbacks = chain ? ` or its fallbacks (${chainText(chain)})` : "";
  const shown = trace.excluded.slice(0, MESSAGE_EXCLUSIONS).map((e) => exclusionText(e, !!chain));
  const more = trace.excluded.length - shown.length;
  const tail = more > 0 ? `; and ${more} more (see error.context.excluded)` : "";
  return {
    status: 503,
    code: "service_unavailable",
    message: `No backend can serve model ${named(requested, model)}${fallbacks} right now: ${
      shown.join("; ")
    }${tail}`,
    context: {
      model,
      required: { ...required },
      excluded: trace.excluded,
      fallbacks_tried: trace.fallbacks.map((step) => step.model),
    },
  };
}

function named(requested: string, model: string): string {
  return requested === model ? `"${requested}"` : `"${requested}" (alias of "${model}")`;
}

function chainText(chain: readonly FallbackStep[]): string {
  return chain.map((step) => step.model).join(" -> ");
}

function exclusionText(exclusion: Exclusion, withModel: boolean): string {
  const where = withModel ? ` [${exclusion.model}]` : "";
  return `${exclusion.backend}${where}: ${exclusion.reason}`;
}
