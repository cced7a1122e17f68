/**
 * The Anthropic front door's costs, beside passthrough:
 *
 * 1. Per streamed event (mitata): chat chunks → Anthropic events through the relay's translated
 *    delivery (SSE split, JSON parse, state machine, event text, UTF-8 encode), beside the
 *    passthrough delivery relaying a native server's Anthropic stream untouched. Target: ≤ 5 µs
 *    per event. One iteration is a whole stream of EVENTS upstream events, each its own network
 *    chunk, as a backend sends them; the table gives µs per event (the process's CPU time, and
 *    mitata's wall-clock figures).
 * 2. Added time to first token: sequential streamed `/v1/messages` requests through a real
 *    gateway on loopback to a native mock (passthrough) and to a chat mock (translated), and
 *    straight to the native mock; medians and p90 of the time to the first body byte.
 *    Gateway, mocks and client share this process, so the figures compare paths, not machines.
 *
 * Run: `bun bench/anthropic.bench.ts`; figures go to bench/RESULTS.md. With NEXUS_BENCH_SMOKE=1
 * (set by `npm test`) every case runs once and nothing is measured.
 */
import { bench, do_not_optimize, run } from "mitata";
import {
  anthropicDialect,
  countingIds,
  createMessagesEndpoint,
} from "../src/dialects/anthropic/mod.ts";
import { PassthroughDelivery, TranslatedDelivery } from "../src/proxy/delivery.ts";
import { Registry } from "../src/registry/mod.ts";
import { startGateway } from "../tests/helpers/gateway.ts";
import { startMockBackend } from "../tests/helpers/mock-backend.ts";
import { DEFAULT_REPLY } from "../tests/mock/mod.ts";

/** Upstream events per stream: role + 96 deltas + finish + usage + [DONE] (chat), or as many. */
const DELTAS = 96;
const EVENTS = DELTAS + 4;
const encoder = new TextEncoder();

function chunk(delta: unknown, finish: string | null): string {
  return `data: ${
    JSON.stringify({
      id: "chatcmpl-8mZ3kQ2Yv7TqL0aB1cD2eF3gH4iJ5",
      object: "chat.completion.chunk",
      created: 1_764_000_000,
      model: "qwen2.5-coder:32b",
      system_fingerprint: "fp_vllm",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage: null,
    })
  }\n\n`;
}

const TAIL = [
  chunk({}, "stop"),
  `data: {"id":"chatcmpl-8mZ3","object":"chat.completion.chunk","created":1764000000,` +
  `"model":"qwen2.5-coder:32b","choices":[],"usage":{"prompt_tokens":812,` +
  `"completion_tokens":240,"total_tokens":1052}}\n\n`,
  "data: [DONE]\n\n",
];

/** A text answer, ~10 characters a delta (a token or two), as local servers stream. */
const textStream = [
  chunk({ role: "assistant", content: "" }, null),
  ...Array.from(
    { length: DELTAS },
    (_, i) => chunk({ content: DEFAULT_REPLY.slice(i * 10, i * 10 + 10) }, null),
  ),
  ...TAIL,
].map((event) => encoder.encode(event));

/** One tool call whose arguments arrive a few characters at a time. */
const args = JSON.stringify({ command: "ls -la && cat README.md ".repeat(20) });
const toolStream = [
  chunk({
    role: "assistant",
    content: null,
    tool_calls: [{
      index: 0,
      id: "call_abc",
      type: "function",
      function: { name: "Bash", arguments: "" },
    }],
  }, null),
  ...Array.from(
    { length: DELTAS },
    (_, i) =>
      chunk(
        { tool_calls: [{ index: 0, function: { arguments: args.slice(i * 5, i * 5 + 5) } }] },
        null,
      ),
  ),
  ...TAIL,
].map((event) => encoder.encode(event));

