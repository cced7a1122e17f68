/**
 * One attempt at one backend: `open` sends the request and waits for its headers (and, for a
 * stream, its first chunk) under the first-byte deadline; then the attempt either commits — the
 * client gets this backend's answer — or reports a failure the forwarder may fail over from.
 * (A client waiting long for a first token gets keep-alives from the exchange meanwhile: see
 * src/exchange/hold.ts. Failover stays possible until the first upstream byte.)
 *
 * The attempt owns its AbortController and timers (all from the Clock). It runs on a slot
 * admission granted (src/admission) and gives it back exactly once, in `settle`, whatever happens.
 * @module
 */
import type { TimerHandle } from "../lib/clock.ts";
import type { Failure } from "../lib/failures.ts";
import type {
  AttemptCall,
  AttemptCommit,
  AttemptDeps,
  AttemptFailure,
  AttemptSpec,
} from "./attempt-types.ts";
import { upstreamInit } from "./attempt-spec.ts";
import { type Delivery, deliveryFor } from "./delivery.ts";
import { probeConnect } from "./connect-probe.ts";
import {
  attemptFailure,
  classify,
  ConnectFailure,
  FIRST_BYTE,
  IDLE,
  InvalidResponse,
  isRedirect,
  requestRedactor,
  streamFailure,
  TooLarge,
  upstreamErrorText,
} from "./failures.ts";
import { type OpenedChunk, Relay, type RelayOwner, type StreamEnd } from "./relay.ts";
import { streamCommit } from "./stream-commit.ts";
import { beforeFirstChunk, emptyStream, type Opened, type StreamOpened } from "./stream-open.ts";
import { readAnswerBytes, wholeAnswer, wholeCommit } from "./whole-answer.ts";
import type { UpstreamPlan } from "../dialects/mod.ts";

export class Attempt implements RelayOwner {
  readonly #deps: AttemptDeps;
  readonly #spec: AttemptSpec;
  readonly #controller = new AbortController();
  #startedAt = 0;
  /** The connect probe's deadline, then the first byte's; cleared at the first byte. */
  #deadline: TimerHandle | undefined;
  #headersArrived = false;
  #settled = false;
  /** The relay of the committed stream, ended with the request. */
  #relayNow: Relay | undefined;

  constructor(deps: AttemptDeps, spec: AttemptSpec) {
    this.#deps = deps;
    this.#spec = spec;
  }

  /**
   * Sends `call`, waits, and commits or fails; never throws. One async function for the whole
   * attempt: each step it awaits is the runtime's own promise, not another layer of ours (each
   * layer cost a promise and a microtask per request). The call is held only until then.
   */
  async run(call: AttemptCall): Promise<AttemptCommit | AttemptFailure> {
    this.#begin();
    try {
      let upstream: Response;
      const { plan } = call;
      if (plan.stream) {
        const opened = await this.#open(call);
        if (opened.kind === "stream") return this.#commitStream(plan, opened);
        // Nothing has reached the client yet: a failure here can still fail over.
        if (opened.kind === "failed") {
          return opened.upstream
            ? await this.#serverError(opened.upstream, call.clientHeaders)
            : this.#failed(opened.error);
        }
        upstream = opened.upstream;
      } else {
        upstream = await this.#send(call);
        this.#arrived();
        if (upstream.status >= 500 || isRedirect(upstream.status)) {
          return await this.#serverError(upstream, call.clientHeaders);
        }
      }
      // A whole answer: refused unread (a page), or read (natively when its length is declared).
      const maxBytes = this.#deps.maxResponseBytes ?? Infinity;
      const contentType = upstream.headers.get("content-type");
      const read = readAnswerBytes(upstream, contentType, maxBytes);
      if (read instanceof InvalidResponse) return this.#invalid(read);
      const bytes = await read;
      return bytes === undefined
        ? this.#invalid(new TooLarge(maxBytes))
        : this.#commitWhole(plan, upstream, contentType, bytes);
    } catch (error) {
      return this.#failed(error);
    }
  }

