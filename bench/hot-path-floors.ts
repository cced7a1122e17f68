/**
 * The floors the in-process bench (bench/hot-path.bench.ts) sets Nexus beside, as handlers of
 * the same `Request`s on the same canned upstream:
 *
 * - `bare`: the bare pass-through (bench/e2e/bare-proxy.ts): parse the JSON body, fetch, return;
 * - `contract`: the bare pass-through doing, in process, everything Nexus's contract asks of the
 *   runtime per request (bench/e2e/bare-variants.ts with every switch but Bun's idle limit, which
 *   needs a server): the upstream fetch on its own AbortController, linked to the client's
 *   signal (disconnect cancellation) and to two deadlines set and cleared; `redirect: "manual"`;
 *   the headers Nexus sends upstream; a whole answer decoded and parsed; the `X-Nexus-*` headers
 *   and request id on the answer; a stream relayed by a minimal JavaScript loop.
 *
 * Nexus's time less `contract`'s is its own JavaScript (routing, admission, failover
 * bookkeeping, metrics, the log line, …): the figure bench/RESULTS.md and issue 23 divide.
 * @module
 */

export type Upstream = (input: string, init?: RequestInit) => Promise<Response>;
export type Handler = (request: Request) => Promise<Response>;

const BASE = "http://127.0.0.1:1";
const INSTANCE = "0f8e6a52-bench-hot-path-floors";

/** The bare pass-through's handler (bench/e2e/bare-proxy.ts). */
export function bareHandler(upstream: Upstream): Handler {
  return async (request) => {
    const text = await request.text();
    const body = JSON.parse(text) as { model?: string; stream?: boolean };
    const url = request.url;
    const answer = await upstream(BASE + url.slice(url.indexOf("/", 8)), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: text,
      signal: request.signal,
    });
    const headers = { "content-type": answer.headers.get("content-type") ?? "application/json" };
    if (body.stream) return new Response(answer.body, { status: answer.status, headers });
    return new Response(await answer.arrayBuffer(), { status: answer.status, headers });
  };
}

/** The bare pass-through with every runtime feature of Nexus's contract (module comment). */
export function contractHandler(upstream: Upstream): Handler {
  const decoder = new TextDecoder();
  let requests = 0;
  return async (request) => {
    const text = await request.text();
    const body = JSON.parse(text) as { model?: string; stream?: boolean };
    const id = `req-${++requests}`;
    const controller = new AbortController();
    const abort = () => controller.abort();
    const client = request.signal;
    client.addEventListener("abort", abort);
    const firstByte = setTimeout(abort, 300_000);
    const whole = setTimeout(abort, 600_000);
    const url = request.url;
    const answer = await upstream(BASE + url.slice(url.indexOf("/", 8)), {
      method: "POST",
      headers: {
        "content-type": "application/json",
        accept: "application/json, text/event-stream",
        "accept-encoding": "identity",
        "x-request-id": id,
        "x-nexus-via": INSTANCE,
      },
      body: text,
      signal: controller.signal,
      redirect: "manual",
    });
    clearTimeout(firstByte);
    const headers: Record<string, string> = {
      "content-type": answer.headers.get("content-type") ?? "application/json",
      "x-request-id": id,
      "x-nexus-backend": "bench",
      "x-nexus-backend-type": "local",
      "x-nexus-route-reason": "capability-match",
      "x-nexus-queue-wait-ms": "0",
      "x-nexus-instance": INSTANCE,
    };
    if (body.stream) {
      clearTimeout(whole);
      const done = () => client.removeEventListener("abort", abort);
      return new Response(relayed(answer.body!, done), { status: answer.status, headers });
    }
    const bytes = await answer.bytes();
    JSON.parse(decoder.decode(bytes));
    clearTimeout(whole);
    client.removeEventListener("abort", abort);
    return new Response(bytes, { status: answer.status, headers });
  };
}

/** The least a JavaScript relay does: read a chunk when asked, hand it on. */
function relayed(body: ReadableStream<Uint8Array>, done: () => void): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const read = await reader.read();
      if (read.done) {
        done();
        controller.close();
      } else controller.enqueue(read.value);
    },
    cancel: (reason) => {
      done();
      return reader.cancel(reason);
    },
  }, { highWaterMark: 0 });
}
