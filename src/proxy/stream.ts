/**
 * Streaming pass-through. The client receives the upstream's chunks as they are — the same
 * Uint8Arrays, in order, never decoded, merged or re-framed. The tap only notes time and
 * outcome. A failure after the first byte cannot change the status any more, so it becomes one
 * final OpenAI in-stream error event (`data: {"error":…}`) and the stream closes.
 * @module
 */
import type { Clock } from "../lib/clock.ts";
import type { ResponseTap } from "./tap.ts";

export type StreamEnd = "complete" | "client_closed" | "upstream_error" | "timeout";

export interface StreamTapOptions {
  readonly reader: ReadableStreamDefaultReader<Uint8Array>;
  /** Chunk already read while deciding whether to commit to this backend. */
  readonly first: Uint8Array | undefined;
  /** Pending first read when the stream was committed before its first chunk (keep-alive). */
  readonly firstRead?: Promise<ReadableStreamReadResult<Uint8Array>>;
  readonly keepAliveMs: number;
  readonly idleMs: number;
  readonly clock: Clock;
  /** Aborts the upstream request (idle deadline, client gone). */
  readonly abort: (reason: "idle" | "client") => void;
  /** Why the upstream read failed: a deadline Nexus enforced, or the backend itself. */
  readonly describeFailure: (error: unknown) => { end: StreamEnd; message: string };
  readonly onFirstByte: () => void;
  readonly onEnd: (end: StreamEnd, detail?: string) => void;
  /** Counts relayed chunks and keeps the stream's tail for usage (metrics). */
  readonly tap?: ResponseTap;
}

const encoder = new TextEncoder();
const KEEP_ALIVE = encoder.encode(": keep-alive\n\n");
const NEWLINE = 10;

export function inStreamError(message: string, code: "bad_gateway" | "gateway_timeout"): string {
  return `data: ${
    JSON.stringify({ error: { message, type: "server_error", param: null, code } })
  }\n\n`;
}

export function createPassThrough(options: StreamTapOptions): ReadableStream<Uint8Array> {
  const { reader, clock, tap } = options;
  if (tap) tap.streaming = true;
  let ended = false;
  let receivedData = options.first !== undefined;
  let lastByte = options.first?.[options.first.length - 1] ?? NEWLINE;
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

  const fail = (controller: ReadableStreamDefaultController<Uint8Array>, error: unknown) => {
    const { end: how, message } = options.describeFailure(error);
    if (how === "client_closed") {
      end(how);
      return;
    }
    // Finish a half-written event first so the error event parses on its own.
    const prefix = lastByte === NEWLINE ? "" : "\n\n";
    controller.enqueue(
      encoder.encode(
        prefix + inStreamError(message, how === "timeout" ? "gateway_timeout" : "bad_gateway"),
      ),
    );
    controller.close();
    end(how, message);
  };

  return new ReadableStream<Uint8Array>({
    start(controller) {
      if (options.first) {
        tap?.push(options.first);
        controller.enqueue(options.first);
      } else if (options.firstRead) {
        // Committed before the first token: keep idle proxies from closing the connection.
        controller.enqueue(KEEP_ALIVE);
        keepAliveTimer = setInterval(() => controller.enqueue(KEEP_ALIVE), options.keepAliveMs);
      }
      if (options.idleMs > 0) armIdle(options.idleMs);
    },
    async pull(controller) {
      try {
        const firstRead = options.firstRead;
        let result: ReadableStreamReadResult<Uint8Array>;
        if (firstRead && keepAliveTimer !== undefined) {
          result = await firstRead;
          clearInterval(keepAliveTimer);
          keepAliveTimer = undefined;
          if (!result.done) options.onFirstByte();
        } else {
          result = await reader.read();
        }
        if (result.done) {
          if (!receivedData) {
            fail(controller, new Error("the backend closed the stream before sending anything"));
            return;
          }
          controller.close();
          end("complete");
          return;
        }
        receivedData = true;
        lastChunkAt = clock.monotonic();
        lastByte = result.value[result.value.length - 1] ?? lastByte;
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
      reader.cancel(reason).catch(() => {});
    },
  });
}
