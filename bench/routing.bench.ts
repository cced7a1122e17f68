/**
 * Routing decision cost: alias resolution + requirements from the parsed body + filters +
 * score/strategy, at 1, 5, 50 and 1000 backends per strategy (BENCH.md targets: ≤ 5 µs @ 5,
 * ≤ 20 µs @ 50, ≤ 200 µs @ 1000). Run: `bun bench/routing.bench.ts`; figures go to
 * bench/RESULTS.md. With NEXUS_BENCH_SMOKE=1 (set by `npm test`) every case runs once and
 * mitata is skipped: its clock calibration alone takes seconds.
 */
import { bench, do_not_optimize, run } from "mitata";
import { validateConfig } from "../src/config/mod.ts";
import { Registry } from "../src/registry/mod.ts";
import { requirementsOf, Router } from "../src/routing/mod.ts";

const SIZES = [1, 5, 50, 1000];
const STRATEGIES = ["smart", "round_robin", "priority_only", "random"] as const;

/** A realistic request: system + user + an assistant tool call, with tools offered. */
const body: Record<string, unknown> = JSON.parse(JSON.stringify({
  model: "gpt-4",
  messages: [
    { role: "system", content: "You are a helpful assistant. ".repeat(8) },
    { role: "user", content: [{ type: "text", text: "What is the weather in Paris today?" }] },
    {
      role: "assistant",
      content: null,
      tool_calls: [{
        id: "call_1",
        type: "function",
        function: { name: "get_weather", arguments: '{"city":"Paris"}' },
      }],
    },
    { role: "tool", tool_call_id: "call_1", content: '{"temp_c":21}' },
  ],
  tools: [{ type: "function", function: { name: "get_weather", parameters: {} } }],
}));

/**
 * n backends serving "llama3:70b" with varied priority, load and latency; every 10th is
 * unhealthy and every 7th has no tool support, so the filters exclude some on every decision.
 */
function fleet(n: number): Registry {
  const registry = new Registry();
  for (let i = 0; i < n; i++) {
    const backend = registry.add(
      {
        name: `b${i}`,
        url: `http://10.0.${i >> 8}.${i & 255}:11434`,
        type: "ollama",
        priority: (i * 37) % 101,
        source: "static",
      },
      {
        status: n > 1 && i % 10 === 9 ? "unhealthy" : "healthy",
        models: [
          { id: "qwen2.5:7b", capabilities: {} },
          {
            id: "llama3:70b",
            context_length: 8192,
            capabilities: { tools: !(n > 1 && i % 7 === 6), vision: false },
          },
        ],
      },
    );
    backend.pending = i % 5;
    backend.latency_ms = i % 3 === 0 ? undefined : 20 + ((i * 13) % 400);
  }
  return registry;
}

const routing = (strategy: string) =>
  validateConfig({
    routing: {
      strategy,
      aliases: { "gpt-4": "llama3:70b" },
      fallbacks: { "llama3:70b": ["qwen2.5:7b"] },
    },
  }).config.routing;

// One fleet per size, shared by the strategies: routing never mutates the registry.
const fleets = new Map(SIZES.map((n) => [n, fleet(n)]));
const routers = new Map<string, Router>();
for (const strategy of STRATEGIES) {
  for (const n of SIZES) {
    const router = new Router(fleets.get(n)!, routing(strategy));
    const decision = router.select("gpt-4", requirementsOf(body));
    if (!decision.ok) throw new TypeError(`${strategy} @ ${n}: ${decision.rejection.message}`);
    routers.set(`${strategy}/${n}`, router);
  }
}

for (const strategy of STRATEGIES) {
  bench(`${strategy} @ $backends backends`, function* (state: { get(name: string): number }) {
    const router = routers.get(`${strategy}/${state.get("backends")}`)!;
    yield () => do_not_optimize(router.select("gpt-4", requirementsOf(body)));
  }).args("backends", SIZES);
}

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
if (env?.NEXUS_BENCH_SMOKE !== "1") await run({ colors: false });