/** The same text answer as a native server streams it in Anthropic's events. */
function anthropicEvent(type: string, data: unknown): string {
  return `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
}
const nativeStream = [
  anthropicEvent("message_start", {
    type: "message_start",
    message: {
      id: "msg_01XFDUDYJgAACzvnptvVoYEL",
      type: "message",
      role: "assistant",
      model: "qwen2.5-coder:32b",
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: { input_tokens: 812, output_tokens: 1 },
    },
  }),
  anthropicEvent("content_block_start", {
    type: "content_block_start",
    index: 0,
    content_block: { type: "text", text: "" },
  }),
  ...Array.from({ length: DELTAS }, (_, i) =>
    anthropicEvent("content_block_delta", {
      type: "content_block_delta",
      index: 0,
      delta: { type: "text_delta", text: DEFAULT_REPLY.slice(i * 10, i * 10 + 10) },
    })),
  anthropicEvent("content_block_stop", { type: "content_block_stop", index: 0 }),
  anthropicEvent("message_delta", {
    type: "message_delta",
    delta: { stop_reason: "end_turn", stop_sequence: null },
    usage: { output_tokens: 240 },
  }),
].map((event) => encoder.encode(event));

const endpoint = createMessagesEndpoint(countingIds());
const requestBody = {
  model: "claude-sonnet-4-5",
  max_tokens: 1024,
  messages: [{ role: "user", content: "hi" }],
  stream: true,
};
const parsed = endpoint.parse(requestBody, JSON.stringify(requestBody));
const backend = new Registry().add({
  name: "vllm-box",
  url: "http://vllm.test",
  type: "vllm",
  priority: 50,
  source: "static",
});
if ("kind" in parsed) throw new Error(parsed.message);
const translation = endpoint.plan(parsed, { backend, model: "qwen2.5-coder:32b" }).translation!;

function passthrough(stream: readonly Uint8Array[]): number {
  const delivery = new PassthroughDelivery(anthropicDialect);
  let bytes = 0;
  for (const event of stream) bytes += delivery.chunk(event).length;
  return bytes;
}

function translated(stream: readonly Uint8Array[]): number {
  const delivery = new TranslatedDelivery(translation.stream(), "sse");
  let bytes = 0;
  for (const event of stream) bytes += delivery.chunk(event)?.length ?? 0;
  return bytes + (delivery.end()?.length ?? 0);
}

const CASES: ReadonlyArray<readonly [string, () => number]> = [
  ["passthrough delivery, native Anthropic text stream", () => passthrough(nativeStream)],
  ["anthropic translation, text stream", () => translated(textStream)],
  ["anthropic translation, tool-call stream", () => translated(toolStream)],
];

interface Process {
  env: Record<string, string | undefined>;
  cpuUsage(): { user: number; system: number };
}
const process = (globalThis as { process?: Process }).process;
const smoke = process?.env.NEXUS_BENCH_SMOKE === "1";

/**
 * CPU time per event over `streams` streams: on a machine shared with other work, wall-clock
 * figures mostly measure the other work; the process's own CPU time does not.
 */
function cpuMicrosPerEvent(fn: () => number, streams: number): number {
  for (let i = 0; i < 200; i++) do_not_optimize(fn());
  const before = process!.cpuUsage();
  for (let i = 0; i < streams; i++) do_not_optimize(fn());
  const after = process!.cpuUsage();
  return (after.user + after.system - before.user - before.system) / streams / EVENTS;
}

async function perEvent(): Promise<void> {
  if (smoke) {
    for (const [, fn] of CASES) if (fn() <= 0) throw new Error("a stream produced nothing");
    return;
  }
  for (const [name, fn] of CASES) bench(`${name} (${EVENTS} events)`, () => do_not_optimize(fn()));
  const { benchmarks } = await run({ colors: false });
  console.log(
    `\n| Case | CPU µs per event | wall µs per event, p50 | wall µs per event, mean |` +
      "\n|---|---|---|---|",
  );
  benchmarks.forEach((trial, i) => {
    const stats = trial.runs[0]?.stats;
    if (!stats) return;
    const micros = (ns: number) => (ns / 1000 / EVENTS).toFixed(3);
    const cpu = cpuMicrosPerEvent(CASES[i]![1], 3000).toFixed(3);
    console.log(`| ${trial.alias} | ${cpu} | ${micros(stats.p50)} | ${micros(stats.avg)} |`);
  });
}

/** Milliseconds from sending a streamed request to the first body byte, then the rest drained. */
async function timeToFirstByte(url: string, body: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  const reader = response.body!.getReader();
  const first = await reader.read();
  const ms = performance.now() - start;
  if (first.done) throw new Error(`${url}: an empty stream`);
  while (!(await reader.read()).done);
  return ms;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

async function addedTtft(): Promise<void> {
  const rounds = smoke ? 1 : 20;
  const perRound = smoke ? 1 : 25;
  const native = await startMockBackend({
    flavor: "ollama",
    anthropic: true,
    models: [{ id: "glm-4.7" }],
    chunks: 8,
  });
  const chat = await startMockBackend({
    flavor: "vllm",
    models: [{ id: "qwen2.5-coder:32b" }],
    chunks: 8,
  });
  const gateway = await startGateway([
    { name: "native", url: native.url, type: "ollama", anthropic: true, models: ["glm-4.7"] },
    { name: "chat", url: chat.url, type: "vllm", anthropic: false, models: ["qwen2.5-coder:32b"] },
  ]);
  const body = (model: string) =>
    JSON.stringify({
      model,
      max_tokens: 256,
      stream: true,
      messages: [{ role: "user", content: "hi" }],
    });
  const targets: ReadonlyArray<readonly [string, string, string]> = [
    ["direct to the native mock", `${native.url}/v1/messages`, body("glm-4.7")],
    ["Nexus, passthrough (native backend)", `${gateway.url}/v1/messages`, body("glm-4.7")],
    ["Nexus, translated (chat backend)", `${gateway.url}/v1/messages`, body("qwen2.5-coder:32b")],
  ];
  const samples = targets.map(() => [] as number[]);
  try {
    for (const [, url, text] of targets) {
      for (let i = 0; i < (smoke ? 1 : 50); i++) await timeToFirstByte(url, text);
    }
    for (let round = 0; round < rounds; round++) {
      // The order of targets rotates every round, so none always runs on a warmer machine.
      for (let k = 0; k < targets.length; k++) {
        const t = (round + k) % targets.length;
        const [, url, text] = targets[t]!;
        for (let i = 0; i < perRound; i++) samples[t]!.push(await timeToFirstByte(url, text));
      }
    }
  } finally {
    await gateway.close();
    await native.close();
    await chat.close();
  }
  if (smoke) return;
  const p50 = samples.map((s) => quantile([...s].sort((a, b) => a - b), 0.5));
  console.log(
    `\nTime to first byte of a streamed /v1/messages, ${rounds} × ${perRound} sequential requests ` +
      "per target, ms:\n\n| Target | p50 | p90 | added p50 vs direct | added p50 vs passthrough |" +
      "\n|---|---|---|---|---|",
  );
  targets.forEach(([name], t) => {
    const sorted = [...samples[t]!].sort((a, b) => a - b);
    const vsDirect = t === 0 ? "—" : `+${(p50[t]! - p50[0]!).toFixed(3)}`;
    const vsPassthrough = t < 2 ? "—" : `+${(p50[t]! - p50[1]!).toFixed(3)}`;
    console.log(
      `| ${name} | ${quantile(sorted, 0.5).toFixed(3)} | ${quantile(sorted, 0.9).toFixed(3)} | ` +
        `${vsDirect} | ${vsPassthrough} |`,
    );
  });
}

await perEvent();
await addedTtft();
