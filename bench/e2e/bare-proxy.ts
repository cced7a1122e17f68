/**
 * The floor: the least a Bun + fetch gateway can do — read the body, parse it, pick the upstream
 * by model, fetch it, and return its answer (bytes for non-stream, the upstream body stream
 * piped natively for streams). No routing state, no deadlines, no failover, no headers of its
 * own. The benchmark runs it beside Nexus so every figure has Bun's own cost next to it.
 *
 *   bun bench/e2e/bare-proxy.ts --port 0 --map bench-fast=http://127.0.0.1:PORT,...
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

const server = Bun.serve({
  hostname: "127.0.0.1",
  port: Number(values.port),
  idleTimeout: 255,
  async fetch(request) {
    const text = await request.text();
    const body = JSON.parse(text) as { model?: string; stream?: boolean };
    const base = upstreams.get(String(body.model));
    if (!base) return new Response("unknown model", { status: 404 });
    const upstream = await fetch(`${base}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: text,
      signal: request.signal,
    });
    const headers = { "content-type": upstream.headers.get("content-type") ?? "application/json" };
    if (body.stream) return new Response(upstream.body, { status: upstream.status, headers });
    return new Response(await upstream.arrayBuffer(), { status: upstream.status, headers });
  },
});
process.stdout.write(`bare-proxy listening http://127.0.0.1:${server.port}\n`);
process.on("SIGTERM", () => {
  void server.stop(true);
  process.exit(0);
});
