import { describe, expect, test } from "bun:test";
import { scoreBackend, scoreComponents } from "../../../src/routing/mod.ts";

const weights = { priority: 50, load: 30, latency: 20 };

describe("scoreBackend()", () => {
  test("a preferred, idle, instant backend scores 100; the opposite scores 0", () => {
    expect(scoreBackend({ priority: 0, pending: 0, latency_ms: 0 }, weights)).toBe(100);
    expect(scoreBackend({ priority: 100, pending: 100, latency_ms: 1000 }, weights)).toBe(0);
  });

  test("blends the components with the configured weights", () => {
    // prio 100-50=50, load 100-10=90, lat 100-200/10=80 → (50·50 + 90·30 + 80·20) / 100
    const backend = { priority: 50, pending: 10, latency_ms: 200 };
    expect(scoreComponents(backend)).toEqual({ priority: 50, load: 90, latency: 80 });
    expect(scoreBackend(backend, weights)).toBeCloseTo(68);
    expect(scoreBackend(backend, { priority: 100, load: 0, latency: 0 })).toBe(50);
  });

  test("clamps inputs beyond the scale", () => {
    const huge = { priority: 500, pending: 5000, latency_ms: 60_000 };
    expect(scoreComponents(huge)).toEqual({ priority: 0, load: 0, latency: 0 });
    expect(scoreComponents({ priority: -5, pending: -1, latency_ms: -3 })).toEqual({
      priority: 100,
      load: 100,
      latency: 100,
    });
  });

  test("an unmeasured backend counts as 0 ms, so a new backend is not starved", () => {
    const fresh = { priority: 50, pending: 0, latency_ms: undefined };
    expect(scoreComponents(fresh).latency).toBe(100);
    expect(scoreBackend(fresh, weights)).toBeGreaterThan(
      scoreBackend({ ...fresh, latency_ms: 50 }, weights),
    );
  });
});