  /**
   * The request ended (the client left, its deadline passed, shutdown): its forwarding calls this
   * rather than each attempt listening on the request's signal (a listener per attempt cost more
   * than the rest of the attempt's bookkeeping).
   */
  requestEnded(): void {
    if (this.#settled) return;
    this.#controller.abort(this.#spec.requestSignal.reason);
    // A runtime may go on delivering an aborted body (Deno at times): the relay ends it itself.
    this.#relayNow?.abandon();
  }

  /**
   * Starts the deadlines: one timer for both the connect probe and the first byte (a timer per
   * deadline cost a setTimeout and a clearTimeout more per request). It is armed for the earlier
   * of the two, the connect probe's, and re-armed there for the rest of the first byte's.
   */
  #begin(): void {
    const { clock } = this.#deps;
    const { requestSignal, deadlines } = this.#spec;
    this.#startedAt = clock.monotonic();
    // The client may have left (or a deadline passed) while an earlier candidate was failing.
    if (requestSignal.aborted) this.#controller.abort(requestSignal.reason);
    this.#deadline = this.#deps.tcpProbe && deadlines.connectMs < deadlines.firstByteMs
      ? clock.setTimeout(() => this.#connectDeadline(), deadlines.connectMs)
      : clock.setTimeout(() => this.#controller.abort(FIRST_BYTE), deadlines.firstByteMs);
  }

  /**
   * The connect deadline: the connection is probed if no headers came (`#watchConnect`); the
   * first byte's deadline goes on.
   */
  #connectDeadline(): void {
    const { deadlines } = this.#spec;
    this.#deadline = this.#deps.clock.setTimeout(
      () => this.#controller.abort(FIRST_BYTE),
      deadlines.firstByteMs - deadlines.connectMs,
    );
    if (!this.#headersArrived && !this.#controller.signal.aborted) void this.#watchConnect();
  }

  /** The upstream request; `#arrived` once its headers are in. */
  #send(call: AttemptCall): Promise<Response> {
    const init = upstreamInit(call, this.#controller.signal);
    return this.#deps.fetch(this.#spec.backend.url + call.plan.path, init);
  }

  #arrived(): void {
    this.#headersArrived = true;
  }

  /** A live host (say, loading a model) keeps its first-byte deadline; a dead one fails over now. */
  async #watchConnect(): Promise<void> {
    const { backend, deadlines } = this.#spec;
    const result = await probeConnect(backend.url, this.#deps.tcpProbe!, deadlines.connectMs);
    if (!this.#headersArrived && !this.#controller.signal.aborted && result !== "open") {
      this.#controller.abort(new ConnectFailure(result));
    }
  }

