/**
 * Direct-client latency to a llama-server-like backend with and without Nexus probing it
 * (issue 16): the backend is the thread-pool mock (3 HTTP threads, 1 slot, keep-alive 5 s, as
 * llama-server on a ≤ 4-core box), and a direct client (like curl: a fresh connection per request)
 * sends short completions one after another, a few ms apart, for `--seconds` per phase:
 *
 * 1. no Nexus;
 * 2. a real `nexus serve` process probing the backend every `--interval` seconds;
 * 3. right after a burst of `--burst` concurrent completions through Nexus (the chat path's
 *    keep-alive pool): how many idle connections Nexus keeps, and what a direct client waits.
 *
 * `bun bench/probe-hygiene.ts [--runtime bun|deno] [--seconds 20] [--interval 1] [--burst 3]`
 * prints a Markdown section for bench/RESULTS.md.
 * @module
 */
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import process from "node:process";
import { parseArgs } from "node:util";
import { createMockUpstream } from "../tests/mock/mod.ts";
import {
  type ConnectionRecord,
  startThreadPoolServer,
  withSlots,
} from "../tests/mock/thread-pool-server.ts";
import { type RuntimeName, startNexus, waitUntilRoutable } from "../tests/helpers/processes.ts";

const { values } = parseArgs({
  options: {
    runtime: { type: "string", default: "bun" },
    seconds: { type: "string", default: "20" },
    interval: { type: "string", default: "1" },
    burst: { type: "string", default: "3" },
  },
});
const RUNTIME = values.runtime as RuntimeName;
const SECONDS = Number(values.seconds);
const INTERVAL = Number(values.interval);
const BURST = Number(values.burst);
const MODEL = "bench-llama.gguf";
const DIRECT = "x-direct-client";
const TIMEOUT_MS = 10_000;

const mock = createMockUpstream({
  flavor: "llamacpp",
  models: [{ id: MODEL, context_length: 4096 }],
  latencyMs: 5,
});
const server = await startThreadPoolServer({
  threads: 3,
  keepAliveMs: 5000,
  handler: withSlots(mock.fetch, 1),
});

const body = JSON.stringify({ model: MODEL, messages: [{ role: "user", content: "hi" }] });
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One direct request: ms until its whole answer, or undefined when it timed out. */
async function directRequest(): Promise<number | undefined> {
  const started = performance.now();
  try {
    const response = await fetch(`${server.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", connection: "close", [DIRECT]: "1" },
      body,
      signal: AbortSignal.timeout(TIMEOUT_MS),
    });
    await response.text();
    return performance.now() - started;
  } catch {
    return undefined;
  }
}

interface Phase {
  readonly name: string;
  readonly samples: number[];
  readonly timeouts: number;
  readonly waited: number;
}

async function directPhase(name: string, seconds: number): Promise<Phase> {
  const samples: number[] = [];
  let timeouts = 0;
  const firstConnection = server.connections.length;
  const end = performance.now() + seconds * 1000;
  while (performance.now() < end) {
    const ms = await directRequest();
    if (ms === undefined) timeouts++;
    else samples.push(ms);
    // Spread the requests over every phase of the probe interval.
    await sleep(Math.random() * 40);
  }
  const direct = server.connections.slice(firstConnection).filter((c) => !fromNexus(c));
  return { name, samples, timeouts, waited: direct.filter((c) => c.waited).length };
}

/** Direct clients mark their requests; the mark is visible even on a connection still queued. */
const fromNexus = (c: ConnectionRecord) => !c.preview.toLowerCase().includes(`${DIRECT}:`);

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

const ms = (value: number) => (Number.isNaN(value) ? "—" : value.toFixed(2));

function row(phase: Phase): string {
  const sorted = [...phase.samples].sort((a, b) => a - b);
  return `| ${phase.name} | ${sorted.length} | ${ms(quantile(sorted, 0.5))} | ${
    ms(quantile(sorted, 0.9))
  } | ${ms(quantile(sorted, 0.99))} | ${
    ms(sorted.at(-1) ?? NaN)
  } | ${phase.waited} | ${phase.timeouts} |`;
}

const dir = mkdtempSync(join(tmpdir(), "nexus-probe-hygiene-"));
const config = join(dir, "nexus.toml");
writeFileSync(
  config,
  `[discovery]\nenabled = false\n\n[health_check]\ninterval_seconds = ${INTERVAL}\n\n` +
    `[logging]\nlevel = "info"\n\n[[backends]]\nname = "llama"\nurl = "${server.url}"\ntype = "llamacpp"\n`,
);

const phases: Phase[] = [];
phases.push(await directPhase("no Nexus", SECONDS));
const nexus = await startNexus(RUNTIME, ["-c", config]);
let burstLine = "";
try {
  await waitUntilRoutable(nexus.url, MODEL);
  const nexusBefore = server.connections.filter(fromNexus).length;
  phases.push(await directPhase(`Nexus probing every ${INTERVAL} s`, SECONDS));
  const probeConnections = server.connections.filter(fromNexus).slice(nexusBefore);
  const leftIdle = probeConnections.filter((c) => c.closedBy === "keep-alive-timeout").length;

  // The chat path: a burst of completions through Nexus, then a direct client at once.
  const burstStart = server.connections.length;
  await Promise.all(Array.from({ length: BURST }, async () => {
    const response = await fetch(`${nexus.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    await response.text();
  }));
  const chatConnections = server.connections.slice(burstStart).filter((c) =>
    fromNexus(c) && c.preview.startsWith("POST")
  );
  const idleAfterBurst = chatConnections.filter((c) => c.closedAt === undefined).length;
  const afterBurst = await directRequest();
  burstLine = `After ${BURST} concurrent completions through Nexus (1 slot): Nexus kept ` +
    `${idleAfterBurst} of its ${chatConnections.length} chat connections open and idle; a ` +
    `direct client then took ${
      afterBurst === undefined ? `over ${TIMEOUT_MS} ms (timed out)` : `${ms(afterBurst)} ms`
    }. Probe connections left to the server's keep-alive timeout: ${leftIdle} of ${probeConnections.length}.`;
} finally {
  await nexus.stop();
}
phases.push(await directPhase("no Nexus (again)", Math.min(SECONDS, 5)));

console.log(`## Probe hygiene (\`bun bench/probe-hygiene.ts --runtime ${RUNTIME}\`)

Run ${new Date().toISOString()}. Backend: the thread-pool mock (tests/mock/thread-pool-server.ts)
as llama-server on a ≤ 4-core box: 3 HTTP threads, 1 slot, keep-alive 5 s, completions answered
after 5 ms. A direct client sends one completion at a time on a fresh connection (like curl),
0–40 ms apart, for ${SECONDS} s per phase. Nexus (${RUNTIME}) runs as a separate process.

| Phase | requests | p50 ms | p90 ms | p99 ms | max ms | had to wait for a thread | timed out (${TIMEOUT_MS} ms) |
|---|---|---|---|---|---|---|---|
${phases.map(row).join("\n")}

${burstLine}
`);
mock.shutdown();
await server.close();
process.exit(0);
