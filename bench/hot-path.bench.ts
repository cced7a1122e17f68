/**
 * The request path in process: Nexus's JavaScript per request, without sockets. Each case sends
 * a real `Request` to the gateway's fetch handler (what `Bun.serve` calls) and reads the whole
 * answer; the upstream is a fetch that returns canned bytes — a ~1.4 KB chat completion, an
 * embeddings answer, or a chat stream whose events each arrive as their own chunk. The figure is
 * the process's CPU time per request (or per upstream event), so a loaded machine moves it
 * little; beside it, the same upstream answered with no gateway at all ("upstream alone"),
 * through the least a gateway can do (the bare pass-through's handler, in process) and through
 * the bare pass-through doing what Nexus's contract asks of the runtime ("contract",
 * bench/hot-path-floors.ts): Nexus − contract is Nexus's own JavaScript.
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
import { bareHandler, contractHandler, type Handler } from "./hot-path-floors.ts";
import {
  type Case,
  CASES,
  chat,
  encoder,
  nexusFrom,
  streamTiming,
  upstream,
} from "./hot-path-upstream.ts";

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
streamTiming.gapMs = Number(values.gap);
/** `DIR` or `DIR#LEVEL` (that gateway's log level). */
const ROOTS = (values.root.length ? values.root : [new URL("../", import.meta.url).pathname]).map(
  (spec) => {
    const [root, level] = spec.split("#") as [string, string | undefined];
    const href = new URL(root.endsWith("/") ? root : `${root}/`, `file://${process.cwd()}/`).href;
    return { href, level: level ?? values["log-level"] };
  },
);

const bare = bareHandler(upstream);
const contract = contractHandler(upstream);

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
      `${
        streamTiming.gapMs > 0
          ? `, events ${streamTiming.gapMs} ms apart, ${CONCURRENCY} at once`
          : ""
      })\n` +
      ROOTS.map((root, i) => `  ${names[i]}: ${root.href} (log ${root.level})\n`).join("") +
      `case              ${names.map((n) => n.padStart(8)).join(" ")}     bare  contract  ` +
      "upstream  first−bare  first−contract  per event (first−upstream)  ratios to the first\n",
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
  const extra = values["no-bare"]
    ? []
    : passthrough
    ? [bare, contract, upstreamOnly]
    : [upstreamOnly];
  const { medians, ratios } = await measure(
    [...nexuses.map((n) => n.handler), ...extra],
    c,
    batches,
    size,
  );
  if (SMOKE) continue;
  const n = medians[0]!;
  const floors = passthrough && !values["no-bare"];
  const b = floors ? medians[nexuses.length]! : Number.NaN;
  const k = floors ? medians[nexuses.length + 1]! : Number.NaN;
  const u = values["no-bare"] ? Number.NaN : medians[medians.length - 1]!;
  const perEvent = c.events ? r((n - u) / c.events) : "";
  process.stdout.write(
    `${c.name.padEnd(17)} ${
      medians.slice(0, nexuses.length).map((m) => String(r(m)).padStart(8)).join(" ")
    }  ${String(r(b)).padStart(7)}  ${String(r(k)).padStart(8)}  ${String(r(u)).padStart(8)}  ${
      String(r(n - b)).padStart(10)
    }  ${String(r(n - k)).padStart(14)}  ${String(perEvent).padStart(9)}                  ${
      ratios.slice(0, nexuses.length).map(r).join(" ")
    }\n`,
  );
}
for (const n of nexuses) await n.stop();
process.exit(0);
