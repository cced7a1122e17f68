/**
 * The dashboard's Tok/s (web/format.ts): one decimal below 100, whole grouped numbers from there,
 * and no figure at all from a duration too short to measure (a sub-millisecond answer made
 * `198461.5` and `430000` appear side by side).
 */
import { describe, expect, test } from "bun:test";
import { MIN_RATE_MS, rate, tokensPerSecond } from "../../../web/format.ts";

describe("tokens per second on the dashboard", () => {
  test("a sub-millisecond answer has no rate: the cell shows the placeholder", () => {
    expect(tokensPerSecond(43, 0.2167, null, false)).toBeNull();
    expect(tokensPerSecond(430, 0.5, 0.4, true)).toBeNull();
    expect(rate(tokensPerSecond(43, 0.2167, null, false))).toBe("–");
  });

  test("from a millisecond on, the rate is measured", () => {
    expect(tokensPerSecond(1, MIN_RATE_MS, null, false)).toBe(1000);
  });

  test("one decimal below 100 tok/s, whole and grouped from there", () => {
    expect(rate(tokensPerSecond(15, 2000, null, false))).toBe("7.5");
    expect(rate(tokensPerSecond(42, 1000, null, false))).toBe("42.0");
    // 99.96 rounds to 100: shown as the whole number, not "100.0".
    expect(rate(99.96)).toBe((100).toLocaleString());
    expect(rate(tokensPerSecond(430, 1000, null, false))).toBe("430");
    expect(rate(123_456.7)).toBe((123_457).toLocaleString());
    expect(rate(123_456.7)).not.toContain(".7");
  });

  test("a stream's rate is over its generation, first token to last", () => {
    // 100 tokens generated over 2 s after a 1 s wait for the first.
    expect(rate(tokensPerSecond(100, 3000, 1000, true))).toBe("50.0");
    expect(rate(tokensPerSecond(0, 3000, 1000, true))).toBe("–");
  });
});
