/**
 * What the exchange needs of the waker (src/wake), and how a request routed again after a wake
 * orders its candidates.
 * @module
 */
import type { Failure } from "../lib/failures.ts";
import type { Backend } from "../registry/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";

/** Waits for asleep backends on behalf of a request. */
export interface WakeGate {
  /** Resolves with nothing when one of `backends` is up, else with why not (or `signal` fired). */
  wait(backends: readonly Backend[], signal: AbortSignal): Promise<Failure | undefined>;
}

/** `prefer_wake`: the backends woken for the request go first, the rest keep their order. */
export function wokenFirst(
  candidates: readonly RouteCandidate[],
  woken: readonly Backend[],
): RouteCandidate[] {
  const first = candidates.filter((candidate) => woken.includes(candidate.backend));
  return first.length === 0
    ? [...candidates]
    : [...first, ...candidates.filter((candidate) => !woken.includes(candidate.backend))];
}
