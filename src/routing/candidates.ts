/**
 * One model's candidates: the filter → score → strategy loop over the registry's servings. This
 * is the inner loop of every decision, so it allocates only the candidates it keeps (plus those
 * a ranking strategy tries and drops) and records reasons only when a trace asks for them.
 * @module
 */
import type { RoutingStrategy } from "../config/mod.ts";
import { isRoutable, type ModelServing } from "../registry/mod.ts";
import { describeExclusion, exclusionOf } from "./filters.ts";
import type { RouteRequirements } from "./requirements.ts";
import { scoreBackend, type ScoreWeights } from "./scoring.ts";
import { finishOrder, outranksLast, type Ranking, replaceLast } from "./strategies.ts";
import type { RouteCandidate, RouteTrace } from "./types.ts";

/** How a router orders candidates; built once per router. */
export interface OrderPolicy {
  readonly strategy: RoutingStrategy;
  readonly ranking: Ranking | undefined;
  readonly weights: ScoreWeights;
  readonly random: () => number;
  /** Round-robin turns per model; only models that had two or more candidates get an entry. */
  readonly turns: Map<string, number>;
}

/** Round-robin turn counters wrap here so they stay small integers. */
const TURN_WRAP = 2 ** 30;

/**
 * The usable backends of `model` in strategy order, at most `limit` of them. With a trace, every
 * exclusion is recorded and round-robin turns are only looked at, not used up.
 */
export function collectCandidates(
  servings: readonly ModelServing[],
  model: string,
  fallback: boolean,
  required: RouteRequirements,
  limit: number,
  policy: OrderPolicy,
  trace: RouteTrace | undefined,
): RouteCandidate[] {
  const ranking = policy.ranking;
  const list: RouteCandidate[] = [];
  /** Whether some usable backend may have the model warm: decided once, on the first cold one. */
  let warmElsewhere: boolean | undefined;
  for (let i = 0; i < servings.length; i++) {
    const { backend, info } = servings[i]!;
    const excluded = exclusionOf(backend, info, required);
    if (excluded !== undefined) {
      if (trace !== undefined) {
        const reason = describeExclusion(excluded, backend, info, required);
        trace.excluded.push({ backend: backend.name, model, reason });
        trace.kinds.push(excluded);
        if (excluded === "breaker") soonestCool(trace, backend.breaker.coolsAt);
      }
      continue;
    }
    let score = scoreBackend(backend, policy.weights);
    if (info.loaded === false) {
      warmElsewhere ??= hasWarmServing(servings);
      if (warmElsewhere) score -= LOAD_COST;
    }
    if (ranking !== undefined && list.length >= limit) {
      // Full and sorted: a candidate only gets in by beating the last one (top-k).
      if (outranksLast(ranking, list, score, backend)) {
        replaceLast(ranking, list, { backend, model, fallback, score, loaded: info.loaded });
      }
      continue;
    }
    list.push({ backend, model, fallback, score, loaded: info.loaded });
    if (ranking !== undefined && list.length === limit) list.sort(ranking.compare);
  }
  const turn = list.length > 1 ? turnOf(policy, model, trace === undefined) : 0;
  finishOrder(policy.strategy, list, limit, turn, policy.random);
  return list;
}

/** Keeps the soonest cool-down end among the breaker exclusions a trace saw. */
function soonestCool(trace: RouteTrace, coolsAt: number | undefined): void {
  if (coolsAt === undefined) return;
  if (trace.breakerCoolsAt === undefined || coolsAt < trace.breakerCoolsAt) {
    trace.breakerCoolsAt = coolsAt;
  }
}

/**
 * What a cold backend (the model is not loaded there) pays in the smart score when another usable
 * backend may have the model warm: loading takes seconds to a minute and evicts another model, so
 * a cold backend ranks below every warm one. Admission still lets a cold backend serve when the
 * warm ones are busy for longer than `[queue] spillover_after_ms` (src/admission).
 */
export const LOAD_COST = 100;

/** A routable backend whose copy of the model is loaded, or not known not to be. */
function hasWarmServing(servings: readonly ModelServing[]): boolean {
  for (let i = 0; i < servings.length; i++) {
    const { backend, info } = servings[i]!;
    if (info.loaded !== false && isRoutable(backend.status)) return true;
  }
  return false;
}

/** Appends candidates whose backend is not listed yet (the proxy would skip it), up to `limit`. */
export function appendDistinct(
  list: RouteCandidate[],
  more: readonly RouteCandidate[],
  limit: number,
): void {
  const before = list.length;
  for (let i = 0; i < more.length && list.length < limit; i++) {
    const candidate = more[i]!;
    let seen = false;
    for (let j = 0; j < before && !seen; j++) seen = list[j]!.backend === candidate.backend;
    if (!seen) list.push(candidate);
  }
}

function turnOf(policy: OrderPolicy, model: string, advance: boolean): number {
  if (policy.strategy !== "round_robin") return 0;
  const turn = policy.turns.get(model) ?? 0;
  if (advance) policy.turns.set(model, (turn + 1) % TURN_WRAP);
  return turn;
}
