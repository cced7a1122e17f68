/**
 * Admission: a request goes to a backend only while that backend has a free slot. When every
 * candidate of a request is full it waits in one bounded queue (wait-queue.ts) until a slot
 * frees, its wait deadline passes, or its client leaves. A warm backend's queue is preferred over
 * a cold backend's free slot (loading a model can take a minute and evicts another), until the
 * warm backend's expected wait passes `[queue] spillover_after_ms`.
 *
 * The forwarder asks once per attempt: `acquire` answers with a `Grant` (the slot is already
 * counted through `Registry.beginRequest`) or a Failure; `release` ends the request on the
 * registry and hands the freed slot to the next waiting request that can use it. What it is asked
 * with and answers: admission-types.ts; which candidate may take a slot: waiter.ts.
 * @module
 */
import type { NexusConfig } from "../config/mod.ts";
import { type Failure, failure } from "../lib/failures.ts";
import { type Backend, hasFreeSlot, isRoutable, slotLimit } from "../registry/mod.ts";
import type { RouteCandidate } from "../routing/mod.ts";
import type { AdmissionDeps, AdmissionTicket, Grant } from "./admission-types.ts";
import { DrainRate } from "./drain-rate.ts";
import { type Priority, WaitQueue } from "./wait-queue.ts";
import { freeCandidate, Waiter } from "./waiter.ts";

export class Admission {
  readonly #deps: AdmissionDeps;
  readonly #queue: WaitQueue<Backend, Waiter>;
  readonly #drain = new DrainRate();
  #config: NexusConfig["queue"];
  #seq = 0;
  #arrivals = 0;

  constructor(deps: AdmissionDeps) {
    this.#deps = deps;
    this.#config = deps.config;
    this.#queue = new WaitQueue(deps.config.max_wait_seconds * 500);
    // A slot may free without a release: the limit grew, a backend came back, a breaker closed.
    deps.registry.onChange((event) => {
      if (event.kind === "slots" || event.kind === "status" || event.kind === "breaker") {
        this.#dispatch(event.backend);
      }
      // A backend that drains or leaves takes no new request (unless a later reload revives
      // it): without this the requests only it could serve would wait out max_wait_seconds for
      // a slot that may never free. They get 503 with Retry-After: 1 and may come back.
      if (
        event.kind === "removed" || (event.kind === "status" && event.backend.status === "draining")
      ) {
        this.#stranded(event.backend);
      }
    });
  }

  /** New `[queue]` settings (a reload): they apply to requests that arrive from now on. */
  configure(config: NexusConfig["queue"]): void {
    this.#config = config;
  }

  /** Requests waiting now, by the priority they came with. */
  depth(priority: Priority): number {
    return this.#queue.depth(priority);
  }

  get waiting(): number {
    return this.#queue.size;
  }

  /** Slot requests so far (one per attempt), granted, queued or refused: admission's counter. */
  get arrivals(): number {
    return this.#arrivals;
  }

