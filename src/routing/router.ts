/**
 * The router turns a requested model and what the request needs into an ordered list of
 * candidates (backend + the model name to send it), or a rejection that says why. `select()` is
 * synchronous and reads only precomputed state: the alias and fallback tables built here, and the
 * registry's model → servings index. It costs microseconds on the hot path.
 *
 * Order of work: alias → Ollama's implicit `:latest` tag (tags.ts) → a wildcard alias, for a name
 * nothing else resolves → the model's servings → filters (filters.ts) → strategy (strategies.ts)
 * → fallback models, each the same way. Fallback candidates are appended after the primary's, so
 * a primary that fails before the first byte fails over into the chain.
 *
 * `select()` returns exactly the attempts the proxy may make: at most `max_retries + 1` distinct
 * backends, in order. `explain()` lists every usable backend in the same order.
 *
 * A decision also names the asleep backends worth waking (`wake`, wake-candidates.ts): those that
 * could serve a request nothing awake can, and those with `prefer_wake`. `configure()` swaps the
 * alias, fallback and strategy tables at once (a config reload); decisions already made are kept.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import { type Clock, systemClock } from "../lib/clock.ts";
import type { Registry } from "../registry/mod.ts";
import { availableModels, availableSummary } from "./available-models.ts";
import { appendDistinct, collectCandidates, type OrderPolicy } from "./candidates.ts";
import {
  aliasPath,
  type AliasTable,
  buildAliasTable,
  buildFallbackTable,
  buildWildcards,
  type FallbackStep,
  isWildcard,
  matchWildcard,
  type WildcardAlias,
} from "./chains.ts";
import { explainDecision, type RouteExplanation } from "./explain.ts";
import { MESSAGE_MODELS, notFoundRejection, unavailableRejection } from "./rejection.ts";
import { NO_REQUIREMENTS, type RouteRequirements } from "./requirements.ts";
import { rankingFor } from "./strategies.ts";
import { resolveTag } from "./tags.ts";
import type { RouteCandidate, RouteDecision, RouteRejection, RouteTrace } from "./types.ts";
import { capableAsleep, optionalWake, preferredAsleep } from "./wake-candidates.ts";

export interface RouterOptions {
  /**
   * Uniform numbers in [0, 1) for the `random` strategy (tests inject a seeded one).
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * The clock circuit breakers' cool-downs are scheduled on (a 503's Retry-After counts down to
   * the soonest).
   * @default systemClock
   */
  readonly clock?: Pick<Clock, "monotonic">;
}

/** A requested name after aliases: the model, and the wildcard pattern that matched, if one did. */
interface Resolved {
  readonly model: string;
  readonly pattern: string | undefined;
}

/** One routing pass: candidates in failover order, and whether any backend knows the model. */
interface Routed {
  readonly model: string;
  readonly candidates: RouteCandidate[];
  readonly known: boolean;
  readonly chain: readonly FallbackStep[] | undefined;
}

export class Router {
  readonly #registry: Registry;
  readonly #random: () => number;
  readonly #clock: Pick<Clock, "monotonic">;
  #aliases!: AliasTable;
  #resolved!: Map<string, string>;
  #wildcards!: readonly WildcardAlias[];
  #fallbacks!: Map<string, FallbackStep[]>;
  #policy!: OrderPolicy;
  #maxAttempts!: number;

  constructor(
    registry: Registry,
    routing: NexusConfig["routing"],
    options: RouterOptions = {},
  ) {
    this.#registry = registry;
    this.#random = options.random ?? Math.random;
    this.#clock = options.clock ?? systemClock;
    this.configure(routing);
  }

