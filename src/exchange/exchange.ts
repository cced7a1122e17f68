/**
 * The exchange pipeline: the one path every inference request takes, whatever its dialect.
 *
 *   admit (drain, loop, in-flight) → authenticate (a key, in keys mode) → read body (limit,
 *   deadline, budget) → parse (duplicate keys, the endpoint's dialect) → limit (the key's model
 *   list and limits, in keys mode) → route (router.select) → [wake] → forward (attempts,
 *   failover) → respond (commit or failure)
 *   (a stream whose answer is slow to start is held: 200 and keep-alives first, hold.ts)
 *
 * Wake: when the router says only asleep backends can serve the request (or one with
 * `prefer_wake` could), the request waits for the wake (src/wake, shared with every other
 * request waiting for the same backend) and is routed again; a stream meanwhile gets keep-alives
 * saying `waking <backend>`. A wake that fails ends the request with its Failure.
 *
 * Each step is a named method of a per-request `Exchange`; any step may end the request with a
 * `Failure`, which `fail` renders through the endpoint's dialect and reports to `observe`
 * (metrics, log line). No middleware runs in front: the route calls `handle` directly.
 * @module
 */
import type { KeyIdentity, KeyPass, KeyUse } from "../auth/mod.ts";
import type { Endpoint, ParsedRequest } from "../dialects/mod.ts";
import { type Failure, failure, isFailure, retryAfterOf, statusOf } from "../lib/failures.ts";
import { finishAnswer } from "../lib/connection.ts";
import { INSTANCE_HEADER, loopFailure } from "../lib/loop.ts";
import { Forwarding, type ForwardResult } from "../proxy/mod.ts";
import type { RouteCandidate, RouteDecision } from "../routing/mod.ts";
import type { Backend } from "../registry/mod.ts";
import type { Priority } from "../admission/mod.ts";
import { priorityOf } from "./priority.ts";
import { bodyFailure, type BodyResult, parseJsonObject, readBodyLimited } from "./body.ts";
import { BodyReservation } from "./body-budget.ts";
import { duplicateKeyFailure } from "./duplicate-keys.ts";
import { exchangeEvent, type ExchangeWatch, type LivePhase, type LiveRequest } from "./event.ts";
import { heldAnswer, slowerThan } from "./hold.ts";
import { requestIdFor } from "./request-id.ts";
import { wokenFirst } from "./wake-gate.ts";
import { committedHeaders, type HeaderRecord, nexusHeaders } from "./response-headers.ts";
import type { ConnInfo } from "../runtime/mod.ts";

import type { ExchangeDeps } from "./exchange-types.ts";
export type { ExchangeDeps };

/** Seconds to wait after a refusal during shutdown: another instance, or this one restarted. */
const SHUTDOWN_RETRY_AFTER = "5";

/**
 * The handler of one inference route. The peer (`conn`) is read only when keys mode needs its
 * address: looking it up costs the runtime an allocation per request.
 */
export function createExchangeHandler(
  endpoint: Endpoint,
  deps: ExchangeDeps,
): (request: Request, conn?: ConnInfo) => Promise<Response> {
  return function exchange(request: Request, conn?: ConnInfo): Promise<Response> {
    return new Exchange(endpoint, deps, request, conn).run();
  };
}

/** One request on its way through the pipeline; a watcher reads it as a `LiveRequest`. */
class Exchange implements LiveRequest {
  readonly #endpoint: Endpoint;
  readonly #deps: ExchangeDeps;
  readonly #request: Request;
  readonly #requestId: string;
  readonly #receivedAt: number;
  /** What this request holds of the body budget, until it ends. */
  readonly #reservation: BodyReservation;
  /** The client's connection: its address is for brute-force throttling in keys mode. */
  readonly #conn: ConnInfo | undefined;
  #parsed: ParsedRequest | undefined;
  /** Keys mode: the key's use (usage, metrics), and its limit charges once admitted. */
  #keyUse: KeyUse | undefined;
  #pass: KeyPass | undefined;
  #priority: Priority = "normal";
  /** Set while the request waits in the admission queue: how many are ahead of it. */
  #queuePosition: (() => number) | undefined;
  #forwardingNow: Forwarding | undefined;
  /** The backends this request waits for to wake, while it waits. */
  #waking: string | undefined;
  /** The response has been returned; a stream is still being delivered. */
  #responded = false;
  /** Set in `run` when a dashboard watches this request. */
  #watch: ExchangeWatch | undefined;

