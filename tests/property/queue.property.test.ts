/**
 * The admission queue under any interleaving of arrivals, completions, disconnects and time
 * (fast-check): no request is lost or served twice, slots never exceed their limit, and a freed
 * slot never skips a waiting request that ranks before the one it went to.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { Admission, type Grant, type Priority } from "../../src/admission/mod.ts";
import { validateConfig } from "../../src/config/mod.ts";
import { type Failure, isFailure } from "../../src/lib/failures.ts";
import { type Backend, Registry } from "../../src/registry/mod.ts";
import type { RouteCandidate } from "../../src/routing/mod.ts";
import { FakeClock } from "../helpers/fake-clock.ts";

const MAX_WAIT_SECONDS = 60;
const PROMOTE_MS = MAX_WAIT_SECONDS * 500;

type Op =
  | { kind: "arrive"; priority: Priority; backends: number[] }
  | { kind: "complete"; pick: number }
  | { kind: "disconnect"; pick: number }
  | { kind: "advance"; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("arrive" as const),
      priority: fc.constantFrom<Priority>("high", "normal", "low"),
      backends: fc.uniqueArray(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 2 }),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("complete" as const), pick: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("disconnect" as const), pick: fc.nat() }) },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("advance" as const),
      ms: fc.constantFrom(10, 1000, 20_000, 31_000),
    }),
  },
);

interface Tracked {
  readonly id: number;
  readonly priority: Priority;
  readonly queuedAt: number;
  readonly backends: readonly Backend[];
  readonly client: AbortController;
  state: "waiting" | "granted" | "released" | "refused";
  grant?: Grant;
  resolutions: number;
}

const flush = async () => {
  for (let i = 0; i < 5; i++) await Promise.resolve();
};

function rank(r: Tracked, now: number): number {
  if (r.priority === "high") return 0;
  if (r.priority === "normal") return 1;
  return now - r.queuedAt > PROMOTE_MS ? 1 : 2;
}

describe("admission queue properties", () => {
  test("no request lost or served twice, slots within limits, no waiting request skipped", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 2 }), { minLength: 3, maxLength: 3 }),
        fc.array(opArb, { minLength: 20, maxLength: 80 }),
        async (limits, ops) => {
          const clock = new FakeClock();
          const registry = new Registry();
          const backends = limits.map((max, i) =>
            registry.add({
              name: `b${i}`,
              url: `http://b${i}.test`,
              type: "vllm",
              priority: 50,
              source: "static",
              max_concurrent: max,
            }, { status: "healthy", models: [{ id: "m", capabilities: {} }] })
          );
          const admission = new Admission({
            registry,
            clock,
            config: validateConfig({ queue: { max_size: 8, max_wait_seconds: MAX_WAIT_SECONDS } })
              .config.queue,
          });
          const requests: Tracked[] = [];
          const settle = (r: Tracked, result: Grant | Failure) => {
            r.resolutions++;
            if (isFailure(result)) r.state = "refused";
            else {
              r.state = "granted";
              r.grant = result;
            }
          };
          const checkInvariants = () => {
            for (const b of backends) {
              expect(b.pending).toBeLessThanOrEqual(b.max_concurrent!);
              const holders = requests.filter((r) =>
                r.state === "granted" && r.grant!.candidate.backend === b
              ).length;
              expect(b.pending).toBe(holders);
            }
            for (const r of requests) expect(r.resolutions).toBeLessThanOrEqual(1);
          };
          for (const op of ops) {
            const waitingBefore = new Set(requests.filter((r) => r.state === "waiting"));
            if (op.kind === "arrive") {
              const r: Tracked = {
                id: requests.length,
                priority: op.priority,
                queuedAt: clock.monotonic(),
                backends: op.backends.map((i) => backends[i]!),
                client: new AbortController(),
                state: "waiting",
                resolutions: 0,
              };
              requests.push(r);
              const candidates: RouteCandidate[] = r.backends.map((backend) => ({
                backend,
                model: "m",
                fallback: false,
                score: 50,
              }));
              const result = admission.acquire(candidates, {
                priority: r.priority,
                signal: r.client.signal,
              });
              if (result instanceof Promise) void result.then((x) => settle(r, x));
              else settle(r, result);
            } else if (op.kind === "complete") {
              const holding = requests.filter((r) => r.state === "granted");
              if (holding.length > 0) {
                const r = holding[op.pick % holding.length]!;
                r.state = "released";
                admission.release(r.grant!);
              }
            } else if (op.kind === "disconnect") {
              const waiting = requests.filter((r) => r.state === "waiting");
              if (waiting.length > 0) waiting[op.pick % waiting.length]!.client.abort();
            } else {
              clock.advance(op.ms);
            }
            await flush();
            checkInvariants();
            // Whoever got a slot from the queue in this step did not skip a better-ranked waiter.
            const now = clock.monotonic();
            const stillWaiting = requests.filter((r) => r.state === "waiting");
            for (const r of waitingBefore) {
              if (r.state !== "granted") continue;
              const backend = r.grant!.candidate.backend;
              for (const w of stillWaiting) {
                if (!w.backends.includes(backend)) continue;
                const before = rank(w, now) < rank(r, now) ||
                  (rank(w, now) === rank(r, now) && w.id < r.id);
                expect(before).toBe(false);
              }
            }
          }
          // Everything ends: completions free every slot, deadlines end every wait.
          for (let round = 0; round < 20; round++) {
            for (const r of requests.filter((x) => x.state === "granted")) {
              r.state = "released";
              admission.release(r.grant!);
            }
            clock.advance(MAX_WAIT_SECONDS * 1000);
            await flush();
          }
          for (const r of requests) {
            expect(r.resolutions).toBe(1);
            expect(["released", "refused"]).toContain(r.state);
          }
          for (const b of backends) expect(b.pending).toBe(0);
          expect(admission.waiting).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