  /**
   * New `[routing]` settings (a config reload): aliases, fallbacks, strategy, weights and retries
   * apply to the next decision. Round-robin turns start again.
   */
  configure(routing: NexusConfig["routing"]): void {
    this.#aliases = routing.aliases;
    this.#resolved = buildAliasTable(routing.aliases);
    this.#wildcards = buildWildcards(routing.aliases);
    this.#fallbacks = buildFallbackTable(routing.aliases, routing.fallbacks);
    this.#policy = {
      strategy: routing.strategy,
      ranking: rankingFor(routing.strategy),
      weights: routing.weights,
      random: this.#random,
      turns: new Map(),
    };
    this.#maxAttempts = routing.max_retries + 1;
  }

  /** The attempts in failover order (at most max_retries + 1), or a 404/503 rejection. */
  select(requested: string, required: RouteRequirements = NO_REQUIREMENTS): RouteDecision {
    const routed = this.#route(requested, required, this.#maxAttempts, undefined);
    if (routed.candidates.length > 0) {
      const wake = preferredAsleep(this.#registry, routed.model, required);
      const decision = {
        ok: true as const,
        requested,
        model: routed.model,
        candidates: routed.candidates,
      };
      return wake === undefined ? decision : { ...decision, wake };
    }
    const rejection = this.#reject(requested, required, routed);
    const wake = rejection.status === 503
      ? capableAsleep(this.#registry, routed.model, routed.chain, required)
      : undefined;
    return wake === undefined
      ? { ok: false, requested, rejection }
      : { ok: false, requested, rejection, wake };
  }

  /** The decision `select()` would make now, with its reasons; advances no round-robin turn. */
  explain(requested: string, required: RouteRequirements = NO_REQUIREMENTS): RouteExplanation {
    const trace: RouteTrace = { excluded: [], kinds: [], fallbacks: [] };
    const routed = this.#route(requested, required, Infinity, trace);
    const decision: RouteDecision = routed.candidates.length > 0
      ? {
        ok: true,
        requested,
        model: routed.model,
        candidates: routed.candidates,
        ...optionalWake(preferredAsleep(this.#registry, routed.model, required)),
      }
      : {
        ok: false,
        requested,
        rejection: this.#reject(requested, required, routed, trace),
        ...optionalWake(capableAsleep(this.#registry, routed.model, routed.chain, required)),
      };
    const { pattern } = this.#resolve(requested);
    const path = pattern === undefined
      ? aliasPath(this.#aliases, requested)
      : [requested, ...aliasPath(this.#aliases, pattern)];
    // Ollama's tag rule is the last step of the resolution: show it as one.
    if (routed.model !== path[path.length - 1]) path.push(routed.model);
    return explainDecision({
      aliasPath: path,
      strategy: this.#policy.strategy,
      weights: this.#policy.weights,
      maxAttempts: this.#maxAttempts,
      requirements: required,
      decision,
      trace,
    });
  }

  /** The model a name reaches: aliases, Ollama's implicit `:latest` tag, wildcard aliases. */
  resolveModel(name: string): string {
    return this.#resolve(name).model;
  }

  /** Exact alias names (wildcard patterns are not names a client can list). */
  aliasNames(): string[] {
    return [...this.#resolved.keys()].filter((name) => !isWildcard(name));
  }

  /** Model ids a client may ask for now, aliases and patterns included (available-models.ts). */
  availableModels(): string[] {
    return availableModels(this.#registry, this.#resolved.keys());
  }

  /** The first `limit` of `availableModels()` and how many there are: what a 404 names. */
  availableSummary(limit = MESSAGE_MODELS): { first: string[]; total: number } {
    return availableSummary(this.#registry, this.#resolved.keys(), limit);
  }

  /**
   * Candidates of the model, then of its fallbacks, up to `limit` distinct backends. A trace is
   * passed only by explain and by 503s; it also freezes round-robin turns.
   */
  #route(
    requested: string,
    required: RouteRequirements,
    limit: number,
    trace: RouteTrace | undefined,
  ): Routed {
    const { model, pattern } = this.#resolve(requested);
    let known = this.#registry.servingsFor(model).length > 0;
    const candidates = this.#candidatesFor(model, false, required, limit, trace);
    const chain = this.#fallbacks.get(requested) ??
      (pattern === undefined ? undefined : this.#fallbacks.get(pattern));
    if (chain === undefined) return { model, candidates, known, chain };
    for (const step of chain) {
      // Failover never tries more than max_attempts distinct backends: later ones are moot.
      if (candidates.length >= this.#maxAttempts) {
        trace?.fallbacks.push({ ...step, outcome: "not_needed" });
        continue;
      }
      const stepModel = resolveTag(this.#registry, step.model);
      if (this.#registry.servingsFor(stepModel).length === 0) {
        trace?.fallbacks.push({ ...step, outcome: "unknown" });
        continue;
      }
      known = true;
      // `limit` per model is enough: at most candidates.length of them can be duplicates.
      const more = this.#candidatesFor(stepModel, true, required, limit, trace);
      appendDistinct(candidates, more, limit);
      trace?.fallbacks.push({ ...step, outcome: more.length > 0 ? "used" : "unusable" });
    }
    return { model, candidates, known, chain };
  }

  /**
   * An exact alias, else the name itself (with Ollama's tag rule) when some backend lists it,
   * else the longest wildcard pattern it matches: a pattern never hides a model that is served.
   */
  #resolve(requested: string): Resolved {
    const aliased = this.#resolved.get(requested);
    const model = resolveTag(this.#registry, aliased ?? requested);
    if (aliased !== undefined || this.#wildcards.length === 0) return { model, pattern: undefined };
    if (this.#registry.servingsFor(model).length > 0) return { model, pattern: undefined };
    const pattern = matchWildcard(this.#wildcards, requested);
    if (pattern === undefined) return { model, pattern };
    return { model: resolveTag(this.#registry, this.#resolved.get(pattern)!), pattern };
  }

  #candidatesFor(
    model: string,
    fallback: boolean,
    required: RouteRequirements,
    limit: number,
    trace: RouteTrace | undefined,
  ): RouteCandidate[] {
    const servings = this.#registry.servingsFor(model);
    return collectCandidates(servings, model, fallback, required, limit, this.#policy, trace);
  }

  #reject(
    requested: string,
    required: RouteRequirements,
    routed: Routed,
    trace?: RouteTrace,
  ): RouteRejection {
    if (!routed.known) {
      return notFoundRejection(requested, routed.model, routed.chain, this.availableSummary());
    }
    // The hot path records no reasons; a 503 is rare enough to route again and collect them.
    let reasons = trace;
    if (reasons === undefined) {
      reasons = { excluded: [], kinds: [], fallbacks: [] };
      this.#route(requested, required, this.#maxAttempts, reasons);
    }
    const now = this.#clock.monotonic();
    return unavailableRejection(requested, routed.model, required, routed.chain, reasons, now);
  }
}
