/**
 * The request path in process: Nexus's JavaScript per request, without sockets. Each case sends
 * a real `Request` to the gateway's fetch handler (what `Bun.serve` calls) and reads the whole
 * answer; the upstream is a fetch that returns canned bytes — a ~1.4 KB chat completion, an
 * embeddings answer, or a chat stream whose events each arrive as their own chunk. The figure is
 * the process's CPU time per request (or per upstream event), so a loaded machine moves it
 * little; beside it, the same upstream answered with no gateway at all ("upstream alone") and
 * through the least a gateway can do (the bare pass-through's handler, in process).
 *
 *   bun bench/hot-path.bench.ts [--root DIR] [--only chat,stream,...] [--batches 15]
 *
 * `--gap MS` spaces a stream's upstream events MS apart (with `--concurrency 16 --batch 100`, as
 * the end-to-end doors row sends them: each event handled on its own wake-up, not back to back).
 * A translated event costs ~3× its back-to-back figure when handled alone (issue 23: the end-to-end
 * per-event extra is the in-process one at `--gap 1`, not a cost of sockets or of the relay).
 *
 * `--root` measures the sources of another checkout (before/after a change: the figures in
 * bench/RESULTS.md and the commit messages). `deno run -A bench/hot-path.bench.ts` measures Deno.
 * With NEXUS_BENCH_SMOKE=1 (`npm test`) every case runs a few times and nothing is reported.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { completionBody, newReplyMeta, streamSteps } from "../tests/mock/chat.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string", multiple: true, default: [] },
    only: { type: "string" },
    batches: { type: "string", default: "15" },
    batch: { type: "string", default: "2000" },
    "log-level": { type: "string", default: "info" },
    "no-bare": { type: "boolean", default: false },
    concurrency: { type: "string", default: "1" },
    gap: { type: "string", default: "0" },
  },
});
const SMOKE = process.env.NEXUS_BENCH_SMOKE === "1";
const CONCURRENCY = Number(values.concurrency);
/** Milliseconds between a stream's upstream events (0: each as soon as it is read). */
const GAP_MS = Number(values.gap);
/** `DIR` or `DIR#LEVEL` (that gateway's log level). */
const ROOTS = (values.root.length ? values.root : [new URL("../", import.meta.url).pathname]).map(
  (spec) => {
    const [root, level] = spec.split("#") as [string, string | undefined];
    const href = new URL(root.endsWith("/") ? root : `${root}/`, `file://${process.cwd()}/`).href;
    return { href, level: level ?? values["log-level"] };
  },
);

const MODEL = "bench-fast";
const encoder = new TextEncoder();
/** Events per upstream stream in the stream cases (role, content pieces, finish, [DONE]). */
const CONTENT_EVENTS = 50;

const chatRequest = (stream: boolean, tools = false) => ({
  model: MODEL,
  stream,
  includeUsage: false,
  promptTokens: 40,
  ...(tools ? { toolName: "search" } : {}),
});
const meta = {
  id: "chatcmpl-Bench0123456789abcdefghijklmnopq",
  created: 1_764_000_000,
  fingerprint: "fp_mock",
};
void newReplyMeta;
const COMPLETION = encoder.encode(completionBody(chatRequest(false), meta, "x".repeat(1000)));
const EMBEDDING = encoder.encode(JSON.stringify({
  object: "list",
  data: [{ object: "embedding", index: 0, embedding: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] }],
  model: MODEL,
  usage: { prompt_tokens: 4, total_tokens: 4 },
}));
const timing = (chunks: number) => ({
  ttftMs: 0,
  chunkGapMs: 0,
  chunks,
  toolChunks: 50,
  toolArguments: JSON.stringify({ query: "q".repeat(300), limit: 25 }),
});
function sseEvents(tools: boolean): Uint8Array[] {
  let seq = 0;
  return streamSteps(
    chatRequest(true, tools),
    meta,
    "y".repeat(CONTENT_EVENTS * 8),
    timing(
      CONTENT_EVENTS,
    ),
  ).map((step) =>
    encoder.encode(
      step.stamped ? `data: ${step.text},"x_seq":${seq++},"x_sent_ms":1.5}\n\n` : step.text,
    )
  );
}
const TEXT_STREAM = sseEvents(false);
const TOOL_STREAM = sseEvents(true);

