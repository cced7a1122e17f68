/**
 * Routing: from a requested model and what the request needs to ordered candidates (the
 * failover order), or a rejection with reasons. Other areas import routing only from here.
 *
 * ```ts
 * const router = new Router(registry, config.routing);
 * const decision = router.select("gpt-4", requirementsOf(body));
 * if (decision.ok) forward(request, clientSignal, decision.candidates, deps);
 * router.explain("gpt-4"); // the same decision, with scores, exclusions and fallbacks
 * ```
 * @module
 */
export { Router, type RouterOptions } from "./router.ts";
export { resolveTag } from "./tags.ts";
export {
  estimateTokens,
  NO_REQUIREMENTS,
  requirementsOf,
  type RouteRequirements,
} from "./requirements.ts";
export {
  scoreBackend,
  type ScoreComponents,
  scoreComponents,
  type ScoreInput,
  type ScoreWeights,
} from "./scoring.ts";
export type { ExplainedCandidate, ExplainedDecision, RouteExplanation } from "./explain.ts";
export type {
  Exclusion,
  FallbackOutcome,
  FallbackTrace,
  RejectionContext,
  RejectionKind,
  RouteCandidate,
  RouteDecision,
  RouteRejection,
} from "./types.ts";
