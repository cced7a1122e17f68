/**
 * Delivers a list of events as a response body: one event per enqueue, paced by the request's
 * lifetime timers, optionally stopping mid-way (hang or connection cut).
 *
 * Bun completes the response header block only with the first body chunk (oven-sh/bun#33660),
 * so under Bun a stream's headers arrive with its first event; under Deno they arrive at once.
 * The mock does not pad the stream with a comment to hide this: its bytes stay the real
 * servers' bytes.
 * @module
 */
import { DONE_EVENT, type SseStep } from "./chat.ts";
import type { Exchange, StreamCut } from "./context.ts";
import { now } from "./http.ts";

export const SSE_HEADERS = { "content-type": "text/event-stream", "cache-control": "no-cache" };

export interface BodyOptions {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly cut?: StreamCut;
}

const encoder = new TextEncoder();

function render(step: SseStep, seq: number): string {
  if (!step.stamped) return step.text;
  const sentMs = Math.round(now() * 1000) / 1000;
  return `data: ${step.text},"x_seq":${seq},"x_sent_ms":${sentMs}}\n\n`;
}

/** A streamed response whose body is `steps`; the exchange's lifetime owns every timer. */
export function streamBody(
  steps: readonly SseStep[],
  exchange: Exchange,
  options: BodyOptions = {},
) {
  const { life, rec } = exchange;
  const cut = options.cut;
  const closed = exchange.streams.opened();
  let controller: ReadableStreamDefaultController<Uint8Array> | undefined;
  let index = 0;
  let seq = 0;
  const body = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    async pull(c) {
      if (cut && index === cut.afterChunks) {
        if (cut.mode === "hang") {
          await life.untilEnd();
          return;
        }
        // Bun writes enqueued bytes on a later tick: cutting in this one would drop them too, and on
        // a loaded machine even the next tick can be too soon (seen in CI). A short pause lets
        // them reach the socket first.
        if (await life.sleep(25)) {
          life.end("cut");
          errorQuietly(c);
        }
        return;
      }
      const step = steps[index++]!;
      if (step.delayMs > 0 && !(await life.sleep(step.delayMs))) return;
      if (life.ended) return;
      c.enqueue(encoder.encode(render(step, step.stamped ? seq++ : seq)));
      // A cut placed after the last event still drops the connection instead of ending cleanly.
      if (index === steps.length && cut?.afterChunks !== index) {
        c.close();
        rec.completedAt = now();
        life.end("completed");
      }
    },
    cancel() {
      exchange.clientGone();
    },
    // No read-ahead: an event is produced only when the server asks for the next one.
  }, { highWaterMark: 0 });
  // Registered once start() has run: a lifetime that already ended calls back at once.
  life.onEnd((reason) => {
    closed();
    // The client left or the mock shuts down: cut the connection if it is still open.
    if (reason === "aborted" || reason === "shutdown") errorQuietly(controller);
  });
  return new Response(body, {
    status: options.status ?? 200,
    headers: options.headers ?? SSE_HEADERS,
  });
}

/**
 * Errors the stream so the server drops the connection. The reason is `undefined` on purpose:
 * Bun prints any other reason as an uncaught error.
 */
function errorQuietly(controller: ReadableStreamDefaultController<Uint8Array> | undefined) {
  try {
    controller?.error(undefined);
  } catch {
    // Already closed or cancelled: nothing left to cut.
  }
}

/** Half of a complete answer, then silence or a cut: a server that died mid-body. */
export function partialBody(text: string, response: Response, exchange: Exchange, cut: StreamCut) {
  const half = text.slice(0, Math.floor(text.length / 2));
  return streamBody([{ delayMs: 0, text: half, stamped: false }], exchange, {
    status: response.status,
    headers: Object.fromEntries(response.headers),
    cut: { afterChunks: 1, mode: cut.mode },
  });
}

/** 200 text/event-stream that no SSE parser can make sense of, and no `[DONE]`. */
export function garbageSse(exchange: Exchange): Response {
  const raw = (text: string): SseStep => ({ delayMs: 0, text, stamped: false });
  return streamBody([
    raw("this line is not server-sent events\n"),
    raw('data {"missing":"the colon"}\n\n'),
    raw("data: not json at all\n\n"),
    raw('data: {"object":"chat.completion.chunk","choices":[{"delta":\n\n'),
  ], exchange);
}

/** A stream whose second event is truncated JSON, then `[DONE]`. */
export function malformedSse(exchange: Exchange, model: string): Response {
  return streamBody([
    {
      delayMs: 0,
      text: `{"id":"chatcmpl-mock","object":"chat.completion.chunk","created":0,` +
        `"model":${JSON.stringify(model)},"choices":[{"index":0,"delta":{"role":"assistant",` +
        `"content":""},"logprobs":null,"finish_reason":null}]`,
      stamped: true,
    },
    {
      delayMs: 0,
      text: 'data: {"id":"chatcmpl-mock","choices":[{"delta":{"content":"Hel\n\n',
      stamped: false,
    },
    { delayMs: 0, text: DONE_EVENT, stamped: false },
  ], exchange);
}
