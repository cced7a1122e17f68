/**
 * The router turns a requested model and what the request needs into an ordered list of
 * candidates (backend + the model name to send it), or a rejection that says why. `select()` is
 * synchronous and reads only precomputed state: the alias and fallback tables built here, and the
 * registry's model → servings index. It costs microseconds on the hot path.
 *
 * Order of work: alias → the model's servings → filters (filters.ts) → strategy (strategies.ts)
 * → fallback models, each the same way. Fallback candidates are appended after the primary's, so
 * a primary that fails before the first byte fails over into the chain.
 * @module
 */
import type { NexusConfig, RoutingStrategy } from "../config/mod.ts";
import type { Registry } from "../registry/mod.ts";
import {
  aliasPath,
  type AliasTable,
  buildAliasTable,
  buildFallbackTable,
  type FallbackStep,
} from "./chains.ts";
import { explainDecision, type RouteExplanation } from "./explain.ts";
import { describeExclusion, exclusionOf } from "./filters.ts";
import { notFoundRejection, unavailableRejection } from "./rejection.ts";
import { NO_REQUIREMENTS, type RouteRequirements } from "./requirements.ts";
import { scoreBackend, type ScoreWeights } from "./scoring.ts";
import { orderCandidates } from "./strategies.ts";
import type { RouteCandidate, RouteDecision, RouteRejection, RouteTrace } from "./types.ts";

export interface RouterOptions {
  /**
   * Uniform numbers in [0, 1) for the `random` strategy (tests inject a seeded one).
   * @default Math.random
   */
  readonly random?: () => number;
}

/** One routing pass: candidates in failover order, and whether any backend knows the model. */
interface Routed {
  readonly model: string;
  readonly candidates: RouteCandidate[];
  readonly known: boolean;
  readonly chain: readonly FallbackStep[] | undefined;
}

/** Round-robin turn counters wrap here so they stay small integers. */
const TURN_WRAP = 2 ** 30;

export class Router {
  readonly #registry: Registry;
  readonly #aliases: AliasTable;
  readonly #resolved: Map<string, string>;
  readonly #fallbacks: Map<string, FallbackStep[]>;
  readonly #strategy: RoutingStrategy;
  readonly #weights: ScoreWeights;
  readonly #maxAttempts: number;
  readonly #random: () => number;
  /** Round-robin turns per model; only models that had candidates get an entry. */
  readonly #turns = new Map<string, number>();

  constructor(
    registry: Registry,
    routing: NexusConfig["routing"],
    options: RouterOptions = {},
  ) {
    this.#registry = registry;
    this.#aliases = routing.aliases;
    this.#resolved = buildAliasTable(routing.aliases);
    this.#fallbacks = buildFallbackTable(routing.aliases, routing.fallbacks);
    this.#strategy = routing.strategy;
    this.#weights = routing.weights;
    this.#maxAttempts = routing.max_retries + 1;
    this.#random = options.random ?? Math.random;
  }