const JSON_HEADERS = { "content-type": "application/json" };
/**
 * A whole answer's headers as a real backend sends them: vLLM, llama.cpp and Ollama declare its
 * length, and the proxy reads a declared body natively (src/lib/limits.ts).
 */
function declared(body: Uint8Array): Record<string, string> {
  return { ...JSON_HEADERS, "content-length": String(body.byteLength) };
}
const COMPLETION_HEADERS = declared(COMPLETION);
const EMBEDDING_HEADERS = declared(EMBEDDING);
const SSE_HEADERS = { "content-type": "text/event-stream" };

function streamOf(events: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  const next = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (i < events.length) controller.enqueue(events[i++]!);
    else controller.close();
  };
  return new ReadableStream({
    pull(controller) {
      if (GAP_MS === 0 || i === 0) return next(controller);
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          next(controller);
          resolve();
        }, GAP_MS)
      );
    },
  }, { highWaterMark: 0 });
}

/** The canned upstream: health probes and feature probes too, so backends become routable. */
function upstream(input: string, init: RequestInit = {}): Promise<Response> {
  return Promise.resolve(answer(input, init));
}

function answer(input: string, init: RequestInit): Response {
  const path = input.slice(input.indexOf("/", 8));
  if (path === "/v1/models") {
    return Response.json({ object: "list", data: [{ id: MODEL, object: "model" }] });
  }
  if (init.method !== "POST" && init.method !== undefined) return new Response("", { status: 404 });
  if (path === "/v1/chat/completions") {
    const text = typeof init.body === "string"
      ? init.body
      : new TextDecoder().decode(init.body as Uint8Array);
    const body = JSON.parse(text) as { stream?: boolean; tools?: unknown };
    if (!body.stream) return new Response(COMPLETION, { headers: COMPLETION_HEADERS });
    return new Response(streamOf(body.tools ? TOOL_STREAM : TEXT_STREAM), { headers: SSE_HEADERS });
  }
  if (path === "/v1/embeddings") return new Response(EMBEDDING, { headers: EMBEDDING_HEADERS });
  return new Response('{"error":"not found"}', { status: 404, headers: JSON_HEADERS });
}

/** The bare pass-through's handler (bench/e2e/bare-proxy.ts), on the same canned upstream. */
async function bare(request: Request): Promise<Response> {
  const text = await request.text();
  const body = JSON.parse(text) as { model?: string; stream?: boolean };
  const url = request.url;
  const answer = await upstream("http://127.0.0.1:1" + url.slice(url.indexOf("/", 8)), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: text,
    signal: request.signal,
  });
  const headers = { "content-type": answer.headers.get("content-type") ?? "application/json" };
  if (body.stream) return new Response(answer.body, { status: answer.status, headers });
  return new Response(await answer.arrayBuffer(), { status: answer.status, headers });
}

type Handler = (request: Request) => Promise<Response>;
const conn = { remoteAddress: "127.0.0.1" };

/** A gateway built from the sources under `root` (each root is its own copy of every module). */
async function nexusFrom(
  { href: root, level }: { href: string; level: string },
): Promise<{ handler: Handler; stop: () => Promise<void> }> {
  const { createGateway } = await import(`${root}src/gateway.ts`);
  const { configSchema } = await import(`${root}src/config/mod.ts`);
  const { Logger } = await import(`${root}src/lib/logger.ts`);
  const config = configSchema.parse({
    server: { host: "127.0.0.1", port: 0 },
    discovery: { enabled: false },
    backends: [{ name: "fast", url: "http://127.0.0.1:1", type: "generic" }],
  });
  const lines: string[] = [];
  const logger = new Logger({
    level,
    format: "pretty",
    // What `nexus serve` does with a line (src/cli/serve.ts batches them): kept, dropped in bulk.
    write: (line: string) => {
      lines.push(line);
      if (lines.length > 1000) lines.length = 0;
    },
  });
  const gateway = createGateway({ config, env: {}, logger, fetch: upstream, probeFetch: upstream });
  await gateway.start();
  return {
    handler: async (request) => await gateway.fetch(request, conn),
    stop: () => gateway.stop(),
  };
}

