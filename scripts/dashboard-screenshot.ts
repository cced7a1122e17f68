/**
 * Regenerates docs/img/dashboard.png (the README's picture): Nexus in front of four mock backends
 * (one of them down), real traffic from this process — streams, embeddings, a flaky backend that
 * fails over, a small backend whose two slots make requests queue, unknown models — then headless
 * Chromium photographs the dashboard at 1280 px.
 *
 *   bun scripts/dashboard-screenshot.ts [--seconds 60] [--out docs/img/dashboard.png]
 *
 * To fill an hour of charts in a minute, the gateway's wall clock runs WARP times faster (its
 * timers and durations stay real): every request is real, the minutes they land in are compressed.
 * Fails when the PNG is 200 KB or more. Needs Debian's chromium.
 */
import { statSync } from "node:fs";
import process from "node:process";
import { parseArgs } from "node:util";
import type { Clock } from "../src/lib/clock.ts";
import { launchBrowser } from "../tests/helpers/browser.ts";
import { startGateway } from "../tests/helpers/gateway.ts";
import { type MockBackend, startMockBackend } from "../tests/helpers/mock-backend.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "60" },
    out: { type: "string", default: "docs/img/dashboard.png" },
  },
});
const SECONDS = Number(values.seconds);
const WARP = 3600 / SECONDS;
const MAX_BYTES = 200 * 1024;
/** The top of the page: fleet, charts, requests in flight and the newest completed ones. */
const HEIGHT = 1060;

/** Wall time runs WARP× fast and ends about now; monotonic time and timers are real. */
function warpedClock(): Clock {
  const started = performance.now();
  const origin = Date.now() - SECONDS * 1000 * WARP;
  return {
    now: () => origin + (performance.now() - started) * WARP,
    monotonic: () => performance.now(),
    setTimeout: (fn, ms) => setTimeout(fn, ms),
    clearTimeout: (handle) => clearTimeout(handle as number),
  };
}

const stream = { chunks: 24, chunkGapMs: 25 };
const mocks: MockBackend[] = await Promise.all([
  startMockBackend({
    flavor: "ollama",
    ttftMs: 140,
    latencyMs: 450,
    ...stream,
    models: [
      { id: "llama3.1:8b", capabilities: ["completion", "tools"] },
      { id: "qwen2.5-coder:7b", capabilities: ["completion", "tools", "insert"] },
      { id: "llava:7b", capabilities: ["completion", "vision"], loaded: false },
      { id: "nomic-embed-text", capabilities: ["embedding"], context_length: 2048 },
    ],
  }),
  startMockBackend({
    flavor: "llamacpp",
    ttftMs: 420,
    latencyMs: 900,
    chunks: 30,
    chunkGapMs: 60,
    models: [{ id: "mistral-7b-instruct", context_length: 32768 }],
  }),
  startMockBackend({
    flavor: "vllm",
    ttftMs: 260,
    latencyMs: 700,
    ...stream,
    models: [{ id: "qwen2.5:32b", context_length: 32768 }, { id: "llama3.1:8b" }],
  }),
  startMockBackend({ flavor: "lmstudio", models: [{ id: "phi-4" }] }),
]);
const [gpu, mini, workstation, nas] = mocks as [MockBackend, MockBackend, MockBackend, MockBackend];
workstation.mock.setFault({ kind: "flaky", every: 9, status: 502 });
// The NAS is switched off: Nexus knows it from the config and shows it down.
await nas.close();

const nexus = await startGateway(
  [
    { name: "gpu-box", url: gpu.url, type: "ollama", priority: 10 },
    { name: "mini-pc", url: mini.url, type: "llamacpp", priority: 40, max_concurrent: 3 },
    { name: "workstation", url: workstation.url, type: "vllm", priority: 20 },
    { name: "nas", url: nas.url, type: "lmstudio", priority: 60 },
  ],
  {
    health_check: { interval_seconds: 2, failure_threshold: 1 },
    routing: {
      aliases: { coder: "qwen2.5-coder:7b", fast: "mistral-7b-instruct" },
      fallbacks: { "qwen2.5:32b": ["llama3.1:8b"] },
    },
  },
  { clock: warpedClock() },
);
await nexus.gateway.start();

