/**
 * The body of a streamed answer on its way to the client. A `Relay` reads the upstream stream and
 * hands each chunk to its `Delivery`: a passthrough delivery enqueues the upstream's own
 * Uint8Arrays, in order, never decoded, merged or re-framed; a translated delivery maps them into
 * the client's dialect. A failure after the first byte cannot change the status any more: the
 * delivery renders one final in-stream error in the client's dialect and the stream closes.
 *
 * A relay starts with the first upstream chunk in hand: the attempt commits only once it has
 * arrived (keep-alives before it are the exchange's job, src/exchange/hold.ts). The idle deadline
 * comes from the Clock.
 * @module
 */
import type { Clock, TimerHandle } from "../lib/clock.ts";
import type { Failure } from "../lib/failures.ts";
import { announcesEnd, streamEnding } from "../lib/stream-end.ts";
import type { Delivery } from "./delivery.ts";
import type { ResponseTap } from "./tap.ts";

export type StreamEnd = "complete" | "client_closed" | "upstream_error" | "timeout" | "shutdown";

/** An opened upstream stream: its reader and the first chunk already read from it. */
export interface OpenedChunk {
  readonly ok: true;
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  readonly first: Uint8Array;
}

/**
 * What a relay tells the attempt it belongs to, and asks of it: the attempt itself, not a closure
 * per question (a stream in flight keeps its relay, and each closure with it, until its last byte).
 */
export interface RelayOwner {
  /** A chunk arrived at `monotonicMs` (health: traffic is evidence). */
  progressed(monotonicMs: number): void;
  /** Aborts the upstream request (idle deadline, client gone). */
  abortUpstream(reason: "idle" | "client"): void;
  /** Why the upstream failed: a deadline Nexus enforced, or the backend itself. */
  describeFailure(error: unknown): { end: StreamEnd; failure?: Failure };
  /** Called once, when the stream has ended whatever the way. */
  streamEnded(end: StreamEnd, detail?: string): void;
}

export interface RelayOptions {
  readonly owner: RelayOwner;
  readonly delivery: Delivery;
  readonly idleMs: number;
  readonly clock: Clock;
  /** Counts relayed events and keeps the upstream's tail for usage (metrics). */
  readonly tap: ResponseTap;
}

export class Relay implements UnderlyingDefaultSource<Uint8Array> {
  readonly #owner: RelayOwner;
  readonly #delivery: Delivery;
  readonly #idleMs: number;
  readonly #clock: Clock;
  readonly #tap: ResponseTap;
  readonly #reader: ReadableStreamDefaultReader<Uint8Array>;
  /** The first chunk, until the stream starts with it. */
  #first: Uint8Array | undefined;
  #ended = false;
  #lastChunkAt: number;
  #idleTimer: TimerHandle | undefined;
  /** The stream this relay is the source of: told of its end (src/lib/stream-end.ts). */
  #stream: ReadableStream<Uint8Array> | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;

  /** Fields of their own: the options object is not kept (one object less per stream in flight). */
  constructor(options: RelayOptions, opened: OpenedChunk) {
    this.#owner = options.owner;
    this.#delivery = options.delivery;
    this.#idleMs = options.idleMs;
    this.#clock = options.clock;
    this.#tap = options.tap;
    this.#reader = opened.reader;
    this.#first = opened.first;
    this.#lastChunkAt = options.clock.monotonic();
    options.tap.streaming = true;
  }

  /**
   * The stream the client reads (made once). No queue of its own (`highWaterMark: 0`): the
   * upstream is read when the runtime asks for the next chunk, not one ahead, so a chunk goes from
   * the upstream's read straight to the waiting response — ~10 µs less delay per chunk on Bun
   * (bench/RESULTS.md) — and a slow client holds back the backend instead of a chunk in between.
   */
  stream(): ReadableStream<Uint8Array> {
    return this.#stream ??= announcesEnd(new ReadableStream(this, { highWaterMark: 0 }));
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
    const first = this.#first!;
    this.#first = undefined;
    this.#begin(controller, first);
  }

  /**
   * Reads until there is something to send: a translated chunk may yield nothing (a tool call's
   * argument pieces are sent whole later), and a pull that enqueues nothing is not called again
   * by a spec-following runtime (Deno), which would stall the stream. Each read goes on with the
   * relay's own bound steps, not an async function: no closure and one promise per chunk.
   */
  pull(): Promise<void> {
    return this.#reader.read().then(this.#onRead, this.#onReadError);
  }

  readonly #onRead = (result: ReadableStreamReadResult<Uint8Array>): Promise<void> | void => {
    const controller = this.#controller!;
    try {
      if (result.done) return this.#complete(controller);
      this.#lastChunkAt = this.#clock.monotonic();
      this.#owner.progressed(this.#lastChunkAt);
      this.#tap.push(result.value);
      const out = this.#delivery.chunk(result.value);
      if (out !== undefined) return controller.enqueue(out);
    } catch (error) {
      return this.#onReadError(error);
    }
    return this.pull();
  };

  readonly #onReadError = (error: unknown): void => {
    if (!this.#ended) this.#fail(this.#controller!, error);
  };

  cancel(reason: unknown): void {
    this.#end("client_closed");
    this.#owner.abortUpstream("client");
    this.#reader.cancel(reason).catch(() => {});
  }

  /**
   * Nexus aborted the upstream request (a deadline, the shutdown drain): end the stream now, with
   * the in-stream error, rather than when the runtime errors the aborted body — Deno at times
   * goes on delivering it, and a silent backend's read would never end.
   */
  abandon(): void {
    if (this.#ended || this.#controller === undefined) return;
    this.#reader.cancel().catch(() => {});
    this.#fail(this.#controller, new Error("the upstream request was aborted"));
  }

  #begin(controller: ReadableStreamDefaultController<Uint8Array>, first: Uint8Array): void {
    this.#lastChunkAt = this.#clock.monotonic();
    this.#owner.progressed(this.#lastChunkAt);
    this.#tap.push(first);
    const out = this.#delivery.chunk(first);
    if (out !== undefined) controller.enqueue(out);
    if (this.#idleMs > 0) this.#armIdle(this.#idleMs);
  }

  #complete(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const out = this.#delivery.end();
    if (out !== undefined) controller.enqueue(out);
    this.#closing();
    controller.close();
    this.#end("complete");
  }

  #fail(controller: ReadableStreamDefaultController<Uint8Array>, error: unknown): void {
    const { end, failure } = this.#owner.describeFailure(error);
    if (end === "client_closed" || failure === undefined) {
      this.#end(end);
      return;
    }
    controller.enqueue(this.#delivery.fail(failure));
    this.#closing();
    controller.close();
    this.#end(end, failure.message);
  }

  /** The last chunk is handed over and the stream closes next. */
  #closing(): void {
    if (this.#stream !== undefined) streamEnding(this.#stream);
  }

  #end(how: StreamEnd, detail?: string): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#idleTimer !== undefined) this.#clock.clearTimeout(this.#idleTimer);
    this.#owner.streamEnded(how, detail);
  }

  /** One timer per stream, re-armed only when it fires early: cheaper than resetting per chunk. */
  #armIdle(ms: number): void {
    this.#idleTimer = this.#clock.setTimeout(this.#onIdle, ms);
  }

  readonly #onIdle = (): void => {
    const quiet = this.#clock.monotonic() - this.#lastChunkAt;
    if (quiet < this.#idleMs) return this.#armIdle(this.#idleMs - quiet);
    this.#owner.abortUpstream("idle");
    this.abandon();
  };
}
