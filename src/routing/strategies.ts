/**
 * Strategies order one model's candidates; the order is the failover order. A request tries at
 * most `max_retries + 1` backends, so only that many are kept:
 * - `smart` and `priority_only` rank: the router offers each candidate to a list kept sorted once
 *   full (top-k, O(n·k)), instead of sorting every usable backend;
 * - `round_robin` rotates and `random` shuffles the whole list, then cut it to the limit.
 * Comparators are module-level functions, so no closure is allocated per request.
 * @module
 */
import type { RoutingStrategy } from "../config/mod.ts";
import type { Backend } from "../registry/mod.ts";
import type { RouteCandidate } from "./types.ts";

export type { RoutingStrategy };

/** A total order on (score, backend): negative when the first goes first. */
export type RankOrder = (scoreA: number, a: Backend, scoreB: number, b: Backend) => number;

export interface Ranking {
  readonly order: RankOrder;
  readonly compare: (a: RouteCandidate, b: RouteCandidate) => number;
}

/** Score descending; ties go to the lower priority number, then the name (deterministic). */
export const smartOrder: RankOrder = (scoreA, a, scoreB, b) =>
  scoreB - scoreA || a.priority - b.priority || byName(a, b);

/** Priority number ascending; ties by smart score, then the name. */
export const priorityOrder: RankOrder = (scoreA, a, scoreB, b) =>
  a.priority - b.priority || scoreB - scoreA || byName(a, b);

const SMART: Ranking = {
  order: smartOrder,
  compare: (a, b) => smartOrder(a.score, a.backend, b.score, b.backend),
};
const PRIORITY: Ranking = {
  order: priorityOrder,
  compare: (a, b) => priorityOrder(a.score, a.backend, b.score, b.backend),
};

/** The ranking of a ranking strategy; undefined for round_robin and random. */
export function rankingFor(strategy: RoutingStrategy): Ranking | undefined {
  return strategy === "smart" ? SMART : strategy === "priority_only" ? PRIORITY : undefined;
}

/** Does (score, backend) rank before the last of a full, sorted list? */
export function outranksLast(
  ranking: Ranking,
  list: readonly RouteCandidate[],
  score: number,
  backend: Backend,
): boolean {
  const last = list[list.length - 1]!;
  return ranking.order(score, backend, last.score, last.backend) < 0;
}

/** Puts `candidate` in place of the last item of a sorted list, then moves it up to its rank. */
export function replaceLast(ranking: Ranking, list: RouteCandidate[], candidate: RouteCandidate) {
  let i = list.length - 1;
  for (; i > 0 && ranking.compare(candidate, list[i - 1]!) < 0; i--) list[i] = list[i - 1]!;
  list[i] = candidate;
}

/**
 * Puts `list` in its final order and cuts it to `limit`. A ranked list that reached `limit` is
 * already sorted (the router keeps it so); one that never filled up is sorted here.
 * @param turn round_robin only: how many requests this model has had (the rotation offset).
 * @param random random only: uniform in [0, 1), injectable for tests.
 */
export function finishOrder(
  strategy: RoutingStrategy,
  list: RouteCandidate[],
  limit: number,
  turn: number,
  random: () => number,
): void {
  const ranking = rankingFor(strategy);
  if (ranking !== undefined) {
    if (list.length < limit && list.length > 1) list.sort(ranking.compare);
    return;
  }
  if (strategy === "round_robin") rotate(list, turn % list.length);
  else shufflePrefix(list, Math.min(limit, list.length), random);
  if (list.length > limit) list.length = limit;
}

function byName(a: Backend, b: Backend): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

/** Moves the first `by` items to the end, in place (three reversals, no allocation). */
function rotate(list: RouteCandidate[], by: number): void {
  if (!(by > 0)) return;
  reverse(list, 0, by - 1);
  reverse(list, by, list.length - 1);
  reverse(list, 0, list.length - 1);
}

function reverse(list: RouteCandidate[], from: number, to: number): void {
  for (let i = from, j = to; i < j; i++, j--) swap(list, i, j);
}

/** Fisher–Yates for the first `count` positions only: a uniformly random ordered sample. */
function shufflePrefix(list: RouteCandidate[], count: number, random: () => number): void {
  for (let i = 0; i < count; i++) swap(list, i, i + Math.floor(random() * (list.length - i)));
}

function swap(list: RouteCandidate[], i: number, j: number): void {
  const item = list[i]!;
  list[i] = list[j]!;
  list[j] = item;
}