interface Case {
  readonly name: string;
  readonly path: string;
  readonly body: string;
  /** The body's length in bytes. */
  readonly bytes?: number;
  /** Upstream events per request (stream cases), for the per-event figure. */
  readonly events?: number;
  /** The upstream answers with the tool-call stream (translated doors' upstream-alone figure). */
  readonly tools?: boolean;
}

const chat = (stream: boolean, tools = false) =>
  JSON.stringify({
    model: MODEL,
    messages: [
      { role: "system", content: "You are a helpful assistant running in a home lab." },
      { role: "user", content: "Explain in three sentences what an LLM gateway does." },
    ],
    stream,
    temperature: 0.7,
    max_tokens: 256,
    ...(tools
      ? {
        tools: [{ type: "function", function: { name: "search", parameters: { type: "object" } } }],
      }
      : {}),
  });

const CASES: Case[] = [
  { name: "chat", path: "/v1/chat/completions", body: chat(false) },
  {
    name: "embeddings",
    path: "/v1/embeddings",
    body: JSON.stringify({ model: MODEL, input: "hello" }),
  },
  { name: "stream", path: "/v1/chat/completions", body: chat(true), events: TEXT_STREAM.length },
  {
    name: "tool-stream",
    path: "/v1/chat/completions",
    body: chat(true, true),
    events: TOOL_STREAM.length,
    tools: true,
  },
  {
    name: "responses-stream",
    path: "/v1/responses",
    body: JSON.stringify({
      model: MODEL,
      input: "Explain what an LLM gateway does.",
      stream: true,
    }),
    events: TEXT_STREAM.length,
  },
  {
    name: "responses-tool-stream",
    path: "/v1/responses",
    body: JSON.stringify({
      model: MODEL,
      input: "Search for what an LLM gateway does.",
      tools: [{ type: "function", name: "search", parameters: { type: "object" } }],
      stream: true,
    }),
    events: TOOL_STREAM.length,
    tools: true,
  },
  {
    name: "ollama-stream",
    path: "/api/chat",
    body: JSON.stringify({
      model: MODEL,
      messages: [{ role: "user", content: "Explain what an LLM gateway does." }],
      stream: true,
    }),
    events: TEXT_STREAM.length,
  },
  {
    name: "anthropic-stream",
    path: "/v1/messages",
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 256,
      messages: [{ role: "user", content: "Explain what an LLM gateway does." }],
      stream: true,
    }),
    events: TEXT_STREAM.length,
  },
  {
    name: "anthropic-tool-stream",
    path: "/v1/messages",
    body: JSON.stringify({
      model: MODEL,
      max_tokens: 256,
      messages: [{ role: "user", content: "Search for what an LLM gateway does." }],
      tools: [{ name: "search", input_schema: { type: "object" } }],
      stream: true,
    }),
    events: TOOL_STREAM.length,
    tools: true,
  },
];

async function once(handler: Handler, c: Case): Promise<void> {
  const response = await handler(
    new Request(`http://127.0.0.1:8000${c.path}`, {
      method: "POST",
      // As HTTP clients send it: the body's length is declared.
      headers: { "content-type": "application/json", "content-length": String(c.bytes) },
      body: c.body,
    }),
  );
  const bytes = await response.arrayBuffer();
  if (response.status !== 200 || bytes.byteLength === 0) {
    throw new Error(
      `${c.name}: ${response.status} ${new TextDecoder().decode(bytes).slice(0, 300)}`,
    );
  }
}

function collectGarbage(): void {
  const bun = (globalThis as { Bun?: { gc(force: boolean): void } }).Bun;
  if (bun) bun.gc(true);
  else (globalThis as { gc?: () => void }).gc?.();
}