  /** Candidates in failover order, or a 404/503 rejection saying why. */
  select(requested: string, required: RouteRequirements = NO_REQUIREMENTS): RouteDecision {
    const routed = this.#route(requested, required, undefined);
    if (routed.candidates.length > 0) {
      return { ok: true, requested, model: routed.model, candidates: routed.candidates };
    }
    return { ok: false, requested, rejection: this.#reject(requested, required, routed) };
  }

  /** The decision `select()` would make now, with its reasons; advances no round-robin turn. */
  explain(requested: string, required: RouteRequirements = NO_REQUIREMENTS): RouteExplanation {
    const trace: RouteTrace = { excluded: [], fallbacks: [] };
    const routed = this.#route(requested, required, trace);
    const decision: RouteDecision = routed.candidates.length > 0
      ? { ok: true, requested, model: routed.model, candidates: routed.candidates }
      : { ok: false, requested, rejection: this.#reject(requested, required, routed, trace) };
    return explainDecision({
      aliasPath: aliasPath(this.#aliases, requested),
      strategy: this.#strategy,
      weights: this.#weights,
      maxAttempts: this.#maxAttempts,
      requirements: required,
      decision,
      trace,
    });
  }

  /** Follows aliases (at most MAX_ALIAS_HOPS; cycles are rejected when config loads). */
  resolveAlias(model: string): string {
    return this.#resolved.get(model) ?? model;
  }

  aliasNames(): string[] {
    return [...this.#resolved.keys()];
  }

  /** Model ids a client may ask for now: models of healthy backends, plus aliases. */
  availableModels(): string[] {
    const ids = new Set<string>();
    for (const id of this.#registry.knownModels()) {
      if (this.#registry.backendsFor(id).some((b) => b.status === "healthy")) ids.add(id);
    }
    for (const alias of this.#resolved.keys()) ids.add(alias);
    return [...ids].sort();
  }

  /** A trace is passed only by explain and by 503s; it also freezes round-robin turns. */
  #route(requested: string, required: RouteRequirements, trace: RouteTrace | undefined): Routed {
    const model = this.#resolved.get(requested) ?? requested;
    let known = this.#registry.servingsFor(model).length > 0;
    const candidates = this.#candidatesFor(model, false, required, trace);
    const chain = this.#fallbacks.get(requested);
    if (chain === undefined) return { model, candidates, known, chain };
    for (const step of chain) {
      // Failover never tries more than max_attempts distinct backends: later ones are moot.
      if (candidates.length >= this.#maxAttempts) {
        trace?.fallbacks.push({ ...step, outcome: "not_needed" });
        continue;
      }
      if (this.#registry.servingsFor(step.model).length === 0) {
        trace?.fallbacks.push({ ...step, outcome: "unknown" });
        continue;
      }
      known = true;
      const more = this.#candidatesFor(step.model, true, required, trace);
      appendDistinct(candidates, more);
      trace?.fallbacks.push({ ...step, outcome: more.length > 0 ? "used" : "unusable" });
    }
    return { model, candidates, known, chain };
  }

  /** One model's usable backends, scored and ordered by the strategy. */
  #candidatesFor(
    model: string,
    fallback: boolean,
    required: RouteRequirements,
    trace: RouteTrace | undefined,
  ): RouteCandidate[] {
    const servings = this.#registry.servingsFor(model);
    const list: RouteCandidate[] = [];
    for (let i = 0; i < servings.length; i++) {
      const { backend, info } = servings[i]!;
      const excluded = exclusionOf(backend, info, required);
      if (excluded === undefined) {
        list.push({ backend, model, fallback, score: scoreBackend(backend, this.#weights) });
      } else if (trace !== undefined) {
        const reason = describeExclusion(excluded, backend, info, required);
        trace.excluded.push({ backend: backend.name, model, reason });
      }
    }
    if (list.length > 1) {
      orderCandidates(this.#strategy, list, this.#turn(model, trace === undefined), this.#random);
    }
    return list;
  }

  #turn(model: string, advance: boolean): number {
    if (this.#strategy !== "round_robin") return 0;
    const turn = this.#turns.get(model) ?? 0;
    if (advance) this.#turns.set(model, (turn + 1) % TURN_WRAP);
    return turn;
  }

  #reject(
    requested: string,
    required: RouteRequirements,
    routed: Routed,
    trace?: RouteTrace,
  ): RouteRejection {
    if (!routed.known) {
      return notFoundRejection(requested, routed.model, routed.chain, this.availableModels());
    }
    // The hot path records no reasons; a 503 is rare enough to route again and collect them.
    let reasons = trace;
    if (reasons === undefined) {
      reasons = { excluded: [], fallbacks: [] };
      this.#route(requested, required, reasons);
    }
    return unavailableRejection(requested, routed.model, required, routed.chain, reasons);
  }
}

/** Appends candidates whose backend is not already listed (it would be skipped anyway). */
function appendDistinct(list: RouteCandidate[], more: readonly RouteCandidate[]): void {
  const before = list.length;
  for (let i = 0; i < more.length; i++) {
    const candidate = more[i]!;
    let seen = false;
    for (let j = 0; j < before && !seen; j++) seen = list[j]!.backend === candidate.backend;
    if (!seen) list.push(candidate);
  }
}
