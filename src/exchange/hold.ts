/**
 * A streaming request whose answer takes longer than `server.sse_keepalive_seconds` to start
 * (a model loading, a queue, a backend waking) gets its 200 headers at once and the dialect's
 * keep-alive bytes until it does, so clients and proxies in front of Nexus keep the connection.
 * Forwarding goes on meanwhile — a backend that fails before its first byte is still replaced by
 * the next one — and when it ends, its body follows the keep-alives; a failure becomes one
 * in-stream error in the client's dialect.
 * @module
 */
import type { Dialect } from "../dialects/mod.ts";
import type { Clock, TimerHandle } from "../lib/clock.ts";
import { type Failure, failure } from "../lib/failures.ts";
import type { ForwardResult } from "../proxy/mod.ts";

export interface HoldOptions {
  readonly outcome: Promise<ForwardResult>;
  readonly dialect: Dialect;
  readonly model: string;
  readonly keepAliveMs: number;
  readonly clock: Clock;
  /** What the keep-alives say while waiting (`queued position=N`), when there is something to say. */
  readonly note: () => string | undefined;
  /** The client left: stop forwarding. */
  readonly cancel: (reason: unknown) => void;
  /** The body has ended, whatever the way (in-flight accounting). */
  readonly onEnd: () => void;
}

const NEWLINE = 10;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * The 200 committed now, its body the keep-alives and then the forwarding's answer; `done`
 * settles when that body has ended, whatever the way. `headers` are the exchange's own
 * (request id, rate limits, instance); the stream's are added here.
 */
export function heldAnswer(
  options: Omit<HoldOptions, "onEnd">,
  headers: Record<string, string>,
): { response: Response; done: Promise<void> } {
  let ended!: () => void;
  const done = new Promise<void>((resolve) => (ended = resolve));
  const body = new ReadableStream(new HeldBody({ ...options, onEnd: ended }));
  headers["content-type"] = options.dialect.streamContentType;
  headers["cache-control"] = "no-cache";
  headers["x-accel-buffering"] = "no";
  return { response: new Response(body, { status: 200, headers }), done };
}

export class HeldBody implements UnderlyingDefaultSource<Uint8Array> {
  readonly #options: HoldOptions;
  #inner: ReadableStreamDefaultReader<Uint8Array> | undefined;
  #timer: TimerHandle | undefined;
  #ended = false;

  constructor(options: HoldOptions) {
    this.#options = options;
  }

  start(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const { dialect, model, note } = this.#options;
    controller.enqueue(dialect.keepAlive(model, note()));
    this.#schedule(controller);
  }

  async pull(controller: ReadableStreamDefaultController<Uint8Array>): Promise<void> {
    if (this.#inner === undefined) {
      const result = await this.#options.outcome;
      this.#stopKeepAlive();
      if (this.#ended) return;
      if (this.#follow(controller, result)) return;
    }
    try {
      const read = await this.#inner!.read();
      if (read.done) return this.#close(controller);
      controller.enqueue(read.value);
    } catch {
      // The inner relay ends its own failures with an in-stream error; a throw here means the
      // client side went away first.
      this.#close(controller);
    }
  }

  cancel(reason: unknown): void {
    this.#stopKeepAlive();
    this.#finish();
    if (this.#inner !== undefined) this.#inner.cancel(reason).catch(() => {});
    else this.#options.cancel(reason);
  }

  /** Hands over to the forwarding's body; true when the stream is already finished. */
  #follow(controller: ReadableStreamDefaultController<Uint8Array>, result: ForwardResult): boolean {
    const { commit } = result;
    const { dialect } = this.#options;
    const tail = { last: NEWLINE, beforeLast: NEWLINE };
    if (commit === undefined) {
      controller.enqueue(encoder.encode(dialect.inStreamError(result.outcome.failure!, tail)));
      this.#close(controller);
      return true;
    }
    if (commit.rejection !== undefined) {
      controller.enqueue(encoder.encode(dialect.inStreamError(commit.rejection, tail)));
      this.#close(controller);
      return true;
    }
    if (commit.body instanceof ReadableStream) {
      this.#inner = commit.body.getReader();
      return false;
    }
    if (commit.status >= 400) {
      // The backend refused the request after the client got its 200: say so inside the stream.
      const text = decoder.decode(commit.body).trim().slice(0, 500);
      const refusal = failure(
        "upstream_rejected",
        `Backend ${commit.backend.name} answered HTTP ${commit.status}: ${text}`,
      );
      controller.enqueue(encoder.encode(dialect.inStreamError(refusal, tail)));
    } else {
      controller.enqueue(commit.body);
    }
    this.#close(controller);
    return true;
  }

  #close(controller: ReadableStreamDefaultController<Uint8Array>): void {
    controller.close();
    this.#finish();
  }

  #finish(): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#options.onEnd();
  }

  #schedule(controller: ReadableStreamDefaultController<Uint8Array>): void {
    const { clock, keepAliveMs, dialect, model, note } = this.#options;
    this.#timer = clock.setTimeout(() => {
      if (this.#timer === undefined) return;
      controller.enqueue(dialect.keepAlive(model, note()));
      this.#schedule(controller);
    }, keepAliveMs);
  }

  #stopKeepAlive(): void {
    if (this.#timer === undefined) return;
    this.#options.clock.clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

/** What a held stream's outcome is recorded with (its status is the 200 already sent). */
export function heldFailure(result: ForwardResult): Failure | undefined {
  return result.commit === undefined ? result.outcome.failure : result.commit.rejection;
}

/**
 * What the keep-alives say while a request waits: the backends it waits for to wake, or its
 * place in the admission queue (`queuePosition`: how many are ahead, −1 once out of it).
 */
export function holdNote(
  waking: string | undefined,
  queuePosition: (() => number) | undefined,
): string | undefined {
  if (waking !== undefined) return `waking ${waking}`;
  const ahead = queuePosition?.() ?? -1;
  return ahead >= 0 ? `queued position=${ahead + 1}` : undefined;
}

/** True when no answer has started within `ms`: a stream should get its headers now. */
export function slowerThan(
  outcome: Promise<ForwardResult>,
  ms: number,
  clock: Clock,
): Promise<boolean> {
  // One promise and one timer: this runs for every stream (a race, a then and a finally cost
  // three more promises per request, bench/RESULTS.md).
  return new Promise<boolean>((resolve, reject) => {
    const timer = clock.setTimeout(() => resolve(true), ms);
    outcome.then(() => {
      clock.clearTimeout(timer);
      resolve(false);
    }, (error) => {
      clock.clearTimeout(timer);
      reject(error);
    });
  });
}
