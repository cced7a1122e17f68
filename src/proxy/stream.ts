/**
 * Streaming pass-through. The client receives the upstream's chunks as they are — the same
 * Uint8Arrays, in order, never decoded, merged or re-framed. The tap only notes time and
 * outcome. A failure after the first byte cannot change the status any more, so it becomes one
 * final OpenAI in-stream error event (`data: {"error":…}`) and the stream closes.
 *
 * A stream may be committed before its first chunk exists (the backend is slow to produce its
 * first token): it then opens with `: keep-alive` comments, which SSE clients ignore, so proxies
 * in front of Nexus do not cut a quiet connection.
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import type { ResponseTap } from "./tap.ts";

export type StreamEnd = "complete" | "client_closed" | "upstream_error" | "timeout" | "shutdown";

/** The first chunk of an upstream stream, or the reason there will be none. */
export type FirstChunk =
  | {
    readonly ok: true;
    readonly reader: ReadableStreamDefaultReader<Uint8Array>;
    readonly first: Uint8Array;
  }
  | { readonly ok: false; readonly error: unknown };

export interface StreamTapOptions {
  /** The first chunk in hand, or (committed early) the promise of it. */
  readonly start: Extract<FirstChunk, { ok: true }> | Promise<FirstChunk>;
  readonly keepAliveMs: number;
  readonly idleMs: number;
  readonly clock: Clock;
  /** Aborts the upstream request (idle deadline, client gone). */
  readonly abort: (reason: "idle" | "client") => void;
  /** Why the upstream failed: a deadline Nexus enforced, or the backend itself. */
  readonly describeFailure: (
    error: unknown,
  ) => { end: Exclude<StreamEnd, "complete">; message: string };
  /** Called when the first chunk arrives after an early commit. */
  readonly onFirstByte: () => void;
  readonly onEnd: (end: StreamEnd, detail?: string) => void;
  /** Counts relayed SSE events and keeps the stream's tail for usage (metrics). */
  readonly tap?: ResponseTap;
}

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");
const NEWLINE = 10;

export type InStreamErrorCode = "bad_gateway" | "gateway_timeout" | "service_unavailable";

const CODE_FOR: Record<Exclude<StreamEnd, "complete" | "client_closed">, InStreamErrorCode> = {
  upstream_error: "bad_gateway",
  timeout: "gateway_timeout",
  shutdown: "service_unavailable",
};

export function inStreamError(message: string, code: InStreamErrorCode): string {
  return `data: ${
    JSON.stringify({ error: { message, type: "server_error", param: null, code } })
  }\n\n`;
}

export function createPassThrough(options: StreamTapOptions): ReadableStream<Uint8Array> {
  const { clock, tap } = options;
  if (tap) tap.streaming = true;
  let reader: ReadableStreamDefaultReader<Uint8Array> | undefined;
  let ended = false;
  let lastByte = NEWLINE;
  let beforeLast = NEWLINE;
  let lastChunkAt = clock.monotonic();
  let idleTimer: ReturnType<Clock["setTimeout"]> | undefined;
  let keepAliveTimer: ReturnType<typeof setInterval> | undefined;

  const end = (how: StreamEnd, detail?: string) => {
    if (ended) return;
    ended = true;
    if (idleTimer !== undefined) clock.clearTimeout(idleTimer);
    if (keepAliveTimer !== undefined) clearInterval(keepAliveTimer);
    options.onEnd(how, detail);
  };

  // One timer per stream, re-armed only when it fires early: cheaper than resetting per chunk.
  const armIdle = (ms: number) => {
    idleTimer = clock.setTimeout(() => {
      const quiet = clock.monotonic() - lastChunkAt;
      if (quiet >= options.idleMs) options.abort("idle");
      else armIdle(options.idleMs - quiet);
    }, ms);
  };

  const noteEnd = (bytes: Uint8Array) => {
    if (bytes.length === 0) return;
    beforeLast = bytes.length >= 2 ? bytes[bytes.length - 2]! : lastByte;
    lastByte = bytes[bytes.length - 1]!;
  };

  const begin = (
    controller: ReadableStreamDefaultController<Uint8Array>,
    chunk: Extract<FirstChunk, { ok: true }>,
  ) => {
    reader = chunk.reader;
    lastChunkAt = clock.monotonic();
    noteEnd(chunk.first);
    tap?.push(chunk.first);
    controller.enqueue(chunk.first);
    if (options.idleMs > 0) armIdle(options.idleMs);
  };

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown) => {
    const { end: how, message } = options.describeFailure(error);
    if (how === "client_closed") {
      end(how);
      return;
    }
    // Finish a half-written event first so the error event parses on its own: a line cut
    // short needs a blank line after it, an ended line only the blank line.
    const prefix = lastByte !== NEWLINE ? "\n\n" : beforeLast !== NEWLINE ? "\n" : "";
    controller.enqueue(
      encoder.encode(
        prefix + inStreamError(message, CODE_FOR[how]),
      ),
    );
    controller.close();
    end(how, message);
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (!(options.start instanceof Promise)) {
        begin(controller, options.start);
        return;
      }
      controller.enqueue(KEEP_ALIVE);
      keepAliveTimer = setInterval(() => controller.enqueue(KEEP_ALIVE), options.keepAliveMs);
    },
    async pull(controller) {
      try {
        if (!reader) {
          const first = await (options.start as Promise<FirstChunk>);
          clearInterval(keepAliveTimer);
          keepAliveTimer = undefined;
          if (ended) return;
          if (!first.ok) return fail(controller, first.error);
          options.onFirstByte();
          begin(controller, first);
          return;
        }
        const result = await reader.read();
        if (result.done) {
          controller.close();
          end("complete");
          return;
        }
        lastChunkAt = clock.monotonic();
        noteEnd(result.value);
        tap?.push(result.value);
        controller.enqueue(result.value);
      } catch (error) {
        if (ended) return;
        fail(controller, error);
      }
    },
    cancel(reason) {
      end("client_closed");
      options.abort("client");
      reader?.cancel(reason).catch(() => {});
    },
  });
}
