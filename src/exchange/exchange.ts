/**
 * The exchange pipeline: the one path every inference request takes, whatever its dialect.
 *
 *   admit (drain, loop, in-flight) → authenticate (a key, in keys mode) → read body (limit,
 *   deadline, budget) → parse (duplicate keys, the endpoint's dialect) → limit (the key's model
 *   list and limits, in keys mode) → route (router.select) → [wake] → forward (attempts,
 *   failover) → [hold: a slow stream gets 200 and keep-alives first] → respond (commit or failure)
 *
 * Each step is a named method of a per-request `Exchange`, or a function of its own file
 * (admit-step.ts, parse-step.ts, route-step.ts, hold.ts, answer.ts). Any step may end the
 * request with a `Failure`, which `#fail` renders in the endpoint's dialect and reports to
 * `observe` (event.ts).
 * @module
 */
import type { KeyIdentity, KeyPass, KeyUse } from "../auth/mod.ts";
import type { Endpoint, ParsedRequest } from "../dialects/mod.ts";
import { type Failure, isFailure, statusOf } from "../lib/failures.ts";
import { Forwarding, type ForwardResult, type ProxyRequest } from "../proxy/mod.ts";
import type { Priority } from "../admission/mod.ts";
import { priorityOf } from "./priority.ts";
import { bodyFailure, type BodyResult, readBodyLimited } from "./body.ts";
import { BodyReservation } from "./body-budget.ts";
import { parseRequest } from "./parse-step.ts";
import type { ExchangeWatch, LivePhase, LiveRequest } from "./event.ts";
import { reportExchange } from "./event.ts";
import { heldAnswer, heldFailure, holdNote, slowerThan } from "./hold.ts";
import { requestIdFor } from "./request-id.ts";
import { admitKey, arrivalRefusal } from "./admit-step.ts";
import { afterWake, routeOf } from "./route-step.ts";
import { committedAnswer, failedAnswer, ownHeaders, rejectedAnswer } from "./answer.ts";
import { withRetryAfter } from "./answer.ts";
import type { HeaderRecord } from "./response-headers.ts";
import type { ConnInfo } from "../runtime/mod.ts";
import type { ExchangeDeps } from "./exchange-types.ts";
import { NO_SLOT } from "./inflight.ts";

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
  /** What the parsed body says that outlives it (a stream in flight keeps no prompt). */
  #model: string | undefined;
  #stream = false;
  /** Keys mode: the key's use (usage, metrics), and its limit charges once admitted. */
  #keyUse: KeyUse | undefined;
  #pass: KeyPass | undefined;
  #priority: Priority = "normal";
  /** Set while the request waits in the admission queue: how many are ahead of it. */
  #queuePosition: (() => number) | undefined;
  #forwardingNow: Forwarding | undefined;
  /** Where the drain's table holds `#forwardingNow` (`InFlight.track`), until `#end`. */
  #slot = NO_SLOT;
  /** The backends this request waits for to wake, while it waits. */
  #waking: string | undefined;
  /** The response has been returned; a stream is still being delivered. */
  #responded = false;
  /** Set in `run` when a dashboard watches this request; where it keeps it (`ExchangeWatch.begin`). */
  #watch: ExchangeWatch | undefined;
  #watchSlot = 0;

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
    return this.#model;
  }
  get stream(): boolean {
    return this.#stream;
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
    const refused = arrivalRefusal(inflight, this.#request, this.#deps.instanceId);
    if (refused !== undefined) return Promise.resolve(this.#fail(refused));
    // Counted (with the body's share of the budget) until the response is fully delivered.
    inflight.begin();
    // A boolean read when no dashboard is open: nothing is allocated or called for it.
    if (this.#deps.watch?.watching) {
      this.#watch = this.#deps.watch;
      this.#watchSlot = this.#watch.begin(this);
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
      const priority = priorityOf(this.#request.headers);
      if (isFailure(priority)) return this.#fail(priority);
      this.#priority = priority;
      const parsed = parseRequest(this.#endpoint, body.text);
      if (isFailure(parsed)) return this.#fail(parsed);
      this.#model = parsed.model;
      this.#stream = parsed.stream;
      if (identity !== undefined) {
        const refused = await this.#limit(identity, parsed);
        if (refused !== undefined) return this.#fail(refused);
      }
      const decision = routeOf(this.#deps.router, this.#deps.wake, parsed);
      if (isFailure(decision)) return this.#fail(decision);
      const forwarding = new Forwarding(this.#request.signal, this.#deps.proxy);
      this.#forwardingNow = forwarding;
      // The shutdown drain's deadline ends it (untracked in #end).
      this.#slot = this.#deps.inflight.track(forwarding);
      const proxied = this.#proxyRequest(parsed);
      const outcome = decision.wake === undefined
        ? forwarding.run(proxied, decision.candidates)
        : afterWake(decision.wake, this.#deps, this.#request, proxied, forwarding, (names) => {
          this.#waking = names;
        });
      const keepAliveMs = this.#deps.proxy.server.sse_keepalive_seconds * 1000;
      if (
        parsed.stream && keepAliveMs > 0 &&
        await slowerThan(outcome, keepAliveMs, this.#deps.clock)
      ) {
        const held = this.#hold(forwarding, outcome, parsed.model, keepAliveMs);
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
      if (done) this.#endAfter(done);
      else this.#end();
    }
  }

  /** A stream ends at its last byte: a closure made in `#steps` would keep all its locals. */
  #endAfter(done: Promise<unknown>): void {
    const end = () => this.#end();
    done.then(end, end);
  }

  /** The request is over (a stream: its last byte): the drain, the key and the dashboard learn it. */
  #end(): void {
    const { inflight } = this.#deps;
    this.#reservation.release();
    inflight.end();
    if (this.#slot !== NO_SLOT) inflight.untrack(this.#slot);
    this.#pass?.release();
    this.#watch?.end(this, this.#watchSlot);
  }

  #readBody(): Promise<BodyResult> {
    const { maxBodyBytes, bodyTimeoutMs, clock } = this.#deps;
    return readBodyLimited(this.#request, maxBodyBytes, bodyTimeoutMs, clock, this.#reservation);
  }

  /** Keys mode: holds the key's pass (its limit charges) until the request is over. */
  async #limit(identity: KeyIdentity, parsed: ParsedRequest): Promise<Failure | undefined> {
    const { auth } = this.#deps;
    const decided = await admitKey(auth!, identity, this.#endpoint, parsed, this.#address);
    if ("pass" in decided) {
      this.#keyUse = this.#pass = decided.pass;
      return undefined;
    }
    this.#keyUse = decided.use;
    return decided.refused;
  }

  /** What the forwarding forwards: held by it only until the answer commits (`Forwarding.run`). */
  #proxyRequest(parsed: ParsedRequest): ProxyRequest {
    return {
      endpoint: this.#endpoint,
      parsed,
      clientHeaders: this.#request.headers,
      requestId: this.#requestId,
      priority: this.#priority,
      onQueued: (position) => (this.#queuePosition = position),
    };
  }

  /** Commits 200 with keep-alives now; the forwarding's answer follows in the same stream. */
  #hold(
    forwarding: Forwarding,
    outcome: Promise<ForwardResult>,
    model: string,
    keepAliveMs: number,
  ): { response: Response; done: Promise<unknown> } {
    // The client has its 200: the outcome is recorded as such, with what went wrong if anything.
    outcome.then((result) => this.#observe(200, heldFailure(result), result));
    return heldAnswer({
      outcome,
      dialect: this.#endpoint.dialect,
      model,
      keepAliveMs,
      clock: this.#deps.clock,
      note: () => holdNote(this.#waking, this.#queuePosition),
      cancel: (reason) => forwarding.cancel(reason),
    }, this.#ownHeaders());
  }

  /** The committed answer with its headers, or the failure every candidate ended in. */
  #respond(result: ForwardResult): Response {
    const { commit } = result;
    if (commit === undefined || result.candidate === undefined) {
      return this.#fail(result.outcome.failure!, result);
    }
    const { instanceId } = this.#deps;
    const rate = this.#pass?.headers;
    if (commit.rejection !== undefined) {
      const dialect = this.#endpoint.dialect;
      this.#observe(statusOf(commit.rejection, dialect.name), commit.rejection, result);
      return rejectedAnswer(this.#request, dialect, result, this.#requestId, instanceId, rate);
    }
    this.#observe(commit.status, undefined, result);
    return committedAnswer(result, this.#requestId, this.stream, instanceId, rate);
  }

  /** Ends the request with `failure`, in the endpoint's dialect. */
  #fail(reason: Failure, result?: ForwardResult): Response {
    const dialect = this.#endpoint.dialect;
    const rendered = withRetryAfter(reason, this.#deps.retryAfterSeconds);
    this.#observe(statusOf(rendered, dialect.name), rendered, result);
    const headers = this.#ownHeaders();
    return failedAnswer(this.#request, dialect, rendered, headers, this.#deps.instanceId);
  }

  /** What every answer of this request carries: its id, the instance, the key's rate limits. */
  #ownHeaders(): HeaderRecord {
    const { instanceId } = this.#deps;
    return ownHeaders({ "x-request-id": this.#requestId }, instanceId, this.#pass?.headers);
  }

  #observe(status: number, reason: Failure | undefined, result: ForwardResult | undefined): void {
    reportExchange(this.#deps.observe, this, status, reason, result, this.#keyUse);
  }
}
