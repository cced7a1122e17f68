/**
 * Forwards a routed request along the router's candidates. A candidate that fails before the
 * first byte reaches the client (refused, 5xx, first-byte deadline) is replaced by the next one,
 * at most `routing.max_retries` extra attempts and never the same backend twice; a 4xx answer
 * is the client's and is committed as it is.
 *
 * One `Forwarding` per request owns its `RequestScope` (client gone, whole-request deadline,
 * shutdown), which the current attempt and a wait in the admission queue read; only the
 * attempt's upstream fetch has a real AbortSignal. `done` resolves when the response body has
 * been delivered, failed or abandoned.
 * @module
 */
import type { Grant } from "../admission/mod.ts";
import type { TimerHandle } from "../lib/clock.ts";
import { type Failure, isFailure, statusOf } from "../lib/failures.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import { Attempt } from "./attempt.ts";
import type { AttemptCall, AttemptCommit, AttemptFailure } from "./attempt-types.ts";
import { attemptCall, attemptSpec } from "./attempt-spec.ts";
import { distinctBackends } from "./distinct-backends.ts";
import type { ForwardResult, ProxyDeps, ProxyRequest } from "./forward-types.ts";
import { committedResult, failedResult } from "./forwarded.ts";
import { localCommit } from "./local-answer.ts";
import { REQUEST_TIMEOUT } from "./failures.ts";
import { type FailedOutcome, failureOutcome, isFinal, whyAborted } from "./forward-failures.ts";
import type { StreamEnd } from "./relay.ts";
import { RequestScope } from "./request-scope.ts";
import { ResponseTap } from "./tap.ts";

export function forward(
  request: ProxyRequest,
  clientSignal: AbortSignal,
  candidates: readonly RouteCandidate[],
  deps: ProxyDeps,
): Promise<ForwardResult> {
  return new Forwarding(clientSignal, deps).run(request, candidates);
}

export class Forwarding {
  /** The client's end of the request: it leaving ends the forwarding, whenever it leaves. */
  readonly #clientSignal: AbortSignal;
  readonly #deps: ProxyDeps;
  /** Whether (and why) the request ended: what attempts and the queue read. */
  readonly #scope = new RequestScope();
  readonly #tap = new ResponseTap();
  /** The attempts that failed, in order: a shared empty list until the first does. */
  #failures: readonly AttemptFailure[] = NO_FAILURES;
  /** The first candidate the endpoint refused (its translation cannot carry the request). */
  #endpointRefusal: Failure | undefined;
  /** How the response body ended, once it has (a whole answer: when it committed). */
  #ended: StreamEnd | undefined;
  /** Made only when something waits for the end of a stream (src/metrics); resolves with it. */
  #done: Promise<StreamEnd> | undefined;
  #resolveDone: ((end: StreamEnd) => void) | undefined;
  #requestTimer: TimerHandle | undefined;
  #upstreamMs = 0;
  #queueWaitMs = 0;
  /** The candidate of the attempt running now (a dashboard reads it). */
  #current: RouteCandidate | undefined;
  /** The attempt running now (or streaming): ended with the request, not through a listener. */
  #attemptNow: Attempt | undefined;
  readonly #onClientAbort = () => this.cancel(this.#clientSignal.reason);

  constructor(clientSignal: AbortSignal, deps: ProxyDeps) {
    this.#clientSignal = clientSignal;
    this.#deps = deps;
  }

