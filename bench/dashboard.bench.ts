/**
 * What the dashboard adds to a request: with no browser open, the exchange's check (one getter)
 * and the history record (ring slot filled in place, minute series); with one open, the watch's
 * begin/end too. mitata's third line per case is the heap allocated per iteration (min … max,
 * then the average), so "nothing allocated" is a number, not a claim.
 * Run: `bun bench/dashboard.bench.ts`; figures go to bench/RESULTS.md.
 * With NEXUS_BENCH_SMOKE=1 (set by `npm test`) every case runs once and mitata is skipped.
 */
import { bench, run } from "mitata";
import { validateConfig } from "../src/config/mod.ts";
import type { ExchangeEvent, LiveRequest } from "../src/exchange/mod.ts";
import { systemClock } from "../src/lib/clock.ts";
import type { RequestRecord } from "../src/metrics/mod.ts";
import { Registry } from "../src/registry/mod.ts";
import { Router } from "../src/routing/mod.ts";
import { Dashboard } from "../src/ui/mod.ts";

const registry = new Registry();
registry.add({
  name: "gpu-box",
  url: "http://gpu:11434",
  type: "ollama",
  priority: 50,
  source: "static",
});
const { config } = validateConfig({});
const dashboard = new Dashboard({
  registry,
  router: new Router(registry, config.routing),
  clock: systemClock,
  version: "bench",
  startedAt: Date.now(),
  queueDepth: () => 0,
  routing: config.routing,
  adminToken: undefined,
});
const event: ExchangeEvent = {
  requestId: "req-1",
  endpoint: "chat",
  receivedAt: 0,
  requestedModel: "llama3:8b",
  stream: false,
  status: 200,
};
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
const live = {
  requestId: "req-1",
  endpoint: "chat",
  receivedAt: 0,
  requestedModel: "llama3:8b",
  stream: false,
  priority: "normal",
  phase: "sent",
  backend: "gpu-box",
  servedModel: "llama3:8b",
} satisfies LiveRequest;
const watch = dashboard.live;

const cases: Array<[string, () => unknown]> = [
  ["no browser: exchange's watch check", () => watch.watching ? watch.begin(live) : undefined],
  ["history record (ring + minute series)", () => dashboard.state.record(event, record, undefined)],
  ["browser open: begin + end", () => {
    watch.end(live, watch.begin(live));
  }],
];

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
if (env?.NEXUS_BENCH_SMOKE === "1") {
  for (const [, fn] of cases) fn();
} else {
  for (const [name, fn] of cases) bench(name, fn);
  await run({ colors: false });
}
