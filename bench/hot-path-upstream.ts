/**
 * What the in-process benches (bench/hot-path.bench.ts, bench/alloc-count.ts) send and answer:
 * the canned upstream (a ~1.4 KB chat completion, an embeddings answer, chat streams whose events
 * each arrive as their own chunk), the request cases, and a gateway built from a checkout's
 * sources on that upstream.
 * @module
 */
import { completionBody, newReplyMeta, streamSteps } from "../tests/mock/chat.ts";
import type { Handler } from "./hot-path-floors.ts";

export const MODEL = "bench-fast";
export const encoder = new TextEncoder();
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
/** The text stream's events, each its own chunk (bench/stream-heap.ts stalls them). */
export const TEXT_STREAM = sseEvents(false);
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

/**
 * Milliseconds between a stream's upstream events (0: each as soon as it is read). The doors row
 * end to end sends them 1 ms apart: each event then runs on its own wake-up (`--gap`).
 */
export const streamTiming = { gapMs: 0 };

function streamOf(events: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let i = 0;
  const next = (controller: ReadableStreamDefaultController<Uint8Array>) => {
    if (i < events.length) controller.enqueue(events[i++]!);
    else controller.close();
  };
  return new ReadableStream({
    pull(controller) {
      if (streamTiming.gapMs === 0 || i === 0) return next(controller);
      return new Promise<void>((resolve) =>
        setTimeout(() => {
          next(controller);
          resolve();
        }, streamTiming.gapMs)
      );
    },
  }, { highWaterMark: 0 });
}

/** The canned upstream: health probes and feature probes too, so backends become routable. */
export function upstream(input: string, init: RequestInit = {}): Promise<Response> {
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

const conn = { remoteAddress: "127.0.0.1" };

/**
 * A gateway built from the sources under `root` (each root is its own copy of every module), on
 * the canned upstream (or `fetch`).
 */
export async function nexusFrom(
  { href: root, level, fetch = upstream }: {
    href: string;
    level: string;
    fetch?: (input: string, init?: RequestInit) => Promise<Response>;
  },
): Promise<{ handler: Handler; stop: () => Promise<void> }> {
  const { createGateway } = await import(`${root}src/gateway.ts`);
  const configModule = await import(`${root}src/config/mod.ts`);
  // `configSchema` before the schema was built on demand (a base checkout may be older).
  const schema = configModule.buildConfigSchema?.() ?? configModule.configSchema;
  const { Logger } = await import(`${root}src/lib/logger.ts`);
  const config = schema.parse({
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
  const gateway = createGateway({ config, env: {}, logger, fetch, probeFetch: upstream });
  await gateway.start();
  return {
    // No async layer of the bench's own around it (the contract handler has none either).
    handler: (request) => Promise.resolve(gateway.fetch(request, conn)),
    stop: () => gateway.stop(),
  };
}

export interface Case {
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

export const chat = (stream: boolean, tools = false) =>
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

export const CASES: Case[] = [
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
