/**
 * Cost per streamed event of the Responses translation (chat chunks → typed Responses events:
 * SSE split, JSON parse, state machine, event text, UTF-8 encode) beside the passthrough
 * delivery that relays chat bytes untouched. Target: ≤ 5 µs per event on the project machine.
 * One iteration is a whole stream of EVENTS chat events (role, deltas, finish, usage, [DONE]),
 * each arriving as its own network chunk, as a backend sends them; the table after mitata's gives
 * µs per event (CPU time of the process, and mitata's wall-clock figures). Run: `bun bench/translate.bench.ts`; figures go to bench/RESULTS.md. With
 * NEXUS_BENCH_SMOKE=1 (set by `npm test`) every case runs once and mitata is skipped.
 */
import { bench, do_not_optimize, run } from "mitata";
import { countingIds, openaiDialect } from "../src/dialects/mod.ts";
import { ResponsesStream } from "../src/dialects/openai/responses/stream.ts";
import { PassthroughDelivery, TranslatedDelivery } from "../src/proxy/delivery.ts";
import { DEFAULT_REPLY } from "../tests/mock/mod.ts";

/** Events per stream: role + 96 deltas + finish + usage + [DONE]. */
const DELTAS = 96;
const EVENTS = DELTAS + 4;
const encoder = new TextEncoder();

function chunk(delta: unknown, finish: string | null): string {
  return `data: ${
    JSON.stringify({
      id: "chatcmpl-8mZ3kQ2Yv7TqL0aB1cD2eF3gH4iJ5",
      object: "chat.completion.chunk",
      created: 1_764_000_000,
      model: "qwen2.5:7b",
      system_fingerprint: "fp_ollama",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
      usage: null,
    })
  }\n\n`;
}

const TAIL = [
  chunk({}, "stop"),
  `data: {"id":"chatcmpl-8mZ3","object":"chat.completion.chunk","created":1764000000,` +
  `"model":"qwen2.5:7b","choices":[],"usage":{"prompt_tokens":812,"completion_tokens":240,` +
  `"total_tokens":1052}}\n\n`,
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
const args = JSON.stringify({ command: ["bash", "-lc", "ls -la && cat README.md ".repeat(20)] });
const toolStream = [
  chunk({
    role: "assistant",
    content: null,
    tool_calls: [{
      index: 0,
      id: "call_abc",
      type: "function",
      function: { name: "shell", arguments: "" },
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

const echo = '"instructions":null,"tools":[],"store":false';
const ids = countingIds();

function passthrough(stream: readonly Uint8Array[]): number {
  const delivery = new PassthroughDelivery(openaiDialect);
  let bytes = 0;
  for (const event of stream) bytes += delivery.chunk(event).length;
  return bytes;
}

function translated(stream: readonly Uint8Array[]): number {
  const delivery = new TranslatedDelivery(new ResponsesStream({ ids, echo, model: "m" }), "sse");
  let bytes = 0;
  for (const event of stream) bytes += delivery.chunk(event)?.length ?? 0;
  return bytes + (delivery.end()?.length ?? 0);
}

const CASES: ReadonlyArray<readonly [string, () => number]> = [
  ["passthrough delivery, text stream", () => passthrough(textStream)],
  ["responses translation, text stream", () => translated(textStream)],
  ["responses translation, tool-call stream", () => translated(toolStream)],
];

interface Process {
  env: Record<string, string | undefined>;
  cpuUsage(): { user: number; system: number };
}
const process = (globalThis as { process?: Process }).process;

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

if (process?.env.NEXUS_BENCH_SMOKE === "1") {
  for (const [, fn] of CASES) if (fn() <= 0) throw new Error("a stream produced nothing");
} else {
  for (const [name, fn] of CASES) bench(`${name} (${EVENTS} events)`, () => do_not_optimize(fn()));
  const { benchmarks } = await run({ colors: false });
  console.log(
    `\n| Case | CPU µs per event | wall µs per event, p50 | wall µs per event, mean |` +
      "\n|---|---|---|---|",
  );
  benchmarks.forEach((trial, i) => {
    const stats = trial.runs[0]?.stats;
    if (!stats) return;
    const perEvent = (ns: number) => (ns / 1000 / EVENTS).toFixed(3);
    const cpu = cpuMicrosPerEvent(CASES[i]![1], 3000).toFixed(3);
    console.log(`| ${trial.alias} | ${cpu} | ${perEvent(stats.p50)} | ${perEvent(stats.avg)} |`);
  });
}
