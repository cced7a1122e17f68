/**
 * The floor: the least a JavaScript gateway can do — read the body, parse it, pick the upstream
 * by model, fetch it, and return its answer (bytes for non-stream, the upstream body stream
 * piped natively for streams). No routing state, no deadlines, no failover, no headers of its
 * own. The benchmark runs it beside Nexus so every figure has the runtime's own cost next to
 * it; it runs under Bun (`Bun.serve`) or Deno (`Deno.serve`), whichever started it.
 *
 *   bun bench/e2e/bare-proxy.ts --port 0 --map bench-fast=http://127.0.0.1:PORT,...
 *   deno run -A bench/e2e/bare-proxy.ts --port 0 --map ...
 *
 * The upstream path is the client's (`/v1/chat/completions`, `/v1/embeddings` …), so every
 * passthrough front door has its floor too.
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

async function handle(request: Request): Promise<Response> {
  const text = await request.text();
  const body = JSON.parse(text) as { model?: string; stream?: boolean };
  const base = upstreams.get(String(body.model));
  if (!base) return new Response("unknown model", { status: 404 });
  const url = request.url;
  const upstream = await fetch(base + url.slice(url.indexOf("/", 8)), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: text,
    signal: request.signal,
  });
  const headers = { "content-type": upstream.headers.get("content-type") ?? "application/json" };
  if (body.stream) return new Response(upstream.body, { status: upstream.status, headers });
  return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers });
}

const deno = (globalThis as { Deno?: typeof Deno }).Deno;
let stop: () => unknown;
if (deno) {
  const server = deno.serve(
    { hostname: "127.0.0.1", port: Number(values.port), onListen: () => {} },
    handle,
  );
  process.stdout.write(`bare-proxy listening http://127.0.0.1:${server.addr.port}\n`);
  stop = () => server.shutdown();
} else {
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: Number(values.port),
    idleTimeout: 255,
    maxRequestBodySize: 64 * 1024 * 1024,
    fetch: handle,
  });
  process.stdout.write(`bare-proxy listening http://127.0.0.1:${server.port}\n`);
  stop = () => server.stop(true);
}
for (const signal of ["SIGTERM", "SIGINT"] as const) {
  process.on(signal, () => {
    void stop();
    process.exit(0);
  });
}
