/**
 * Admission cost (issue targets: ≤ 2 µs per request while slots are free; ≤ 10 µs to hand a
 * freed slot to the next of 1,000 waiting requests). Run: `bun bench/admission.bench.ts`; figures
 * go to bench/RESULTS.md. With NEXUS_BENCH_SMOKE=1 (set by `npm test`) each case runs once.
 */
import { bench, do_not_optimize, run } from "mitata";
import { Admission, type Grant } from "../src/admission/mod.ts";
import { validateConfig } from "../src/config/mod.ts";
import { Registry } from "../src/registry/mod.ts";
import type { RouteCandidate } from "../src/routing/mod.ts";
import type { Clock } from "../src/lib/clock.ts";

/** Time stands still and timers never fire: only admission's own work is measured. */
const stillClock: Clock = {
  now: () => 0,
  monotonic: () => 0,
  setTimeout: () => 0,
  clearTimeout: () => {},
};

const WAITING = 1000;

function setup(maxConcurrent: number | undefined) {
  const clock = stillClock;
  const registry = new Registry();
  const backends = ["a", "b", "c"].map((name) =>
    registry.add({
      name,
      url: `http://${name}.test`,
      type: "ollama",
      priority: 50,
      source: "static",
      ...(maxConcurrent === undefined ? {} : { max_concurrent: maxConcurrent }),
    }, { status: "healthy", models: [{ id: "m", capabilities: {} }] })
  );
  const config = validateConfig({ queue: { max_size: WAITING + 10, max_wait_seconds: 3600 } });
  const admission = new Admission({ registry, clock, config: config.config.queue });
  const candidates: RouteCandidate[] = backends.map((backend) => ({
    backend,
    model: "m",
    fallback: false,
    score: 50,
    loaded: true,
  }));
  return { admission, candidates };
}

const ticket = { priority: "normal" as const, signal: new AbortController().signal };

// Free slots: acquire grants at once, release gives the slot back.
const unlimited = setup(undefined);
const limited = setup(64);
function acquireRelease(s: typeof unlimited): void {
  const grant = s.admission.acquire(s.candidates, ticket) as Grant;
  s.admission.release(grant);
}
acquireRelease(unlimited);
acquireRelease(limited);
bench("acquire + release, no slot limit", () => acquireRelease(unlimited));
bench("acquire + release, slots free (limit 64)", () => acquireRelease(limited));

// 1,000 requests wait for three 1-slot backends: each release hands the slot to the next one,
// and a new arrival takes its place at the end, so the queue stays 1,000 long.
const busy = setup(1);
for (const candidate of busy.candidates) busy.admission.acquire([candidate], ticket);
for (let i = 0; i < WAITING; i++) void busy.admission.acquire(busy.candidates, ticket);
const held: Grant = { candidate: busy.candidates[0]!, grantedAt: 0, waitedMs: 0 };
function handOver(): void {
  busy.admission.release(held);
  do_not_optimize(busy.admission.acquire(busy.candidates, ticket));
}
handOver();
if (busy.admission.waiting !== WAITING) throw new Error(`queue is ${busy.admission.waiting} long`);
bench(`release to the next of ${WAITING} waiting + one arrival`, handOver);

const env = (globalThis as { process?: { env: Record<string, string | undefined> } }).process?.env;
if (env?.NEXUS_BENCH_SMOKE !== "1") await run({ colors: false });
