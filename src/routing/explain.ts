/**
 * The explain document (GET/POST /v1/route): the decision the router would make now, with the
 * reasons a person needs to trust or fix it — alias path, requirements, candidates with score
 * components, exclusions, and what happened to each fallback.
 * @module
 */
import type { RoutingStrategy } from "../config/mod.ts";
import type { BackendStatus } from "../registry/mod.ts";
import type { RouteRequirements } from "./requirements.ts";
import {
  scoreBackend,
  type ScoreComponents,
  scoreComponents,
  type ScoreWeights,
} from "./scoring.ts";
import type { Exclusion, FallbackTrace, RouteDecision, RouteTrace } from "./types.ts";

export interface ExplainedCandidate {
  readonly backend: string;
  readonly model: string;
  readonly fallback: boolean;
  readonly score: number;
  readonly components: ScoreComponents;
  readonly priority: number;
  readonly pending: number;
  readonly latency_ms: number | null;
  readonly status: BackendStatus;
  /** The model is loaded on this backend now (null: not known). */
  readonly loaded: boolean | null;
  /** What the smart score paid because the model would have to load here (0 or LOAD_COST). */
  readonly load_cost: number;
}

export type ExplainedDecision =
  | {
    readonly ok: true;
    readonly backend: string;
    readonly model: string;
    /** The `X-Nexus-Route-Reason` the first candidate would get if it answers. */
    readonly route_reason: "capability-match" | "fallback";
  }
  | {
    readonly ok: false;
    readonly status: 400 | 404 | 503;
    readonly code: string;
    readonly message: string;
    /** Seconds until the soonest open circuit breaker cools, when those keep the model out. */
    readonly retry_after_seconds?: number;
  };

export interface RouteExplanation {
  readonly object: "nexus.route";
  readonly requested: string;
  /** The requested model after alias resolution. */
  readonly model: string;
  /** `[requested, …, model]`; a single entry when no alias applied. */
  readonly alias_path: readonly string[];
  readonly strategy: RoutingStrategy;
  readonly weights: ScoreWeights;
  /** How many candidates a request may try (`routing.max_retries` + 1). */
  readonly max_attempts: number;
  readonly requirements: RouteRequirements;
  /** The failover order. */
  readonly candidates: readonly ExplainedCandidate[];
  readonly excluded: readonly Exclusion[];
  readonly fallbacks: readonly FallbackTrace[];
  /** Asleep backends a request would wake (and wait for) before it is routed; empty: none. */
  readonly wake: readonly string[];
  readonly decision: ExplainedDecision;
}

export interface ExplainInput {
  readonly aliasPath: readonly string[];
  readonly strategy: RoutingStrategy;
  readonly weights: ScoreWeights;
  readonly maxAttempts: number;
  readonly requirements: RouteRequirements;
  readonly decision: RouteDecision;
  readonly trace: RouteTrace;
}

export function explainDecision(input: ExplainInput): RouteExplanation {
  const { decision } = input;
  const candidates = decision.ok ? decision.candidates : [];
  return {
    object: "nexus.route",
    requested: decision.requested,
    model: input.aliasPath[input.aliasPath.length - 1]!,
    alias_path: input.aliasPath,
    strategy: input.strategy,
    weights: { ...input.weights },
    max_attempts: input.maxAttempts,
    requirements: { ...input.requirements },
    candidates: candidates.map(({ backend, model, fallback, score, loaded }) => ({
      backend: backend.name,
      model,
      fallback,
      score: round2(score),
      // The score is the smart score minus the load cost; the components add up to the former.
      load_cost: round2(scoreBackend(backend, input.weights) - score),
      loaded: loaded ?? null,
      components: roundComponents(scoreComponents(backend)),
      priority: backend.priority,
      pending: backend.pending,
      latency_ms: backend.latency_ms === undefined ? null : round2(backend.latency_ms),
      status: backend.status,
    })),
    excluded: input.trace.excluded,
    fallbacks: input.trace.fallbacks,
    wake: (decision.wake ?? []).map((backend) => backend.name),
    decision: decision.ok
      ? {
        ok: true,
        backend: candidates[0]!.backend.name,
        model: candidates[0]!.model,
        route_reason: candidates[0]!.fallback ? "fallback" : "capability-match",
      }
      : {
        ok: false,
        status: decision.rejection.status,
        code: decision.rejection.code,
        message: decision.rejection.message,
        ...(decision.rejection.retryAfter === undefined
          ? {}
          : { retry_after_seconds: Number(decision.rejection.retryAfter) }),
      },
  };
}

function roundComponents(components: ScoreComponents): ScoreComponents {
  return {
    priority: round2(components.priority),
    load: round2(components.load),
    latency: round2(components.latency),
  };
}

function round2(value: number): number {
  return Math.round(value * 100) / 100;
}
