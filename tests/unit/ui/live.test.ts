/**
 * The dashboard's requests in flight: held while a browser watches, in slots handed back at the
 * request's end, listed oldest first; a request from before the last browser left is let go.
 */
import { describe, expect, test } from "bun:test";
import type { LiveRequest } from "../../../src/exchange/mod.ts";
import { LiveRequests } from "../../../src/ui/live.ts";

function request(id: string, receivedAt: number): LiveRequest {
  return {
    requestId: id,
    endpoint: "chat",
    receivedAt,
    requestedModel: "m",
    stream: false,
    priority: "normal",
    phase: "sent",
    backend: "gpu",
    servedModel: "m",
  };
}

const ids = (live: LiveRequests) => live.json(100).map((r) => r.id);

describe("LiveRequests", () => {
  test("lists the requests in flight oldest first, a freed slot reused by a later one", () => {
    const live = new LiveRequests();
    live.watch();
    const a = request("a", 1), b = request("b", 2), c = request("c", 3);
    const slotA = live.begin(a);
    live.begin(b);
    live.end(a, slotA);
    // c takes a's slot, yet is listed after b, which began before it.
    expect(live.begin(c)).toBe(slotA);
    expect(ids(live)).toEqual(["b", "c"]);
    expect(live.count).toBe(2);
  });

  test("a request that began before the last browser left does not end a later one", () => {
    const live = new LiveRequests();
    live.watch();
    const old = request("old", 1);
    const slot = live.begin(old);
    live.unwatch();
    expect(live.count).toBe(0);
    live.watch();
    const later = request("later", 2);
    expect(live.begin(later)).toBe(slot);
    live.end(old, slot);
    expect(ids(live)).toEqual(["later"]);
    expect(live.count).toBe(1);
  });

  test("says once that something started or ended", () => {
    const live = new LiveRequests();
    live.watch();
    const slot = live.begin(request("a", 1));
    expect(live.takeChanged()).toBe(true);
    expect(live.takeChanged()).toBe(false);
    live.end(request("other", 1), slot);
    expect(live.takeChanged()).toBe(false);
  });
});
