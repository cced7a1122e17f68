/**
 * The bare pass-through (bench/e2e/bare-proxy.ts) with, one switch at a time, each thing Nexus
 * asks of the runtime per request: what those cost on their own, apart from Nexus's JavaScript.
 * It answers "is this miss the runtime's?" (bench/RESULTS.md, "How the gap divides"). Bun only.
 *
 *   bun bench/cpu.ts --gateway bare --gateway relay=script:bench/e2e/bare-variants.ts:relay \
 *     --gateway all=script:bench/e2e/bare-variants.ts:signal+manual+headers+parse+timers+idle+answer
 *
 * Switches (BARE_FLAGS, comma-separated; `+` in a cpu.ts gateway spec):
 * - `signal`: the upstream fetch gets its own AbortController's signal (Nexus's Attempt);
 * - `client`: with `signal`, that controller also aborts when the client leaves (a listener on
 *   the request's signal, removed once answered): Nexus's disconnect cancellation;
 * - `manual`: `redirect: "manual"` (the upstream guard);
 * - `headers`: the six headers Nexus sends upstream (accept, identity encoding, request id, Via);
 * - `parse`: the whole answer decoded and parsed (Nexus checks a 2xx is JSON and reads usage);
 * - `timers`: two deadlines set and cleared (first byte, request);
 * - `idle`: Bun's idle limit lifted while the answer is awaited and put back (src/runtime/bun-idle.ts);
 * - `answer`: the X-Nexus-* headers and request id on the answer;
 * - `relay`: a stream relayed by a minimal JavaScript pull loop instead of piped natively — the
 *   least any gateway that looks at each chunk (metrics, deadlines, translation) pays per chunk.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";

const { values } = parseArgs({
  args: process.argv.slice(2),
  options: { port: { type: "string", default: "0" }, map: { type: "string", default: "" } },
});
const upstreams = new Map(
  values.map!.split(",").filter(Boolean).map((pair) => pair.split("=") as [string, string]),
);
const flags = new Set((process.env.BARE_FLAGS ?? "").split(",").filter(Boolean));
const decoder = new TextDecoder();
let requests = 0;

async function handle(request: Request): Promise<Response> {
  const text = await request.text();
  const body = JSON.parse(text) as { model?: string; stream?: boolean };
  const base = upstreams.get(String(body.model));
  if (!base) return new Response("unknown model", { status: 404 });
  const id = `req-${++requests}`;
  const init: RequestInit = {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: text,
    signal: request.signal,
  };
  const controller = flags.has("signal") ? new AbortController() : undefined;
  if (controller) init.signal = controller.signal;
  // Only with `client`: the other variants allocate nothing more than before.
  const client = controller && flags.has("client") ? request.signal : undefined;
  const abort = client && (() => controller!.abort());
  if (abort) client!.addEventListener("abort", abort);
  if (flags.has("manual")) init.redirect = "manual";
  if (flags.has("headers")) {
    init.headers = {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "accept-encoding": "identity",
      "x-request-id": id,
      "x-nexus-via": "0f8e6a52-bench-bare-variants",
    };
  }
  const timers = flags.has("timers")
    ? [300_000, 600_000].map((ms) => setTimeout(() => controller?.abort(), ms))
    : [];
  const url = request.url;
  const upstream = await fetch(base + url.slice(url.indexOf("/", 8)), init);
  clearTimeout(timers[0]);
  const headers: Record<string, string> = {
    "content-type": upstream.headers.get("content-type") ?? "application/json",
  };
  if (flags.has("answer")) {
    headers["x-request-id"] = id;
    headers["x-nexus-backend"] = "bench";
    headers["x-nexus-backend-type"] = "local";
    headers["x-nexus-route-reason"] = "capability-match";
    headers["x-nexus-queue-wait-ms"] = "0";
    headers["x-nexus-instance"] = "0f8e6a52-bench-bare-variants";
  }
  if (body.stream) {
    clearTimeout(timers[1]);
    if (abort) client!.removeEventListener("abort", abort);
    const stream = flags.has("relay") ? relayed(upstream.body!) : upstream.body;
    return new Response(stream, { status: upstream.status, headers });
  }
  const bytes = await upstream.bytes();
  if (flags.has("parse")) JSON.parse(decoder.decode(bytes));
  clearTimeout(timers[1]);
  if (abort) client!.removeEventListener("abort", abort);
  return new Response(bytes, { status: upstream.status, headers });
}

/** The least a JavaScript relay does: read a chunk when asked, hand it on. */
function relayed(body: ReadableStream<Uint8Array>): ReadableStream<Uint8Array> {
  const reader = body.getReader();
  return new ReadableStream<Uint8Array>({
    async pull(controller) {
      const read = await reader.read();
      if (read.done) controller.close();
      else controller.enqueue(read.value);
    },
    cancel: (reason) => reader.cancel(reason),
  }, { highWaterMark: 0 });
}

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  idleTimeout: 255,
  maxRequestBodySize: 64 * 1024 * 1024,
  fetch: flags.has("idle")
    ? async (request, bun) => {
      bun.timeout(request, 0);
      const response = await handle(request);
      bun.timeout(request, 255);
      return response;
    }
    : handle,
});
process.stdout.write(`bare-proxy listening http://127.0.0.1:${server.port}\n`);
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    void server.stop(true);
    process.exit(0);
  });
}
