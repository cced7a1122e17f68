/**
 * The router's values: ordered candidates, or a rejection that says why. Expected failures are
 * values, never thrown, so no stack trace is captured under load.
 * @module
 */
import type { Backend } from "../registry/mod.ts";
import type { ExclusionKind } from "./filters.ts";
import type { RouteRequirements } from "./requirements.ts";

export interface RouteCandidate {
  readonly backend: Backend;
  /** The model name the backend receives (after alias resolution or fallback). */
  readonly model: string;
  /** True when this candidate serves a fallback model rather than the requested one. */
  readonly fallback: boolean;
  /** Smart score (0–100) when the decision was made; computed whatever the strategy. */
  readonly score: number;
  /** Whether the model is loaded on this backend now (undefined: not known). */
  readonly loaded?: boolean;
}

export interface Exclusion {
  readonly backend: string;
  /** The model the backend was considered for (the primary or a fallback). */
  readonly model: string;
  readonly reason: string;
}

export interface RejectionContext {
  /** The requested model after alias resolution. */
  readonly model: string;
  readonly required: RouteRequirements;
  readonly excluded: readonly Exclusion[];
  /** Fallback models (resolved) that were looked at, in order. */
  readonly fallbacks_tried: readonly string[];
}

/** Why nothing can serve the request: a Failure value (src/lib/failures.ts) with routing detail. */
export interface RouteRejection {
  readonly kind: RejectionKind;
  /** From the failure table, for callers that do not render through a dialect. */
  readonly status: 400 | 404 | 503;
  readonly code: string;
  readonly message: string;
  /** The request field at fault: `model` for an unknown model. */
  readonly param: string | null;
  /** Why each backend was excluded (all but 404). */
  readonly context?: RejectionContext;
  /** `x-should-retry: false` when no backend can ever take the request as sent. */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * Whole seconds until the soonest open circuit breaker lets a trial request through, when the
   * refusal is theirs (rejection.ts): the client's `Retry-After` instead of the default.
   */
  readonly retryAfter?: string;
}

export type RejectionKind =
  | "model_not_found"
  | "no_capable_backend"
  | "unsupported_by_model"
  | "context_length_exceeded";

export type RouteDecision =
  | {
    readonly ok: true;
    readonly requested: string;
    /** The requested model after alias resolution. */
    readonly model: string;
    /** The failover order: primary candidates first, then each fallback model's. */
    readonly candidates: RouteCandidate[];
    /**
     * Asleep backends with `prefer_wake` that could serve the model: wake them and wait, then
     * route again (the candidates above remain the fallback if they do not wake).
     */
    readonly wake?: readonly Backend[];
  }
  | {
    readonly ok: false;
    readonly requested: string;
    readonly rejection: RouteRejection;
    /**
     * Asleep backends that could serve the request once woken: a request waits for the wake and
     * is routed again; the rejection is what it gets if none wakes.
     */
    readonly wake?: readonly Backend[];
  };

/** What happened to one fallback model during a decision. */
export type FallbackOutcome =
  /** Contributed candidates. */
  | "used"
  /** Not evaluated: earlier candidates already fill every attempt `max_retries` allows. */
  | "not_needed"
  /** Backends list it, but each was excluded. */
  | "unusable"
  /** No backend lists it. */
  | "unknown";

export interface FallbackTrace {
  /** As written in `[routing.fallbacks]`. */
  readonly name: string;
  /** After alias resolution: what the backend would receive. */
  readonly model: string;
  readonly outcome: FallbackOutcome;
}

/** Filled only when someone asks why (explain, or building a 503): the hot path passes none. */
export interface RouteTrace {
  readonly excluded: Exclusion[];
  /** The kind of each exclusion, in the same order (decides 400 versus 503). */
  readonly kinds: ExclusionKind[];
  readonly fallbacks: FallbackTrace[];
  /** The soonest `coolsAt` among the backends excluded for an open breaker (Clock.monotonic). */
  breakerCoolsAt?: number;
}
