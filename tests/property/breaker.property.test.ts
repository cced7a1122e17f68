/**
 * The circuit breaker under any sequence of request starts, outcomes and cool-downs (fast-check),
 * against a plain model written from the words: closed until `failures` of the last
 * `window` outcomes failed; open → nothing admitted until the cool-down; half-open → exactly one
 * trial admitted (single flight), whose outcome closes it (empty window) or opens it again.
 * Also through the registry, where the breaker gates slots (`hasFreeSlot`) and emits events.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import {
  type BreakerState,
  hasFreeSlot,
  Registry,
  type RegistryEvent,
} from "../../src/registry/mod.ts";
import { CircuitBreaker } from "../../src/registry/breaker.ts";

type Op =
  | { kind: "begin" }
  | { kind: "end"; failed: boolean }
  | { kind: "cool" };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.constant({ kind: "begin" as const }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("end" as const), failed: fc.boolean() }) },
  { weight: 1, arbitrary: fc.constant({ kind: "cool" as const }) },
);

/** The breaker as the issue says it, with no cleverness: an array for the window. */
class Model {
  state: BreakerState = "closed";
  outcomes: boolean[] = [];
  trial = false;
  constructor(readonly failures: number, readonly window: number) {}

  get admits(): boolean {
    return this.state === "closed" || (this.state === "half_open" && !this.trial);
  }

  begin(): void {
    if (this.state === "half_open") this.trial = true;
  }

  end(failed: boolean): void {
    if (this.state === "open") return;
    if (this.state === "half_open") {
      this.trial = false;
      this.state = failed ? "open" : "closed";
      this.outcomes = [];
      return;
    }
    this.outcomes.push(failed);
    if (this.outcomes.length > this.window) this.outcomes.shift();
    const failedCount = this.outcomes.filter(Boolean).length;
    if (this.failures > 0 && failedCount >= this.failures) {
      this.state = "open";
      this.outcomes = [];
    }
  }

  cool(): void {
    if (this.state !== "open") return;
    this.state = "half_open";
    this.trial = false;
  }
}

const settingsArb = fc.integer({ min: 1, max: 12 }).chain((window) =>
  fc.record({
    window: fc.constant(window),
    failures: fc.integer({ min: 0, max: window }),
  })
);

describe("circuit breaker properties", () => {
  test("matches the plain model after every step", () => {
    fc.assert(
      fc.property(settingsArb, fc.array(opArb, { maxLength: 200 }), (settings, ops) => {
        const breaker = new CircuitBreaker(settings);
        const model = new Model(settings.failures, settings.window);
        for (const op of ops) {
          if (op.kind === "begin") {
            // Only admitted requests begin: the registry's slot check comes first.
            if (!model.admits) continue;
            breaker.begin();
            model.begin();
          } else if (op.kind === "end") {
            breaker.record(op.failed);
            model.end(op.failed);
          } else {
            expect(breaker.cool()).toBe(model.state === "open");
            model.cool();
          }
          expect(breaker.state).toBe(model.state);
          expect(breaker.trial).toBe(model.trial);
          expect(breaker.admits).toBe(model.admits);
          if (model.state === "closed") {
            expect(breaker.failuresInWindow).toBe(model.outcomes.filter(Boolean).length);
          }
        }
      }),
      { numRuns: 500 },
    );
  });

  test("never opens with fewer failures in the window than breaker_failures; 0 never opens", () => {
    fc.assert(
      fc.property(settingsArb, fc.array(fc.boolean(), { maxLength: 100 }), (settings, outcomes) => {
        const breaker = new CircuitBreaker(settings);
        const seen: boolean[] = [];
        for (const failed of outcomes) {
          seen.push(failed);
          const opened = breaker.record(failed) !== undefined;
          if (opened) {
            expect(settings.failures).toBeGreaterThan(0);
            expect(seen.slice(-settings.window).filter(Boolean).length)
              .toBeGreaterThanOrEqual(settings.failures);
            seen.length = 0;
          }
          if (breaker.state === "open") breaker.cool();
          if (breaker.state === "half_open") {
            breaker.begin();
            breaker.record(false);
          }
        }
      }),
    );
  });

  test("through the registry: an open breaker takes no slot, half-open admits one trial, events say so", () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }), (outcomes) => {
        const registry = new Registry({ breaker: { failures: 3, window: 5 } });
        const backend = registry.add({
          name: "b",
          url: "http://b.test",
          type: "vllm",
          priority: 50,
          source: "static",
        });
        const events: Array<[BreakerState, BreakerState]> = [];
        registry.onChange((event: RegistryEvent) => {
          if (event.kind === "breaker") events.push([event.previous, event.backend.breaker.state]);
        });
        for (const failed of outcomes) {
          if (!hasFreeSlot(backend)) {
            expect(backend.breaker.state).not.toBe("closed");
            registry.coolBreaker("b");
            continue;
          }
          registry.beginRequest(backend);
          if (backend.breaker.state === "half_open") {
            // Single flight: the trial holds the half-open breaker until it ends.
            expect(hasFreeSlot(backend)).toBe(false);
          }
          registry.endRequest(backend, failed ? "HTTP 500" : undefined);
        }
        expect(backend.pending).toBe(0);
        for (const [from, to] of events) {
          expect(from).not.toBe(to);
          if (to === "half_open") expect(from).toBe("open");
          if (to === "closed") expect(from).toBe("half_open");
        }
      }),
    );
  });
});