  /**
   * A slot on the first candidate that can take the request now (a Grant, at once), or a place in
   * the queue (a promise of a Grant), or a Failure (queue full, client gone).
   */
  acquire(
    candidates: readonly RouteCandidate[],
    ticket: AdmissionTicket,
  ): Grant | Failure | Promise<Grant | Failure> {
    this.#arrivals++;
    if (ticket.signal.aborted) return clientGone();
    const now = this.#deps.clock.monotonic();
    const free = freeCandidate(candidates, this.#coldAllowed(candidates));
    if (free !== undefined) return this.#grant(free, now, now);
    if (this.#queue.size >= this.#config.max_size) {
      this.#deps.hooks?.onReject?.("full");
      return failure("queue_full", `The queue is full (${this.#queue.size} requests waiting)`, {
        retryAfter: this.#retryAfter(),
      });
    }
    return new Promise((resolve) => this.#enqueue(candidates, ticket, now, resolve));
  }

  /** The request holding `grant` is over; its slot goes to the next request that can use it. */
  release(grant: Grant, failed?: string): void {
    const { backend } = grant.candidate;
    this.#deps.registry.endRequest(backend, failed);
    this.#dispatch(backend);
  }

  /** Refuses every waiting request with `reason` (the shutdown drain). */
  refuseAll(reason: Failure): void {
    for (const waiter of this.#queue.takeAll()) waiter.settle(reason);
  }

  #enqueue(
    candidates: readonly RouteCandidate[],
    ticket: AdmissionTicket,
    now: number,
    resolve: (result: Grant | Failure) => void,
  ): void {
    const { clock } = this.#deps;
    const config = this.#config;
    const waiter = new Waiter(candidates, ticket.priority, now, this.#seq++, (result) => {
      clock.clearTimeout(deadline);
      if (spill !== undefined) clock.clearTimeout(spill);
      ticket.signal.removeEventListener("abort", onAbort);
      resolve(result);
    });
    const deadline = clock.setTimeout(() => {
      if (!this.#queue.remove(waiter)) return;
      this.#deps.hooks?.onReject?.("timeout");
      waiter.settle(
        failure(
          "queue_timeout",
          `Waited ${config.max_wait_seconds} s in the queue without a free backend`,
          { retryAfter: this.#retryAfter() },
        ),
      );
    }, config.max_wait_seconds * 1000);
    const onAbort = () => {
      if (this.#queue.remove(waiter)) waiter.settle(clientGone());
    };
    ticket.signal.addEventListener("abort", onAbort, { once: true });
    // Waiting for a warm backend has a limit: after it a cold one with a free slot may load.
    const hasCold = candidates.some((candidate) => candidate.loaded === false);
    const spill = waiter.coldAllowed || !hasCold ? undefined : clock.setTimeout(() => {
      waiter.coldAllowed = true;
      const free = freeCandidate(waiter.candidates, true);
      if (free !== undefined && this.#queue.remove(waiter)) {
        waiter.settle(this.#grant(free, waiter.queuedAt, clock.monotonic()));
      }
    }, config.spillover_after_ms);
    this.#queue.add(waiter);
    ticket.onQueued?.(() => this.#queue.positionOf(waiter, clock.monotonic()));
  }

  /** Free slots of `backend` go to waiting requests, best first. */
  #dispatch(backend: Backend): void {
    if (this.#queue.size === 0) return;
    const now = this.#deps.clock.monotonic();
    // Busy (slow because it serves Nexus traffic) is routable too: it gets its freed slots.
    while (hasFreeSlot(backend) && isRoutable(backend.status)) {
      const waiter = this.#queue.takeFor(backend, now);
      if (waiter === undefined) return;
      this.#drain.note(now);
      waiter.settle(this.#grant(waiter.candidateFor(backend)!, waiter.queuedAt, now));
    }
  }

  /** Refuses at once the waiting requests whose every candidate is `gone` or draining too. */
  #stranded(gone: Backend): void {
    if (this.#queue.size === 0) return;
    const { registry } = this.#deps;
    const leaving = (backend: Backend) =>
      backend === gone || backend.status === "draining" || registry.get(backend.name) !== backend;
    const stranded = this.#queue.removeWhere((waiter) =>
      waiter.candidates.every((candidate) => leaving(candidate.backend))
    );
    for (const waiter of stranded) {
      waiter.settle(failure(
        "no_capable_backend",
        `Backend ${gone.name} left (removed from the fleet) while this request waited for it, ` +
          `and no other backend it could use remains; retry to route it again`,
        { retryAfter: "1" },
      ));
    }
  }

  #grant(candidate: RouteCandidate, queuedAt: number, now: number): Grant {
    this.#deps.registry.beginRequest(candidate.backend);
    const waitedMs = now - queuedAt;
    if (waitedMs > 0) this.#deps.hooks?.onWait?.(waitedMs);
    return { candidate, grantedAt: now, waitedMs };
  }

  /**
   * May a cold backend (model not loaded) take the request now? Yes when no candidate is warm,
   * or when every warm one is full and would make it wait longer than the spillover limit — or
   * longer than loading the model on the cold backend would take.
   */
  #coldAllowed(candidates: readonly RouteCandidate[]): boolean {
    let limit = this.#config.spillover_after_ms;
    for (const candidate of candidates) {
      if (candidate.loaded !== false) continue;
      limit = Math.min(
        limit,
        this.#deps.registry.expectedLoadMs(candidate.backend, candidate.model),
      );
    }
    let warm = false;
    for (const candidate of candidates) {
      if (candidate.loaded === false) continue;
      warm = true;
      if (this.#expectedWaitMs(candidate.backend) <= limit) return false;
    }
    return !warm;
  }

  /**
   * How long a new request would wait for `backend`: the queue ahead of it at the observed drain
   * rate, or (before the queue has drained at all) one time-to-first-byte per slot-turn.
   */
  #expectedWaitMs(backend: Backend): number {
    if (hasFreeSlot(backend)) return 0;
    const ahead = this.#queue.size + 1;
    const interval = this.#drain.intervalMs;
    if (interval !== undefined) return ahead * interval;
    return (ahead / (slotLimit(backend) ?? 1)) * (backend.latency_ms ?? 0);
  }

  /** Seconds a refused client should wait: the queue ahead at the observed drain rate. */
  #retryAfter(): string {
    const max = this.#config.max_wait_seconds;
    const seconds = this.#drain.secondsToDrain(this.#queue.size + 1) ?? max / 4;
    return String(Math.min(Math.max(1, Math.ceil(seconds)), Math.ceil(max)));
  }
}

function clientGone(): Failure {
  return failure("client_closed", "the client closed the request while it waited");
}

export type { Priority };