/** One request of the mix: which model, streamed or not, which route. */
function pick(): { path: string; body: Record<string, unknown> } {
  const r = Math.random();
  const chat = (model: string, streamed: boolean, maxTokens = 200) => ({
    path: "/v1/chat/completions",
    body: {
      model,
      stream: streamed,
      ...(streamed ? { stream_options: { include_usage: true } } : {}),
      max_tokens: maxTokens,
      messages: [{ role: "user", content: "Summarise the last backup report in two lines." }],
    },
  });
  if (r < 0.4) return chat("llama3.1:8b", true);
  if (r < 0.6) return chat("coder", true, 400);
  if (r < 0.74) return chat("qwen2.5:32b", Math.random() < 0.5);
  if (r < 0.8) return chat("fast", true, 300);
  if (r < 0.9) return { path: "/v1/embeddings", body: { model: "nomic-embed-text", input: "a" } };
  if (r < 0.96) return chat("llama3.1:8b", false);
  return chat(Math.random() < 0.5 ? "gpt-4o" : "llama3:70b", false);
}

/** A streamed chat with usage, left to run (the queue burst, the "in flight now" list). */
function background(model: string): void {
  void fetch(`${nexus.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({
      model,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "Explain ZFS snapshots in one paragraph." }],
    }),
  }).then((r) => r.arrayBuffer()).catch(() => undefined);
}

async function send(): Promise<void> {
  const { path, body } = pick();
  const response = await fetch(`${nexus.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: "Bearer home-lab" },
    body: JSON.stringify(body),
  });
  await response.arrayBuffer();
}

/** Traffic that swells and ebbs over the "hour", with a burst that fills mini-pc's queue. */
async function traffic(until: number, worker: number): Promise<void> {
  while (performance.now() < until) {
    const phase = (performance.now() / 1000 / SECONDS) * Math.PI * 3 + worker;
    const busy = 0.55 + 0.45 * Math.sin(phase);
    await send().catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 40 + (1 - busy) * 600 * Math.random()));
  }
}

const until = performance.now() + SECONDS * 1000;
process.stdout.write(`sending traffic for ${SECONDS} s (one dashboard hour)…\n`);
const workers = Array.from({ length: 6 }, (_, i) => traffic(until, i));
// Near the end: a burst at the two-slot backend, so the queue shows on the page.
setTimeout(() => {
  for (let i = 0; i < 8; i++) background("fast");
}, SECONDS * 1000 * 0.4);
await Promise.all(workers);

const browser = await launchBrowser();
try {
  const page = await browser.page({ width: 1280, height: HEIGHT }, "light");
  await page.goto(`${nexus.url}/`);
  await page.waitForSelector(".completed tbody tr[data-request-id]", { timeout: 10_000 });
  // Requests in flight are listed from the moment a browser watches: start a few now, more
  // than mini-pc's three slots, so one waits in the queue.
  for (const model of ["fast", "fast", "fast", "fast", "coder", "llama3.1:8b"]) background(model);
  await page.waitForTimeout(700);
  const out = `${ROOT}${values.out}`;
  await page.screenshot({ path: out, clip: { x: 0, y: 0, width: 1280, height: HEIGHT } });
  const bytes = statSync(out).size;
  process.stdout.write(`${values.out}: ${Math.round(bytes / 1024)} KB\n`);
  if (bytes >= MAX_BYTES) {
    process.stderr.write(`${values.out} is ${bytes} bytes: it must stay under ${MAX_BYTES}\n`);
    process.exitCode = 1;
  }
} finally {
  await browser.close();
  await nexus.gateway.stop();
  await nexus.close();
  await Promise.all(mocks.slice(0, 3).map((m) => m.close()));
}
