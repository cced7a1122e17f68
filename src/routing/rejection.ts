/**
 * Rejections a client can act on: 404 lists what exists; 503 names every excluded backend and
 * why, and the fallback chain that was tried. When every backend was excluded for the same
 * permanent reason — the model cannot embed or fill in the middle, or no window can hold the
 * prompt — retrying cannot help, and the answer is 400 saying so. The message carries the gist,
 * `context` the whole. When open circuit breakers are what keeps the request out, the 503 says
 * when the soonest of them lets a trial request through (`retryAfter`): a client that retries
 * sooner only meets the same breakers.
 * @module
 */
import { FAILURES } from "../lib/failures.ts";
import { boundText } from "../lib/limits.ts";
import type { FallbackStep } from "./chains.ts";
import { type ExclusionKind, LASTING_EXCLUSIONS, PERMANENT_EXCLUSIONS } from "./filters.ts";
import type { RouteRequirements } from "./requirements.ts";
import type { Exclusion, RejectionKind, RouteRejection, RouteTrace } from "./types.ts";

/** Exclusions spelled out in a message; the rest are counted (all are in the context). */
const MESSAGE_EXCLUSIONS = 5;
/** Model ids listed in a 404's message; the rest are counted (GET /v1/models has them all). */
export const MESSAGE_MODELS = 20;

export function notFoundRejection(
  requested: string,
  model: string,
  chain: readonly FallbackStep[] | undefined,
  available: { readonly first: readonly string[]; readonly total: number },
): RouteRejection {
  const fallbacks = chain ? `, nor its fallbacks (${chainText(chain)})` : "";
  const shown = available.first.slice(0, MESSAGE_MODELS).map((id) => boundText(id));
  const more = available.total > shown.length
    ? ` and ${available.total - shown.length} more (GET /v1/models)`
    : "";
  const list = available.total
    ? `Available models: ${shown.join(", ")}${more}`
    : "No models are available";
  return rejection(
    "model_not_found",
    `Model ${named(requested, model)} not found${fallbacks}. ${list}`,
    "model",
  );
}

export function unavailableRejection(
  requested: string,
  model: string,
  required: RouteRequirements,
  chain: readonly FallbackStep[] | undefined,
  trace: RouteTrace,
  now: number,
): RouteRejection {
  const context = {
    model,
    required: { ...required },
    excluded: trace.excluded,
    fallbacks_tried: trace.fallbacks.map((step) => step.model),
  };
  const permanent = permanentKind(trace.kinds);
  if (permanent === "embeddings") {
    return rejection(
      "unsupported_by_model",
      `Model ${named(requested, model)} does not create embeddings: ${
        exclusionList(trace.excluded, !!chain)
      }. Ask an embedding model (GET /v1/models shows capabilities.embeddings).`,
      "model",
      context,
    );
  }
  if (permanent === "fim") {
    return rejection(
      "unsupported_by_model",
      `Model ${named(requested, model)} does not support fill-in-the-middle: no backend serving ` +
        `it can take a \`suffix\` (${exclusionList(trace.excluded, !!chain)}). Send the ` +
        `prompt without \`suffix\`, or ask a model that inserts.`,
      "suffix",
      context,
    );
  }
  if (permanent === "context_length") {
    return rejection(
      "context_length_exceeded",
      `The prompt (about ${required.estimated_tokens} tokens) is longer than the context of every ` +
        `backend serving model ${named(requested, model)}: ${
          exclusionList(trace.excluded, !!chain)
        }`,
      "messages",
      context,
    );
  }
  const fallbacks = chain ? ` or its fallbacks (${chainText(chain)})` : "";
  const unavailable = rejection(
    "no_capable_backend",
    `No backend can serve model ${named(requested, model)}${fallbacks} right now: ${
      exclusionList(trace.excluded, !!chain)
    }`,
    null,
    context,
  );
  if (lastsBeyondRetry(trace.kinds)) return { ...unavailable, headers: DO_NOT_RETRY };
  const retryAfter = breakerWait(trace, now);
  return retryAfter === undefined ? unavailable : { ...unavailable, retryAfter };
}

/**
 * Whole seconds (at least 1) until the soonest open breaker among the excluded backends cools,
 * when breakers are what waiting can cure. Undefined when no breaker's cool-down is known, or
 * when a backend is out for its status or asleep: a health check or a wake may bring it back
 * sooner, and the default Retry-After (the health-check interval) stays.
 */
function breakerWait(trace: RouteTrace, now: number): string | undefined {
  const coolsAt = trace.breakerCoolsAt;
  if (coolsAt === undefined) return undefined;
  if (trace.kinds.some((kind) => kind === "status" || kind === "asleep")) return undefined;
  return String(Math.max(1, Math.ceil((coolsAt - now) / 1000)));
}

/**
 * The OpenAI and Anthropic SDKs retry a 503 twice, honouring Retry-After (up to a minute); this
 * header (which both obey, and other clients ignore) spares their users that wait when no
 * backend can ever take the request as it is sent.
 */
const DO_NOT_RETRY: Readonly<Record<string, string>> = { "x-should-retry": "false" };

/**
 * Every backend was excluded for what it cannot do, not for its state: retrying cannot help. A
 * permanent kind counts too: mixed with others (one backend lacks vision, another's context is
 * too short) it is no 400 of its own, yet no retry cures it either.
 */
function lastsBeyondRetry(kinds: readonly ExclusionKind[]): boolean {
  return kinds.length > 0 &&
    kinds.every((kind) => LASTING_EXCLUSIONS.has(kind) || PERMANENT_EXCLUSIONS.has(kind));
}

/** The one permanent kind every exclusion shares, if they all share one. */
function permanentKind(kinds: readonly ExclusionKind[]): ExclusionKind | undefined {
  const first = kinds[0];
  if (first === undefined || !PERMANENT_EXCLUSIONS.has(first)) return undefined;
  return kinds.every((kind) => kind === first) ? first : undefined;
}

function rejection(
  kind: RejectionKind,
  message: string,
  param: string | null,
  context?: RouteRejection["context"],
): RouteRejection {
  const row = FAILURES[kind];
  return {
    kind,
    status: row.status,
    code: row.code,
    message,
    param,
    ...(context === undefined ? {} : { context }),
  };
}

function exclusionList(excluded: readonly Exclusion[], withModel: boolean): string {
  const shown = excluded.slice(0, MESSAGE_EXCLUSIONS).map((e) => exclusionText(e, withModel));
  const more = excluded.length - shown.length;
  const tail = more > 0 ? `; and ${more} more (see error.context.excluded)` : "";
  return shown.join("; ") + tail;
}

function named(requested: string, model: string): string {
  const asked = boundText(requested);
  return requested === model ? `"${asked}"` : `"${asked}" (alias of "${boundText(model)}")`;
}

function chainText(chain: readonly FallbackStep[]): string {
  return chain.map((step) => step.model).join(" -> ");
}

function exclusionText(exclusion: Exclusion, withModel: boolean): string {
  const where = withModel ? ` [${exclusion.model}]` : "";
  return `${exclusion.backend}${where}: ${exclusion.reason}`;
}