  /** Resolves when the response body has been delivered, failed or abandoned. */
  get done(): Promise<StreamEnd> {
    if (this.#done === undefined) {
      this.#done = this.#ended === undefined
        ? new Promise<StreamEnd>((resolve) => (this.#resolveDone = resolve))
        : Promise.resolve(this.#ended);
    }
    return this.#done;
  }

  /** The candidate whose attempt runs now, or answered; undefined before the first slot. */
  get current(): RouteCandidate | undefined {
    return this.#current;
  }

  /**
   * Ends the forwarding: the client left (its response was abandoned), the request deadline
   * passed, or the shutdown drain's (`SHUTDOWN`). The attempt running now ends with it.
   */
  cancel(reason: unknown): void {
    if (this.#scope.end(reason)) this.#attemptNow?.requestEnded();
  }

  /**
   * Forwards `request` along `candidates`. The request (its parsed body among it) is held only
   * while it is forwarded, not by the forwarding: a stream keeps its forwarding until its last
   * byte, and would keep its prompt with it.
   */
  async run(request: ProxyRequest, candidates: readonly RouteCandidate[]): Promise<ForwardResult> {
    this.#listen();
    const distinct = distinctBackends(candidates);
    // The router's first choice decides whether Nexus answers itself (before any refusal).
    const local = this.#localAnswer(request, distinct[0]);
    if (local !== undefined) return local;
    let remaining = this.#acceptable(request, distinct);
    while (remaining.length > 0 && this.#failures.length <= this.#deps.maxRetries) {
      const pending = this.#admit(request, remaining);
      const grant = pending instanceof Promise ? await pending : pending;
      if (isFailure(grant)) return this.#refused(request, grant);
      this.#queueWaitMs += grant.waitedMs;
      const candidate = grant.candidate;
      remaining = remaining.length === 1
        ? []
        : remaining.filter((other) => other.backend !== candidate.backend);
      const call = this.#call(request, grant);
      const attempt = this.#attempt(request, grant);
      const sentAt = this.#deps.clock.monotonic();
      const result = await attempt.run(call);
      this.#upstreamMs += this.#deps.clock.monotonic() - sentAt;
      if (result.ok) return this.#committed(candidate, result);
      this.#failures = [...this.#failures, result];
      if (isFinal(result)) break;
    }
    return this.#failed(this.#failureOutcome(request));
  }

  /** Every candidate failed before the first byte: the last failure decides what the client hears. */
  #failureOutcome({ parsed, endpoint }: ProxyRequest): FailedOutcome {
    return failureOutcome(
      this.#failures,
      parsed.model,
      endpoint.dialect.name,
      this.#endpointRefusal,
    );
  }

  /** Ends the forwarding without an attempt: `reason` is what the client hears (a failed wake). */
  refuse(request: ProxyRequest, reason: Failure): ForwardResult {
    const status = statusOf(reason, request.endpoint.dialect.name);
    return this.#failed({ ok: false, status, attempts: [], failure: reason });
  }

  /**
   * The candidates the endpoint can plan for: one whose translation cannot carry the request is
   * left out before it takes a slot, and its refusal kept for when nothing else answers.
   */
  #acceptable(
    { endpoint, parsed }: ProxyRequest,
    candidates: readonly RouteCandidate[],
  ): readonly RouteCandidate[] {
    if (endpoint.refusal === undefined) return candidates;
    let accepted: RouteCandidate[] | undefined;
    for (let i = 0; i < candidates.length; i++) {
      const refusal = endpoint.refusal(parsed, candidates[i]!);
      if (refusal === undefined) {
        accepted?.push(candidates[i]!);
        continue;
      }
      this.#endpointRefusal ??= refusal;
      // Copied only once a candidate is left out: the usual case allocates nothing.
      accepted ??= candidates.slice(0, i);
    }
    return accepted ?? candidates;
  }

  /** The endpoint answers for the first candidate itself (a token estimate): no slot, no call. */
  #localAnswer(
    { endpoint, parsed }: ProxyRequest,
    candidate: RouteCandidate | undefined,
  ): ForwardResult | undefined {
    if (candidate === undefined || endpoint.answer === undefined) return undefined;
    const answer = endpoint.answer(parsed, candidate);
    if (answer === undefined) return undefined;
    return this.#committed(candidate, localCommit(candidate.backend, answer), false);
  }

  /** A slot on one of `candidates`: at once (no promise), after a wait in the queue, or a refusal. */
  #admit(
    { priority, onQueued }: ProxyRequest,
    candidates: readonly RouteCandidate[],
  ): Grant | Failure | Promise<Grant | Failure> {
    return this.#deps.admission.acquire(
      candidates,
      onQueued === undefined
        ? { priority, signal: this.#scope }
        : { priority, signal: this.#scope, onQueued },
    );
  }

  /** Admission said no: the queue was full or timed out, or the request ended while waiting. */
  #refused(request: ProxyRequest, refusal: Failure): ForwardResult {
    // A backend that already failed is the better story: the queue only stopped the failover.
    if (this.#failures.length > 0) return this.#failed(this.#failureOutcome(request));
    const reason = refusal.kind === "client_closed"
      ? whyAborted(this.#scope.reason) ?? refusal
      : refusal;
    const status = statusOf(reason, request.endpoint.dialect.name);
    return this.#failed({ ok: false, status, attempts: [], failure: reason });
  }

  #failed(outcome: FailedOutcome): ForwardResult {
    this.#finish("upstream_error");
    return failedResult(outcome, this.#upstreamMs, this.#queueWaitMs, this);
  }

  /**
   * One signal for every attempt: the client leaving, the request deadline (and the shutdown,
   * through `cancel`).
   */
  #listen(): void {
    const clientSignal = this.#clientSignal;
    // No `{ once: true }`: an abort fires once anyway and #finish removes the listener; the
    // options object cost more (~0.13 µs a request on Bun) than the rest of adding it.
    if (clientSignal.aborted) this.#onClientAbort();
    else clientSignal.addEventListener("abort", this.#onClientAbort);
    this.#requestTimer = this.#deps.clock.setTimeout(
      this.#onRequestTimeout,
      this.#deps.server.request_timeout_seconds * 1000,
    );
  }

  readonly #onRequestTimeout = () => this.cancel(REQUEST_TIMEOUT);

  /**
   * What the attempt on the granted slot sends. Planning it is Nexus's own code: should it throw
   * (a bug), the slot goes back and the request's deadline and listener end before the error goes
   * on to the exchange's `unhandled` — a leaked slot would hold the backend busy for good.
   */
  #call(request: ProxyRequest, grant: Grant): AttemptCall {
    try {
      return attemptCall(this.#deps, request, grant.candidate);
    } catch (error) {
      this.#deps.admission.release(grant);
      this.#finish("upstream_error");
      throw error;
    }
  }

  #attempt(request: ProxyRequest, grant: Grant): Attempt {
    this.#current = grant.candidate;
    const attempt = new Attempt(
      this.#deps,
      attemptSpec(
        this.#deps,
        request.endpoint.dialect,
        grant.candidate,
        this.#scope,
        this.#tap,
        (end) => this.#finish(end),
        (failed) => this.#deps.admission.release(grant, failed),
      ),
    );
    this.#attemptNow = attempt;
    return attempt;
  }

  #committed(candidate: RouteCandidate, commit: AttemptCommit, called = true): ForwardResult {
    if (!(commit.body instanceof ReadableStream)) this.#finish("complete");
    if (called && candidate.loaded === false && commit.status < 400) {
      // The server loaded the model to answer: it is warm there now, and a cold start was timed.
      this.#deps.registry.noteLoaded(candidate.backend, candidate.model, commit.ttfbMs);
    }
    return committedResult(
      commit,
      candidate,
      this.#failures,
      this.#upstreamMs,
      this.#queueWaitMs,
      this,
    );
  }

  #finish(end: StreamEnd): void {
    if (this.#requestTimer !== undefined) this.#deps.clock.clearTimeout(this.#requestTimer);
    this.#clientSignal.removeEventListener("abort", this.#onClientAbort);
    this.#attemptNow = undefined;
    if (this.#ended !== undefined) return;
    this.#ended = end;
    this.#resolveDone?.(end);
  }

  /** The body's tap: what `Forwarded` hands on. */
  get tap(): ResponseTap {
    return this.#tap;
  }
}

/** What a forwarding whose attempts have not failed reports: one list for all of them. */
const NO_FAILURES: readonly AttemptFailure[] = Object.freeze([]);
