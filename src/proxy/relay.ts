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

export interface RelayOptions {
  readonly start: OpenedChunk;
  readonly delivery: Delivery;
  readonly idleMs: number;
  readonly clock: Clock;
  /** Aborts the upstream request (idle deadline, client gone). */
  readonly abort: (reason: "idle" | "client") => void;
  /** Why the upstream failed: a deadline Nexus enforced, or the backend itself. */
  readonly describeFailure: (error: unknown) => { end: StreamEnd; failure?: Failure };
  /** Called once, when the stream has ended whatever the way. */
  readonly onEnd: (end: StreamEnd, detail?: string) => void;
  /** Counts relayed events and keeps the upstream's tail for usage (metrics). */
  readonly tap?: ResponseTap;
  /** Called with the monotonic time of every chunk received (health: traffic is evidence). */
  readonly onProgress?: (monotonicMs: number) => void;
  /** Hands the relay to its attempt, which ends it with the request (`abandon`). */
  readonly attach?: (relay: Relay) => void;
}

export class Relay implements UnderlyingDefaultSource<Uint8Array> {
  readonly #options: RelayOptions;
  #reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #ended = false;
  #lastChunkAt: number;
  #idleTimer: TimerHandle | undefined;
  /** The stream this relay is the source of: told of its end (src/lib/stream-end.ts). */
  #stream: ReadableStream<Uint8Array> | undefined;
  #controller: ReadableStreamDefaultController<Uint8Array> | undefined;

  constructor(options: RelayOptions) {
    this.#options = options;
    this.#lastChunkAt = options.clock.monotonic();
    if (options.tap) options.tap.streaming = true;
    options.attach?.(this);
  }

  /**
   * The stream the client reads. No queue of its own (`highWaterMark: 0`): the upstream is read
   * when the runtime asks for the next chunk, not one ahead, so a chunk goes from the upstream's
   * read straight to the waiting response — ~10 µs less delay per chunk on Bun (bench/RESULTS.md)
   * — and a slow client holds back the backend instead of a chunk in between.
   */
  static stream(options: RelayOptions): ReadableStream<Uint8Array> {
    const relay = new Relay(options);
    return relay.#stream = announcesEnd(new ReadableStream(relay, { highWaterMark: 0 }));
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    this.#controller = controller;
    this.#begin(controller, this.#options.start);
  }

  /**
   * Reads until there is something to send: a translated chunk may yield nothing (a tool call's
   * argument pieces are sent whole later), and a pull that enqueues nothing is not called again
   * by a spec-following runtime (Deno), which would stall the stream. Each read goes on with the
   * relay's own bound steps, not an async function: no closure and one promise per chunk.
   */
  pull(): Promise<void> {
    return this.#reader!.read().then(this.#onRead, this.#onReadError);
  }

  readonly #onRead = (result: ReadableStreamReadResult<Uint8Array>): Promise<void> | void => {
    const controller = this.#controller!;
    try {
      if (result.done) return this.#complete(controller);
      this.#lastChunkAt = this.#options.clock.monotonic();
      this.#options.onProgress?.(this.#lastChunkAt);
      this.#options.tap?.push(result.value);
      const out = this.#options.delivery.chunk(result.value);
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
    this.#options.abort("client");
    this.#reader?.cancel(reason).catch(() => {});
  }

  /**
   * Nexus aborted the upstream request (a deadline, the shutdown drain): end the stream now, with
   * the in-stream error, rather than when the runtime errors the aborted body — Deno at times
   * goes on delivering it, and a silent backend's read would never end.
   */
  abandon(): void {
    if (this.#ended || this.#controller === undefined) return;
    this.#reader?.cancel().catch(() => {});
    this.#fail(this.#controller, new Error("the upstream request was aborted"));
  }

  #begin(controller: ReadableStreamDefaultController<Uint8Array>, chunk: OpenedChunk): void {
    this.#reader = chunk.reader;
    this.#lastChunkAt = this.#options.clock.monotonic();
    this.#options.onProgress?.(this.#lastChunkAt);
    this.#options.tap?.push(chunk.first);
    const out = this.#options.delivery.chunk(chunk.first);
    if (out !== undefined) controller.enqueue(out);
    if (this.#options.idleMs > 0) this.#armIdle(this.#options.idleMs);
  }

  #complete(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const out = this.#options.delivery.end();
    if (out !== undefined) controller.enqueue(out);
    this.#closing();
    controller.close();
    this.#end("complete");
  }

  #fail(controller: ReadableStreamDefaultController<Uint8Array>, error: unknown): void {
    const { end, failure } = this.#options.describeFailure(error);
    if (end === "client_closed" || failure === undefined) {
      this.#end(end);
      return;
    }
    controller.enqueue(this.#options.delivery.fail(failure));
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
    if (this.#idleTimer !== undefined) this.#options.clock.clearTimeout(this.#idleTimer);
    this.#options.onEnd(how, detail);
  }

  /** One timer per stream, re-armed only when it fires early: cheaper than resetting per chunk. */
  #armIdle(ms: number): void {
    const { clock, idleMs } = this.#options;
    this.#idleTimer = clock.setTimeout(() => {
      const quiet = clock.monotonic() - this.#lastChunkAt;
      if (quiet < idleMs) return this.#armIdle(idleMs - quiet);
      this.#options.abort("idle");
      this.abandon();
    }, ms);
  }
}
