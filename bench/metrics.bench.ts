/**
 * Cost of observability per request: recording one finished request into the series store
 * (label children cached after the first request), the whole observe hook for a non-stream
 * answer (record + usage from its body, log level above info), and the stream tap per chunk.
 * Budget: recording ≤ 2 µs. Run: `bun bench/metrics.bench.ts`; figures go to bench/RESULTS.md.
 * With NEXUS_BENCH_SMOKE=1 (set by `npm test`) every case runs once and mitata is skipped.
 */
import { bench, do_not_optimize, run } from "mitata";
import type { ExchangeEvent } from "../src/exchange/mod.ts";
import { Logger } from "../src/lib/logger.ts";
import {
  createObservability,
  findUsage,
  recordRequest,
  type RequestRecord,
  SeriesStore,
} from "../src/metrics/mod.ts";
import type { ForwardResult } from "../src/proxy/mod.ts";
import { ResponseTap } from "../src/proxy/mod.ts";
import { Registry } from "../src/registry/mod.ts";
import { systemClock } from "../src/lib/clock.ts";

const encoder = new TextEncoder();
const usage = { prompt_tokens: 21, completion_tokens: 258, total_tokens: 279 };
const body = encoder.encode(JSON.stringify({
  id: "chatcmpl-x",
  object: "chat.completion",
  created: 0,
  model: "llama3:8b",
  choices: [{
    index: 0,
    message: { role: "assistant", content: "x".repeat(1200) },
    finish_reason: "stop",
  }],
  usage,
}));

const store = new SeriesStore();
const record: RequestRecord = {
  endpoint: "chat",
  model: "llama3:8b",
  unknownModel: false,
  backend: "gpu-box",
  status: 200,
  error: undefined,
  durationMs: 412.5,
  ttfbMs: 120.25,
  overheadMs: 0.08,
  usage: { prompt: 21, completion: 258 },
  chunks: undefined,
  fallbackFrom: undefined,
};
recordRequest(store, record);

const registry = new Registry();
const backend = registry.add({
  name: "gpu-box",
  url: "http://gpu:11434",
  type: "ollama",
  priority: 50,
  source: "static",
});
const quiet = new Logger({ level: "warn", format: "json", write: () => {} });
const observability = createObservability({
  registry,
  clock: systemClock,
  logger: quiet,
  startedAt: 0,
});
const tap = new ResponseTap();
// As the proxy hands it over: the bytes, and the JSON it parsed to validate them.
tap.setBody(body, JSON.parse(new TextDecoder().decode(body)));
const result: ForwardResult = {
  commit: {
    ok: true,
    backend,
    status: 200,
    contentType: "application/json",
    retryAfter: null,
    body,
    ttfbMs: 120,
  },
  candidate: { backend, model: "llama3:8b", fallback: false, score: 100 },
  outcome: {
    ok: true,
    backend,
    model: "llama3:8b",
    status: 200,
    routeReason: "capability-match",
    attempts: [],
    ttfbMs: 120,
    upstreamMs: 120,
    queueWaitMs: 0,
  },
  done: Promise.resolve("complete"),
  tap,
};
const event: ExchangeEvent = {
  requestId: "req-1",
  endpoint: "chat",
  receivedAt: performance.now(),
  requestedModel: "llama3:8b",
  stream: false,
  status: 200,
  result,
};
observability.observeExchange(event);

const chunk = encoder.encode(
  `data: {"id":"chatcmpl-x","object":"chat.completion.chunk","choices":[{"index":0,"delta":{"content":"hello"}}]}\n\n`,
);
const streamTap = new ResponseTap();
const streamTail = encoder.encode(
  `data: {"choices":[],"usage":${JSON.stringify(usage)}}\n\ndata: [DONE]\n\n`,
);

const cases: Array<[string, () => unknown]> = [
  ["recordRequest (cached label children)", () => recordRequest(store, record)],
  // With its late work (the log line, src/metrics/late-work.ts) done in the same iteration.
  ["observe hook, non-stream with usage", () => {
    observability.observeExchange(event);
    observability.flush();
  }],
  ["stream tap, one chunk", () => streamTap.push(chunk)],
  ["findUsage in a stream tail", () => do_not_optimize(findUsage(streamTail))],
];

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
if (env?.NEXUS_BENCH_SMOKE === "1") {
  for (const [, fn] of cases) fn();
} else {
  for (const [name, fn] of cases) bench(name, fn);
  await run({ colors: false });
}