  /** A whole answer read: check it, translate it if the client speaks another dialect, commit. */
  #commitWhole(
    plan: UpstreamPlan,
    upstream: Response,
    contentType: string | null,
    bytes: Uint8Array<ArrayBuffer>,
  ): AttemptCommit | AttemptFailure {
    const { tap, backend } = this.#spec;
    const { redactor } = this.#deps;
    const answer = wholeAnswer(upstream, contentType, bytes, plan.translation, tap, redactor);
    if (answer instanceof InvalidResponse) return this.#invalid(answer);
    const ttfbMs = this.#deps.clock.monotonic() - this.#startedAt;
    this.#deps.registry.noteProgress(backend, this.#startedAt + ttfbMs);
    if (upstream.ok) this.#deps.registry.recordLatency(backend, ttfbMs);
    this.#settle(undefined);
    return wholeCommit(backend, upstream, answer, plan.responseHeaders, ttfbMs);
  }

  /** Not a usable answer: whatever the backend is still sending is not wanted (the connection closes). */
  #invalid(answer: InvalidResponse): AttemptFailure {
    this.#controller.abort(answer);
    return this.#failed(answer);
  }

  /** Sends, then waits for headers and the first chunk: what decides whether this backend works. */
  async #open(call: AttemptCall): Promise<Opened> {
    try {
      const upstream = await this.#send(call);
      this.#arrived();
      const before = beforeFirstChunk(upstream);
      if (before !== undefined) return before;
      const reader = upstream.body!.getReader();
      const first = await reader.read();
      if (first.done) return emptyStream();
      return { kind: "stream", upstream, chunk: { ok: true, reader, first: first.value } };
    } catch (error) {
      return { kind: "failed", error };
    }
  }

  #commitStream(plan: UpstreamPlan, { upstream, chunk }: StreamOpened): AttemptCommit {
    const { clock, registry } = this.#deps;
    const { backend, tap } = this.#spec;
    this.#clearDeadline();
    const ttfbMs = clock.monotonic() - this.#startedAt;
    registry.recordLatency(backend, ttfbMs);
    const translator = plan.translation?.stream();
    tap.ndjson = plan.upstream === "ollama";
    const contentType = translator?.contentType ?? upstream.headers.get("content-type");
    const body = this.#relay(chunk, deliveryFor(translator, plan.translation, this.#spec.dialect));
    return streamCommit(backend, upstream, contentType, body, plan.responseHeaders, ttfbMs);
  }

  /** The relay of the committed stream: this attempt is its owner (`RelayOwner`). */
  #relay(opened: OpenedChunk, delivery: Delivery): ReadableStream<Uint8Array> {
    const relay = new Relay({
      owner: this,
      delivery,
      idleMs: this.#spec.deadlines.idleMs,
      clock: this.#deps.clock,
      tap: this.#spec.tap,
    }, opened);
    this.#relayNow = relay;
    return relay.stream();
  }

  /** RelayOwner: a chunk of the committed stream arrived. */
  progressed(monotonicMs: number): void {
    this.#deps.registry.noteProgress(this.#spec.backend, monotonicMs);
  }

  /** RelayOwner: the stream's idle deadline passed, or its client left. */
  abortUpstream(reason: "idle" | "client"): void {
    this.#controller.abort(reason === "idle" ? IDLE : this.#spec.requestSignal.reason);
  }

  /** RelayOwner: the committed stream has ended; the slot goes back. */
  streamEnded(end: StreamEnd, detail?: string): void {
    this.#settle(end === "upstream_error" || end === "timeout" ? detail ?? end : undefined);
    this.#spec.onStreamEnd(end, detail);
  }

  /** RelayOwner: a failure after the commit: how the stream ends, and what the client is told. */
  describeFailure(error: unknown): { end: StreamEnd; failure?: Failure } {
    const { kind, message } = classify(
      this.#controller.signal,
      this.#spec.requestSignal,
      error,
      undefined,
      this.#spec.deadlines,
    );
    return streamFailure(kind, message, this.#spec.backend.name);
  }

  /**
   * A 5xx or a 3xx before the first byte: its status, a short body and Retry-After, for the
   * failure (a redirect is the backend's error: Nexus never follows it).
   */
  async #serverError(upstream: Response, clientHeaders?: Headers): Promise<AttemptFailure> {
    // The configured secrets and the client's credentials: built only for an error text.
    const redactor = () => requestRedactor(this.#deps.redactor, clientHeaders);
    const text = await upstreamErrorText(upstream, redactor);
    return this.#failed(new Error(text), upstream.status, upstream.headers.get("retry-after"));
  }

  #failed(error: unknown, status?: number, retryAfter?: string | null): AttemptFailure {
    const { kind, message } = classify(
      this.#controller.signal,
      this.#spec.requestSignal,
      error,
      status,
      this.#spec.deadlines,
    );
    this.#settle(kind === "client_closed" ? undefined : message);
    return attemptFailure(this.#spec.backend, kind, message, status, retryAfter);
  }

  /** Ends the attempt's bookkeeping exactly once. */
  #settle(failed: string | undefined): void {
    if (this.#settled) return;
    this.#settled = true;
    this.#clearDeadline();
    this.#spec.release(failed);
  }

  #clearDeadline(): void {
    if (this.#deadline === undefined) return;
    this.#deps.clock.clearTimeout(this.#deadline);
    this.#deadline = undefined;
  }
}
