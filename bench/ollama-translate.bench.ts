/**
 * What a translated Ollama stream costs per chunk, beside passthrough (issue 17, target
 * ≤ 5 µs/chunk). One iteration delivers one upstream network chunk holding one event, as the
 * relay does:
 *
 * - passthrough: the backend's bytes as they are (an Ollama backend for an Ollama client);
 * - OpenAI SSE → Ollama NDJSON: a vLLM/llama.cpp chunk for an Ollama client (split, parse,
 *   one NDJSON line out);
 * - Ollama NDJSON → OpenAI SSE: the native path for an over-long OpenAI prompt.
 *
 * Run: `bun bench/ollama-translate.bench.ts`; figures in bench/RESULTS.md. With
 * NEXUS_BENCH_SMOKE=1 (`npm test`) each case runs once and mitata is skipped.
 */
import { bench, do_not_optimize, run } from "mitata";
import { ollamaDialect } from "../src/dialects/mod.ts";
import { OpenaiToOllamaStream } from "../src/dialects/ollama/from-openai.ts";
import { NativeToOpenaiStream } from "../src/dialects/ollama/native-answer.ts";
import { systemClock } from "../src/lib/clock.ts";
import { PassthroughDelivery, TranslatedDelivery } from "../src/proxy/delivery.ts";

const encoder = new TextEncoder();

/** A vLLM content chunk (~230 bytes), one event per network chunk. */
const SSE_CHUNK = encoder.encode(
  `data: {"id":"chatcmpl-0f3a9c2b7d4e4b1a8c6d5e4f3a2b1c0d","object":"chat.completion.chunk",` +
    `"created":1760000000,"model":"Qwen/Qwen2.5-7B-Instruct","choices":[{"index":0,` +
    `"delta":{"content":" token"},"logprobs":null,"finish_reason":null}]}\n\n`,
);
/** An Ollama content line (~110 bytes). */
const NDJSON_CHUNK = encoder.encode(
  `{"model":"llama3.1:8b","created_at":"2026-12-07T10:00:00.123456789Z",` +
    `"message":{"role":"assistant","content":" token"},"done":false}\n`,
);

const passthrough = new PassthroughDelivery(ollamaDialect);
const toOllama = new TranslatedDelivery(
  new OpenaiToOllamaStream({
    shape: "chat",
    model: "Qwen/Qwen2.5-7B-Instruct",
    clock: systemClock,
    startedAt: systemClock.monotonic(),
    promptTokens: 100,
  }),
  "sse",
);
const toOpenai = new TranslatedDelivery(
  new NativeToOpenaiStream({ model: "llama3.1:8b", clock: systemClock, includeUsage: true }),
  "ndjson",
);

const cases: [string, () => unknown][] = [
  ["passthrough (one chunk)", () => passthrough.chunk(NDJSON_CHUNK)],
  ["OpenAI SSE -> Ollama NDJSON (one chunk)", () => toOllama.chunk(SSE_CHUNK)],
  ["Ollama NDJSON -> OpenAI SSE (one chunk)", () => toOpenai.chunk(NDJSON_CHUNK)],
];
for (const [, fn] of cases) {
  if (fn() === undefined) throw new TypeError("a case delivered nothing");
}
for (const [name, fn] of cases) bench(name, () => do_not_optimize(fn()));

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
if (env?.NEXUS_BENCH_SMOKE !== "1") await run({ colors: false });
