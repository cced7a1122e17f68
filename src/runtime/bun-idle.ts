/**
 * Bun's per-connection idle limit, kept on every route. Bun measures idleness from the last byte
 * *read*, so a POST waiting minutes for a model (or streaming for minutes) would be cut: the
 * limit is lifted for a POST while its handler runs (`server.timeout(request, 0)`), and put back
 * as the answer goes out — at once for a whole answer, at the stream's end for a stream. Put back
 * after the response has finished it has no effect, and a lifted limit would stay lifted for the
 * connection's whole keep-alive life (a socket held open for ever); so it is put back while the
 * response is still being written. An answer that took longer than the limit itself would be cut
 * at once by the restored timer: a whole answer then closes its connection instead; a stream that
 * long keeps its connection unlimited (it needed minutes of a real model's work to get there).
 * @module
 */
import { onStreamEnd } from "../lib/stream-end.ts";

/** Bun rejects idleTimeout values above 255 seconds. */
export const MAX_IDLE_TIMEOUT_SECONDS = 255;
/** Restoring closer than this to the limit could cut the answer's own last bytes. */
const RESTORE_MARGIN_SECONDS = 15;

const STREAM_TYPES = /^(text\/event-stream|application\/x-ndjson)/i;

/** Resolves `result`, arranging for `restore` to run while the answer is still being written. */
export async function restoreIdleLimit(
  result: Response | Promise<Response>,
  startedAt: number,
  restore: () => void,
): Promise<Response> {
  const response = await result;
  // The content type first: reading `body` of an answer built from bytes makes the runtime
  // allocate a ReadableStream for it (and its source), which a whole answer never needs.
  const stream = STREAM_TYPES.test(response.headers.get("content-type") ?? "") &&
    response.body !== null;
  if (!stream) {
    if (inTime(startedAt)) restore();
    else trySet(response.headers, "connection", "close");
    return response;
  }
  const onEnd = () => {
    if (inTime(startedAt)) restore();
  };
  // A stream Nexus built (a relay) says when it ends: no wrapper, nothing added per chunk.
  if (onStreamEnd(response.body!, onEnd)) return response;
  return new Response(untilEnd(response.body!, onEnd), {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}

/** Still early enough to put the limit back without cutting the answer's own last bytes. */
function inTime(startedAt: number): boolean {
  return performance.now() - startedAt <
    (MAX_IDLE_TIMEOUT_SECONDS - RESTORE_MARGIN_SECONDS) * 1000;
}

/**
 * `body`, calling `onEnd` once its last chunk has been handed over and before the stream closes
 * (so before Bun has finished writing it). A pull source rather than `pipeThrough` a
 * TransformStream: measured in process, the pipe added ~1 µs of CPU per chunk, this ~0.45. A
 * cancel (the client left) reaches `body`; an error in `body` errors this stream.
 */
function untilEnd(body: ReadableStream<Uint8Array>, onEnd: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (!done) return controller.enqueue(value);
      onEnd();
      controller.close();
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}

function trySet(headers: Headers, name: string, value: string): void {
  try {
    headers.set(name, value);
  } catch {
    // Immutable headers (a fetched Response passed through): leave them.
  }
}
