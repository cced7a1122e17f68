/**
 * Strategies order one model's candidates in place; the order is the failover order. Comparators
 * are module-level functions, so sorting allocates no closure per request.
 * @module
 */
import type { RoutingStrategy } from "../config/mod.ts";
import type { RouteCandidate } from "./types.ts";

export type { RoutingStrategy };

/**
 * Orders `list` in place.
 * @param turn round_robin only: how many requests this model has had (the rotation offset).
 * @param random random only: uniform in [0, 1), injectable for tests.
 */
export function orderCandidates(
  strategy: RoutingStrategy,
  list: RouteCandidate[],
  turn: number,
  random: () => number,
): void {
  if (list.length < 2) return;
  switch (strategy) {
    case "smart":
      list.sort(bySmartScore);
      return;
    case "priority_only":
      list.sort(byPriority);
      return;
    case "round_robin":
      rotate(list, turn % list.length);
      return;
    case "random":
      shuffle(list, random);
      return;
  }
}

/** Score descending; ties go to the lower priority number, then the name (deterministic). */
export function bySmartScore(a: RouteCandidate, b: RouteCandidate): number {
  return b.score - a.score || a.backend.priority - b.backend.priority || byName(a, b);
}

/** Priority number ascending; ties by smart score, then the name. */
export function byPriority(a: RouteCandidate, b: RouteCandidate): number {
  return a.backend.priority - b.backend.priority || b.score - a.score || byName(a, b);
}

function byName(a: RouteCandidate, b: RouteCandidate): number {
  const x = a.backend.name;
  const y = b.backend.name;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Moves the first `by` items to the end, in place (three reversals, no allocation). */
function rotate(list: RouteCandidate[], by: number): void {
  if (by === 0) return;
  reverse(list, 0, by - 1);
  reverse(list, by, list.length - 1);
  reverse(list, 0, list.length - 1);
}

function reverse(list: RouteCandidate[], from: number, to: number): void {
  for (let i = from, j = to; i < j; i++, j--) {
    const item = list[i]!;
    list[i] = list[j]!;
    list[j] = item;
  }
}

/** Fisher–Yates: every order equally likely. */
function shuffle(list: RouteCandidate[], random: () => number): void {
  for (let i = list.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    const item = list[i]!;
    list[i] = list[j]!;
    list[j] = item;
  }
}
