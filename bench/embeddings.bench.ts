/**
 * Added latency of `POST /v1/embeddings` through Nexus (issue 13: "embeddings added latency, same
 * targets as chat": ≤ 0.4 ms at p50 and ≤ 1 ms at p99, sequential c=1), beside chat completions
 * measured the same way. Run: `bun bench/embeddings.bench.ts`; figures go to bench/RESULTS.md
 * ("Embeddings added latency"). With NEXUS_BENCH_SMOKE=1 (set by `npm test`) every case runs a
 * few times and nothing is judged.
 *
 * One in-process gateway (tests/helpers/gateway.ts) in front of a mock Ollama on loopback that
 * answers at once; a client sends one request at a time, alternately straight to the mock and
 * through Nexus, in interleaved rounds whose order flips every round, so both see the same
 * machine. "Added" is through Nexus − direct, per percentile. The gateway shares its process and
 * CPU with the client and the mock (unlike `npm run bench`, which pins a separate process): the
 * figures are an upper bound on what Nexus adds.
 */
import { startGateway } from "../tests/helpers/gateway.ts";
import { startMockBackend } from "../tests/helpers/mock-backend.ts";

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
const SMOKE = env?.NEXUS_BENCH_SMOKE === "1";
const ROUNDS = SMOKE ? 1 : 30;
const PER_ROUND = SMOKE ? 3 : 50;
const WARMUP = SMOKE ? 2 : 300;

const mock = await startMockBackend({
  flavor: "ollama",
  models: [{ id: "nomic-embed-text", capabilities: ["embedding"] }, { id: "llama3:8b" }],
});
const gateway = await startGateway([{
  name: "ollama",
  url: mock.url,
  type: "ollama",
  models: [
    { id: "nomic-embed-text", capabilities: { embeddings: true, completion: false } },
    { id: "llama3:8b", capabilities: { embeddings: false, completion: true } },
  ],
}]);

const batch = Array.from({ length: 256 }, (_, i) => `document ${i}: ${"lorem ipsum ".repeat(20)}`);
const CASES = [
  {
    label: "embeddings, 1 input",
    path: "/v1/embeddings",
    body: JSON.stringify({ model: "nomic-embed-text", input: "hello world" }),
  },
  {
    label: "embeddings, 256 inputs (~66 KB)",
    path: "/v1/embeddings",
    body: JSON.stringify({ model: "nomic-embed-text", input: batch }),
  },
  {
    label: "chat completions (reference)",
    path: "/v1/chat/completions",
    body: JSON.stringify({ model: "llama3:8b", messages: [{ role: "user", content: "hi" }] }),
  },
] as const;

async function send(base: string, path: string, body: string): Promise<number> {
  const start = performance.now();
  const response = await fetch(`${base}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body,
  });
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${base}${path}: HTTP ${response.status}`);
  return performance.now() - start;
}

const at = (sorted: readonly number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;

globalThis.console.log(
  `sequential c=1, ${ROUNDS} interleaved rounds × ${PER_ROUND} per target (ms, send → last byte)`,
);
globalThis.console.log(
  "| Case | direct p50 | Nexus p50 | added p50 | direct p99 | Nexus p99 | added p99 |",
);
globalThis.console.log("|---|---|---|---|---|---|---|");
for (const { label, path, body } of CASES) {
  const targets = [{ name: "direct", url: mock.url }, { name: "nexus", url: gateway.url }];
  const times = new Map(targets.map((t) => [t.name, [] as number[]]));
  for (const target of targets) {
    for (let i = 0; i < WARMUP; i++) await send(target.url, path, body);
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (const target of round % 2 ? [...targets].reverse() : targets) {
      for (let i = 0; i < PER_ROUND; i++) {
        times.get(target.name)!.push(await send(target.url, path, body));
      }
    }
  }
  const direct = times.get("direct")!.sort((a, b) => a - b);
  const nexus = times.get("nexus")!.sort((a, b) => a - b);
  const cells = [0.5, 0.99].flatMap((q) => {
    const d = at(direct, q);
    const n = at(nexus, q);
    return [d.toFixed(3), n.toFixed(3), `+${(n - d).toFixed(3)}`];
  });
  globalThis.console.log(`| ${label} | ${cells.join(" | ")} |`);
}

await gateway.close();
await mock.close();
