/**
 * What came of a forwarding (src/proxy/forward.ts), as classes rather than literals built per
 * request: `done` is the forwarding's own, made only when read (a whole answer has ended before
 * anyone asks), and a committed outcome's `ttfbMs` getter is the prototype's, not a closure.
 * Put together here (the route reason, the timings), not in the forwarding, which keeps the
 * failover loop and the request's end.
 * @module
 */
import type { Backend } from "../registry/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import type { AttemptCommit, AttemptFailure } from "./attempt-types.ts";
import type { FailedOutcome } from "./forward-failures.ts";
import type { ForwardResult, ProxyOutcome, RouteReason } from "./forward-types.ts";
import type { StreamEnd } from "./relay.ts";
import type { ResponseTap } from "./tap.ts";

/** What a `Forwarded` reads of its forwarding: `done` only if asked, and the body's tap. */
type ForwardingEnd = { readonly done: Promise<StreamEnd>; readonly tap: ResponseTap };

/** The forwarding's result: its commit (or none), the candidate that answered, what happened. */
export class Forwarded implements ForwardResult {
  readonly tap: ResponseTap;
  readonly #forwarding: { readonly done: Promise<StreamEnd> };

  constructor(
    readonly commit: AttemptCommit | undefined,
    readonly candidate: RouteCandidate | undefined,
    readonly outcome: ProxyOutcome,
    forwarding: ForwardingEnd,
  ) {
    this.tap = forwarding.tap;
    this.#forwarding = forwarding;
  }

  get done(): Promise<StreamEnd> {
    return this.#forwarding.done;
  }
}

/** A committed answer's outcome; `ttfbMs` is the commit's (a stream committed early learns it later). */
export class CommittedOutcome implements ProxyOutcome {
  readonly ok: boolean;
  readonly backend: Backend;
  readonly model: string;
  readonly status: number;
  readonly #commit: AttemptCommit;

  constructor(
    commit: AttemptCommit,
    candidate: RouteCandidate,
    readonly routeReason: RouteReason,
    readonly attempts: readonly AttemptFailure[],
    readonly upstreamMs: number,
    readonly queueWaitMs: number,
  ) {
    this.#commit = commit;
    this.ok = commit.status < 400;
    this.backend = candidate.backend;
    this.model = candidate.model;
    this.status = commit.status;
  }

  get ttfbMs(): number | undefined {
    return this.#commit.ttfbMs;
  }
}

/**
 * The result of a forwarding whose `candidate` answered; `failures` are the attempts before it
 * (in order), which say whether it was a failover.
 */
export function committedResult(
  commit: AttemptCommit,
  candidate: RouteCandidate,
  failures: readonly AttemptFailure[],
  upstreamMs: number,
  queueWaitMs: number,
  forwarding: ForwardingEnd,
): Forwarded {
  const routeReason: RouteReason = candidate.fallback
    ? "fallback"
    : failures.length > 0
    ? "failover"
    : "capability-match";
  return new Forwarded(
    commit,
    candidate,
    new CommittedOutcome(commit, candidate, routeReason, failures, upstreamMs, queueWaitMs),
    forwarding,
  );
}

/** The result of a forwarding no candidate answered: `outcome` with its timings. */
export function failedResult(
  outcome: FailedOutcome,
  upstreamMs: number,
  queueWaitMs: number,
  forwarding: ForwardingEnd,
): Forwarded {
  return new Forwarded(undefined, undefined, { ...outcome, upstreamMs, queueWaitMs }, forwarding);
}
