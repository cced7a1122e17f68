/**
 * Objects per request, by type: the gateway's fetch handler on the in-process bench's canned
 * upstream (bench/hot-path.bench.ts), JSC's heap counted before and after a run of requests with
 * no collection in between (`bun:jsc` `heapStats().objectTypeCounts`; what the collector would
 * free is still counted, so the difference is what the requests allocated). Bun only.
 *
 *   bun bench/alloc-count.ts [--root DIR] [--case chat|embeddings|stream] [--requests 200]
 *     [--contract]   (the contract-only handler of bench/hot-path-floors.ts instead of Nexus)
 *
 * A type allocated once per request reads ~1.00 (the bench's own Request and the reading of the
 * answer are in both Nexus's figure and the contract's). A collection during the run shows as
 * fractional counts: a stream allocates ~700 objects per request, so measure it with
 * `--requests 40`.
 * @module
 */
import process from "node:process";
import { parseArgs } from "node:util";
import { contractHandler } from "./hot-path-floors.ts";
import { CASES, MODEL, nexusFrom, upstream } from "./hot-path-upstream.ts";

const { values } = parseArgs({
  options: {
    root: { type: "string", default: new URL("../", import.meta.url).pathname },
    case: { type: "string", default: "chat" },
    requests: { type: "string", default: "200" },
    contract: { type: "boolean", default: false },
    top: { type: "string", default: "40" },
    "log-level": { type: "string", default: "info" },
  },
});
const jsc = await import("bun:jsc");
const root =
  new URL(values.root!.endsWith("/") ? values.root! : `${values.root}/`, `file://${process.cwd()}/`)
    .href;

const c = CASES.find((each) => each.name === values.case);
if (c === undefined) throw new Error(`--case: one of ${CASES.map((each) => each.name).join(", ")}`);
const handler = values.contract
  ? contractHandler(upstream)
  : (await nexusFrom({ href: root, level: values["log-level"]! })).handler;
const bytes = String(new TextEncoder().encode(c.body).length);

async function once(): Promise<void> {
  const response = await handler(
    new Request(`http://127.0.0.1:8000${c!.path}`, {
      method: "POST",
      headers: { "content-type": "application/json", "content-length": bytes },
      body: c!.body,
    }),
  );
  await response.arrayBuffer();
  if (response.status !== 200) throw new Error(`${values.case}: ${response.status}`);
}

for (let i = 0; i < 5000; i++) await once();
// Let the gateway's own timers (the log's batch, the dashboard's minute) run first.
await new Promise((resolve) => setTimeout(resolve, 50));
const n = Number(values.requests);
const counts = (): Record<string, number> =>
  jsc.heapStats().objectTypeCounts as Record<string, number>;
jsc.fullGC();
const before = counts();
for (let i = 0; i < n; i++) await once();
const after = counts();
const rows = Object.keys(after)
  .map((type) => [type, ((after[type] ?? 0) - (before[type] ?? 0)) / n] as const)
  .filter(([, per]) => per >= 0.05)
  .sort((a, b) => b[1] - a[1]);
const total = rows.reduce((sum, [, per]) => sum + per, 0);
process.stdout.write(
  `${values.contract ? "contract" : root} ${values.case}: ${
    total.toFixed(1)
  } objects per request (${n} requests, model ${MODEL})\n`,
);
for (const [type, per] of rows.slice(0, Number(values.top))) {
  process.stdout.write(`${per.toFixed(2).padStart(8)}  ${type}\n`);
}
process.exit(0);
