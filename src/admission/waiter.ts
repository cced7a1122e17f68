/**
 * Which of a request's candidates may take a slot: the first free one now, or, for a request
 * that waits (a `Waiter`), the one a freed slot fits.
 * @module
 */
import type { Failure } from "../lib/failures.ts";
import { type Backend, hasFreeSlot } from "../registry/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import type { Grant } from "./admission-types.ts";
import type { Priority, Waiting } from "./wait-queue.ts";

/** One request waiting for a slot. */
export class Waiter implements Waiting<Backend> {
  coldAllowed: boolean;

  constructor(
    readonly candidates: readonly RouteCandidate[],
    readonly priority: Priority,
    readonly queuedAt: number,
    readonly seq: number,
    readonly settle: (result: Grant | Failure) => void,
  ) {
    this.coldAllowed = candidates.every((candidate) => candidate.loaded === false);
  }

  accepts(backend: Backend): boolean {
    const candidate = this.candidateFor(backend);
    return candidate !== undefined && (this.coldAllowed || candidate.loaded !== false);
  }

  candidateFor(backend: Backend): RouteCandidate | undefined {
    for (const candidate of this.candidates) if (candidate.backend === backend) return candidate;
    return undefined;
  }
}

/** The first candidate with a free slot (warm ones only unless `cold` is allowed). */
export function freeCandidate(
  candidates: readonly RouteCandidate[],
  cold: boolean,
): RouteCandidate | undefined {
  for (const candidate of candidates) {
    if (!cold && candidate.loaded === false) continue;
    if (hasFreeSlot(candidate.backend)) return candidate;
  }
  return undefined;
}