/** `total` requests, `--concurrency` of them in flight at once (as a server under load has). */
async function inParallel(
  total: number,
  job: (handler: Handler) => Promise<void>,
  handler: Handler,
): Promise<void> {
  let started = 0;
  const worker = async () => {
    while (started < total) {
      started++;
      await job(handler);
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, total) }, worker));
}

/** CPU µs per request of each handler: batches interleaved, the median per handler. */
async function measure(handlers: readonly Handler[], c: Case, batches: number, size: number) {
  for (const handler of handlers) for (let i = 0; i < size; i++) await once(handler, c);
  const perRequest: number[][] = handlers.map(() => []);
  for (let b = 0; b < batches; b++) {
    for (let k = 0; k < handlers.length; k++) {
      // Rotated, and the garbage of the last batch collected first: one handler's allocations
      // must not be collected on the next one's time.
      const h = (k + b) % handlers.length;
      collectGarbage();
      const before = process.cpuUsage();
      await inParallel(size, (handler) => once(handler, c), handlers[h]!);
      const used = process.cpuUsage(before);
      perRequest[h]!.push((used.user + used.system) / size);
    }
  }
  const median = (list: number[]) => [...list].sort((a, b) => a - b)[Math.floor(list.length / 2)]!;
  // Each batch against the first handler's batch just before it: the load moves both alike.
  const ratios = perRequest.map((list) => median(list.map((x, i) => x / perRequest[0]![i]!)));
  return { medians: perRequest.map(median), ratios };
}

const only = values.only ? new Set(values.only.split(",")) : undefined;
const batches = SMOKE ? 1 : Number(values.batches);
const size = SMOKE ? 3 : Number(values.batch);
const r = (x: number) => Math.round(x * 100) / 100;
const nexuses = [];
for (const root of ROOTS) nexuses.push(await nexusFrom(root));
const names = ROOTS.map((_root, i) => ROOTS.length === 1 ? "nexus" : `nexus#${i}`);
if (!SMOKE) {
  process.stdout.write(
    `CPU µs per request (median of ${batches} interleaved batches of ${size}` +
      `${GAP_MS > 0 ? `, events ${GAP_MS} ms apart, ${CONCURRENCY} at once` : ""})\n` +
      ROOTS.map((root, i) => `  ${names[i]}: ${root.href} (log ${root.level})\n`).join("") +
      `case              ${names.map((n) => n.padStart(8)).join(" ")}     bare  upstream  ` +
      "first−bare  per event (first−upstream)  ratios to the first\n",
  );
}
for (const raw of CASES) {
  if (only && !only.has(raw.name)) continue;
  const c = { ...raw, bytes: encoder.encode(raw.body).length };
  const upstreamOnly: Handler = async (request) => {
    await request.text();
    const direct = c.path === "/v1/chat/completions" || c.path === "/v1/embeddings";
    return await upstream(`http://127.0.0.1:1${direct ? c.path : "/v1/chat/completions"}`, {
      method: "POST",
      body: direct ? c.body : chat(c.events !== undefined, c.tools),
    });
  };
  const passthrough = c.path === "/v1/chat/completions" || c.path === "/v1/embeddings";
  const extra = values["no-bare"] ? [] : passthrough ? [bare, upstreamOnly] : [upstreamOnly];
  const { medians, ratios } = await measure(
    [...nexuses.map((n) => n.handler), ...extra],
    c,
    batches,
    size,
  );
  if (SMOKE) continue;
  const n = medians[0]!;
  const b = passthrough && !values["no-bare"] ? medians[nexuses.length]! : Number.NaN;
  const u = values["no-bare"] ? Number.NaN : medians[medians.length - 1]!;
  const perEvent = c.events ? r((n - u) / c.events) : "";
  process.stdout.write(
    `${c.name.padEnd(17)} ${
      medians.slice(0, nexuses.length).map((m) => String(r(m)).padStart(8)).join(" ")
    }  ${String(r(b)).padStart(7)}  ${String(r(u)).padStart(8)}  ${
      String(r(n - b)).padStart(10)
    }  ${String(perEvent).padStart(9)}                  ${
      ratios.slice(0, nexuses.length).map(r).join(" ")
    }\n`,
  );
}
for (const n of nexuses) await n.stop();
process.exit(0);