  constructor(endpoint: Endpoint, deps: ExchangeDeps, request: Request, conn?: ConnInfo) {
    this.#endpoint = endpoint;
    this.#deps = deps;
    this.#request = request;
    this.#conn = conn;
    this.#requestId = requestIdFor(request.headers);
    this.#receivedAt = deps.clock.monotonic();
    this.#reservation = new BodyReservation(deps.bodyBudget);
  }

  get requestId(): string {
    return this.#requestId;
  }
  get endpoint() {
    return this.#endpoint.name;
  }
  get receivedAt(): number {
    return this.#receivedAt;
  }
  get requestedModel(): string | undefined {
    return this.#parsed?.model;
  }
  get stream(): boolean {
    return this.#parsed?.stream ?? false;
  }
  get priority(): Priority {
    return this.#priority;
  }
  get phase(): LivePhase {
    if (this.#waking !== undefined) return "waking";
    if ((this.#queuePosition?.() ?? -1) >= 0) return "queued";
    if (this.#responded) return "streaming";
    return this.#forwardingNow?.current === undefined ? "received" : "sent";
  }
  get backend(): string | undefined {
    return this.#forwardingNow?.current?.backend.name;
  }
  get servedModel(): string | undefined {
    return this.#forwardingNow?.current?.model;
  }
  get #address(): string {
    return this.#conn?.remoteAddress ?? "";
  }

  /** The checks that need nothing read, then the steps (`#steps`, the one async layer). */
  run(): Promise<Response> {
    const { inflight } = this.#deps;
    if (inflight.draining) {
      return Promise.resolve(this.#fail(
        failure("shutting_down", "Nexus is shutting down; retry shortly", {
          retryAfter: SHUTDOWN_RETRY_AFTER,
        }),
      ));
    }
    const loop = this.#deps.instanceId && loopFailure(this.#request.headers, this.#deps.instanceId);
    if (loop) return Promise.resolve(this.#fail(loop));
    // Counted (with the body's share of the budget) until the response is fully delivered.
    inflight.begin();
    // A boolean read when no dashboard is open: nothing is allocated or called for it.
    if (this.#deps.watch?.watching) {
      this.#watch = this.#deps.watch;
      this.#watch.begin(this);
    }
    return this.#steps();
  }

  /** Every step to the response; the request ends here (`#end`) or, for a stream, after it. */
  async #steps(): Promise<Response> {
    let done: Promise<unknown> | undefined;
    try {
      const identity = this.#deps.auth?.authenticate(this.#request.headers, this.#address);
      if (isFailure(identity)) return this.#fail(identity);
      const body = await this.#readBody();
      if (!body.ok) return this.#fail(bodyFailure(body.reason, this.#deps.maxBodyBytes));
      const parsed = this.#parse(body.text);
      if (isFailure(parsed)) return this.#fail(parsed);
      this.#parsed = parsed;
      if (identity !== undefined) {
        const refused = await this.#limit(identity, parsed);
        if (refused !== undefined) return this.#fail(refused);
      }
      const decision = this.#route(parsed);
      if (isFailure(decision)) return this.#fail(decision);
      const forwarding = this.#forwarding(parsed);
      const outcome = decision.wake !== undefined
        ? this.#afterWake(decision, parsed, forwarding)
        : forwarding.run(decision.candidates);
      const keepAliveMs = this.#deps.proxy.server.sse_keepalive_seconds * 1000;
      if (
        parsed.stream && keepAliveMs > 0 &&
        await slowerThan(outcome, keepAliveMs, this.#deps.clock)
      ) {
        const held = this.#hold(forwarding, outcome, parsed, keepAliveMs);
        done = held.done;
        this.#responded = true;
        return held.response;
      }
      const result = await outcome;
      const response = this.#respond(result);
      // A stream ends at its last byte; anything else was delivered whole, and ends now.
      if (result.commit !== undefined && result.tap.streaming) done = result.done;
      this.#responded = true;
      return response;
    } catch (error) {
      if (this.#deps.unhandled === undefined) throw error;
      return this.#deps.unhandled(error, this.#request);
    } finally {
      // A closure only for a stream: a whole answer ends here.
      if (done) {
        const end = () => this.#end();
        done.then(end, end);
      } else this.#end();
    }
  }

  /** The request is over (a stream: its last byte): the drain, the key and the dashboard learn it. */
  #end(): void {
    const { inflight } = this.#deps;
    this.#reservation.release();
    inflight.end();
    if (this.#forwardingNow !== undefined) inflight.untrack(this.#forwardingNow);
    this.#pass?.release();
    this.#watch?.end(this);
  }

  #readBody(): Promise<BodyResult> {
    const { maxBodyBytes, bodyTimeoutMs, clock } = this.#deps;
    return readBodyLimited(this.#request, maxBodyBytes, bodyTimeoutMs, clock, this.#reservation);
  }

  #parse(text: string): ParsedRequest | Failure {
    const priority = priorityOf(this.#request.headers);
    if (isFailure(priority)) return priority;
    this.#priority = priority;
    const body = parseJsonObject(text);
    if (isFailure(body)) return body;
    return duplicateKeyFailure(text, body) ?? this.#endpoint.parse(body, text);
  }

  /**
   * Keys mode: may the key use this model now? Holds the pass (its limit charges) until the
   * request is over. count_tokens costs no tokens: nothing is generated.
   */
  async #limit(identity: KeyIdentity, parsed: ParsedRequest): Promise<Failure | undefined> {
    const estimate = this.#endpoint.name === "count_tokens"
      ? 0
      : parsed.requirements.estimated_tokens;
    const decided = await this.#deps.auth!.admit(identity, parsed.model, estimate, this.#address);
    if ("pass" in decided) {
      this.#keyUse = this.#pass = decided.pass;
      return undefined;
    }
    this.#keyUse = decided.use;
    return decided.refused;
  }

  /** The candidates in failover order (and what to wake first), or why there are none. */
  #route(
    parsed: ParsedRequest,
  ): { candidates: readonly RouteCandidate[]; wake?: readonly Backend[] } | Failure {
    const decision = this.#deps.router.select(parsed.model, parsed.requirements);
    const wake = this.#deps.wake === undefined ? undefined : decision.wake;
    // The usual case (nothing to wake) hands the router's decision on as it is.
    if (wake === undefined) {
      if (!decision.ok) return decision.rejection;
      return decision.wake === undefined ? decision : { candidates: decision.candidates };
    }
    return { candidates: decision.ok ? decision.candidates : [], wake };
  }

  /** Waits for the asleep backends to wake, then routes again (woken backends first). */
  async #afterWake(
    decision: { readonly wake?: readonly Backend[] },
    parsed: ParsedRequest,
    forwarding: Forwarding,
  ): Promise<ForwardResult> {
    const wake = decision.wake!;
    this.#waking = wake.map((backend) => backend.name).join(", ");
    const signal = AbortSignal.any([this.#request.signal, this.#deps.inflight.shutdownSignal]);
    const woken = await this.#deps.wake!.wait(wake, signal);
    this.#waking = undefined;
    const again: RouteDecision = this.#deps.router.select(parsed.model, parsed.requirements);
    if (!again.ok) return forwarding.refuse(woken ?? again.rejection);
    if (woken?.kind === "client_closed" || woken?.kind === "shutting_down") {
      return forwarding.refuse(woken);
    }
    return forwarding.run(wokenFirst(again.candidates, wake));
  }

  #forwarding(parsed: ParsedRequest): Forwarding {
    const request = this.#request;
    const forwarding = new Forwarding({
      endpoint: this.#endpoint,
      parsed,
      clientHeaders: request.headers,
      clientSignal: request.signal,
      requestId: this.#requestId,
      priority: this.#priority,
      onQueued: (position) => (this.#queuePosition = position),
    }, this.#deps.proxy);
    this.#forwardingNow = forwarding;
    // The shutdown drain's deadline ends it (untracked in #end).
    this.#deps.inflight.track(forwarding);
    return forwarding;
  }

  /** Commits 200 with keep-alives now; the forwarding's answer follows in the same stream. */
  #hold(
    forwarding: Forwarding,
    outcome: Promise<ForwardResult>,
    parsed: ParsedRequest,
    keepAliveMs: number,
  ): { response: Response; done: Promise<unknown> } {
    // The client has its 200: the outcome is recorded as such, with what went wrong if anything.
    outcome.then((result) => {
      const why = result.commit === undefined ? result.outcome.failure : result.commit.rejection;
      this.#observe(200, why, result);
    });
    const headers: HeaderRecord = { "x-request-id": this.#requestId };
    this.#ownHeaders(headers);
    return heldAnswer({
      outcome,
      dialect: this.#endpoint.dialect,
      model: parsed.model,
      keepAliveMs,
      clock: this.#deps.clock,
      note: () => {
        if (this.#waking !== undefined) return `waking ${this.#waking}`;
        const ahead = this.#queuePosition?.() ?? -1;
        return ahead >= 0 ? `queued position=${ahead + 1}` : undefined;
      },
      cancel: (reason) => forwarding.cancel(reason),
    }, headers);
  }

  /** The committed answer with its headers, or the failure every candidate ended in. */
  #respond(result: ForwardResult): Response {
    const { commit, candidate, outcome } = result;
    if (commit === undefined || candidate === undefined) {
      return this.#fail(outcome.failure!, result);
    }
    const routeReason = outcome.routeReason!;
    if (commit.rejection !== undefined) {
      const headers: HeaderRecord = {
        "x-request-id": this.#requestId,
        "x-nexus-queue-wait-ms": String(Math.round(outcome.queueWaitMs)),
      };
      nexusHeaders(headers, candidate, routeReason);
      this.#ownHeaders(headers);
      this.#observe(
        statusOf(commit.rejection, this.#endpoint.dialect.name),
        commit.rejection,
        result,
      );
      return this.#finished(
        this.#endpoint.dialect.errorResponse(commit.rejection, new Headers(headers)),
      );
    }
    const stream = this.#parsed?.stream ?? false;
    const headers = committedHeaders(
      commit,
      candidate,
      routeReason,
      this.#requestId,
      stream,
      outcome.queueWaitMs,
    );
    this.#ownHeaders(headers);
    this.#observe(commit.status, undefined, result);
    return new Response(commit.body, { status: commit.status, headers });
  }

  /** Ends the request with `failure`, in the endpoint's dialect. */
  #fail(reason: Failure, result?: ForwardResult): Response {
    const dialect = this.#endpoint.dialect;
    const retryAfter = retryAfterOf(reason, String(this.#deps.retryAfterSeconds));
    const rendered = retryAfter === reason.retryAfter ? reason : { ...reason, retryAfter };
    this.#observe(statusOf(rendered, dialect.name), rendered, result);
    const headers: HeaderRecord = { "x-request-id": this.#requestId };
    this.#ownHeaders(headers);
    return this.#finished(dialect.errorResponse(rendered, new Headers(headers)));
  }

  /** A refusal closes the connection when it left the body unread (src/lib/connection.ts). */
  #finished(response: Response): Response {
    return finishAnswer(this.#request, response, this.#deps.instanceId);
  }

  /**
   * `X-Nexus-Instance` (every response carries it, src/lib/connection.ts: in the record, it costs
   * the runtime no `Headers` object), and in keys mode the `x-ratelimit-*` of the key's limits.
   */
  #ownHeaders(headers: HeaderRecord): void {
    const instanceId = this.#deps.instanceId;
    if (instanceId !== undefined) headers[INSTANCE_HEADER] = instanceId;
    const rate = this.#pass?.headers;
    if (rate === undefined) return;
    for (const name in rate) headers[name.toLowerCase()] = rate[name]!;
  }

  #observe(status: number, reason: Failure | undefined, result: ForwardResult | undefined): void {
    const key = this.#keyUse;
    if (this.#deps.observe === undefined) {
      // Nobody reads the usage: the key's charges still settle (at the estimate).
      key?.settle({
        model: this.#parsed?.model,
        promptTokens: undefined,
        completionTokens: undefined,
        failed: status >= 400,
      });
      return;
    }
    this.#deps.observe(exchangeEvent(this, status, reason, result, key));
  }
}
