import { describe, expect, test } from "bun:test";
import { InFlight } from "../../../src/exchange/mod.ts";
import { SHUTDOWN } from "../../../src/proxy/mod.ts";

/** A forwarding stand-in: remembers why it was cancelled. */
class Work {
  reasons: unknown[] = [];
  cancel(reason: unknown): void {
    this.reasons.push(reason);
  }
}

describe("InFlight tracking", () => {
  test("abortAll ends exactly the work still tracked, once each", () => {
    const inflight = new InFlight();
    const [a, b, c] = [new Work(), new Work(), new Work()];
    const slotA = inflight.track(a);
    inflight.track(b);
    const slotC = inflight.track(c);
    inflight.untrack(slotA);
    inflight.untrack(slotC);
    inflight.abortAll();
    expect(a.reasons).toEqual([]);
    expect(b.reasons).toEqual([SHUTDOWN]);
    expect(c.reasons).toEqual([]);
  });

  test("a freed slot taken by new work: the old work's end does not untrack the new", () => {
    const inflight = new InFlight();
    const [first, second, third] = [new Work(), new Work(), new Work()];
    const slot = inflight.track(first);
    inflight.untrack(slot);
    inflight.track(second);
    inflight.track(third);
    inflight.abortAll();
    expect(first.reasons).toEqual([]);
    expect(second.reasons).toEqual([SHUTDOWN]);
    expect(third.reasons).toEqual([SHUTDOWN]);
  });

  test("after abortAll, new work is ended at once and ending old work is harmless", () => {
    const inflight = new InFlight();
    const before = new Work();
    const slot = inflight.track(before);
    inflight.abortAll();
    inflight.untrack(slot);
    const late = new Work();
    inflight.track(late);
    expect(late.reasons).toEqual([SHUTDOWN]);
    inflight.abortAll();
    expect(before.reasons).toEqual([SHUTDOWN]);
    expect(late.reasons).toEqual([SHUTDOWN]);
  });
});
