/**
 * The token buckets against a reference model, for any sequence of requests: the model refills
 * one millisecond at a time (a loop, not a formula), so an off-by-one in the closed form, a
 * rounding slip or a missed cap shows up as a different decision.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { LocalLimits } from "../../src/state/mod.ts";

/** Tokens kept in sixty-thousandths, refilled `capacity` of them per millisecond, capped. */
class ReferenceBucket {
  level: number;
  at = 0;
  constructor(readonly capacity: number) {
    this.level = capacity * 60_000;
  }
  advance(to: number): void {
    for (; this.at < to; this.at++) {
      this.level = Math.min(this.capacity * 60_000, this.level + this.capacity);
    }
  }
  /** A cost above the capacity needs a full bucket; the whole cost is taken (a debt). */
  take(cost: number): boolean {
    if (this.level < Math.min(cost, this.capacity) * 60_000) return false;
    this.level -= cost * 60_000;
    return true;
  }
  settle(back: number): void {
    this.level = Math.min(this.capacity * 60_000, this.level + back * 60_000);
  }
}

const step = fc.record({
  gapMs: fc.oneof(fc.integer({ min: 0, max: 50 }), fc.integer({ min: 0, max: 20_000 })),
  estimate: fc.integer({ min: 0, max: 400 }),
  used: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
});

describe("per-key token buckets", () => {
  test("admit exactly as the reference model does, for any request sequence", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }),
        fc.integer({ min: 1, max: 500 }),
        fc.array(step, { maxLength: 60 }),
        (rpm, tpm, steps) => {
          const limits = new LocalLimits();
          const requests = new ReferenceBucket(rpm);
          const tokens = new ReferenceBucket(tpm);
          let now = 0;
          steps.forEach((s, i) => {
            now += s.gapMs;
            requests.advance(now);
            tokens.advance(now);
            const request = {
              name: "k",
              hash: "h",
              limits: { rpm, tpm, concurrency: null },
              estimate: s.estimate,
              lease: String(i),
            };
            const decision = limits.admit(request, now);
            const rpmOk = requests.level >= Math.min(1, rpm) * 60_000;
            const tpmOk = tokens.level >= Math.min(s.estimate, tpm) * 60_000;
            const expected = rpmOk && tpmOk;
            expect(decision.ok).toBe(expected);
            if (expected) {
              requests.take(1);
              tokens.take(s.estimate);
            }
            expect(decision.requests!.remaining).toBe(
              Math.max(0, Math.floor(requests.level / 60_000)),
            );
            expect(decision.tokens!.remaining).toBe(Math.max(0, Math.floor(tokens.level / 60_000)));
            if (!expected) {
              expect(decision.limited).toBe(rpmOk ? "tokens" : "requests");
              expect(decision.retryAfterMs).toBeGreaterThan(0);
            }
            if (expected) {
              limits.end({ request, tokens: s.used }, now);
              if (s.used !== undefined) tokens.settle(s.estimate - s.used);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  test("never admit more than the capacity plus what a window refills", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.array(fc.integer({ min: 0, max: 3000 }), { minLength: 1, maxLength: 200 }),
        (rpm, gaps) => {
          const limits = new LocalLimits();
          let now = 0;
          const admitted: number[] = [];
          gaps.forEach((gap, i) => {
            now += gap;
            const decision = limits.admit({
              name: "k",
              hash: "h",
              limits: { rpm, tpm: null, concurrency: null },
              estimate: 0,
              lease: String(i),
            }, now);
            if (decision.ok) admitted.push(now);
          });
          // In any 60 s window: at most a full bucket plus one minute of refill.
          for (const start of admitted) {
            const inWindow = admitted.filter((t) => t >= start && t < start + 60_000).length;
            expect(inWindow).toBeLessThanOrEqual(2 * rpm);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  test("concurrency: never more running than the limit; a slot frees when a request ends", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.array(fc.boolean(), { maxLength: 100 }),
        (limit, ops) => {
          const limits = new LocalLimits();
          const running: Array<{ request: Parameters<LocalLimits["admit"]>[0] }> = [];
          ops.forEach((start, i) => {
            if (start || running.length === 0) {
              const request = {
                name: "k",
                hash: "h",
                limits: { rpm: null, tpm: null, concurrency: limit },
                estimate: 0,
                lease: String(i),
              };
              const decision = limits.admit(request, i);
              expect(decision.ok).toBe(running.length < limit);
              if (decision.ok) running.push({ request });
              else expect(decision.limited).toBe("concurrency");
            } else {
              limits.end({ request: running.shift()!.request, tokens: undefined }, i);
            }
            expect(limits.running("k")).toBe(running.length);
          });
        },
      ),
      { numRuns: 200 },
    );
  });
});
