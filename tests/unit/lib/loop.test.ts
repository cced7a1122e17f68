/** Loop detection values (src/lib/loop.ts): the Via chain read, checked and extended. */
import { describe, expect, test } from "bun:test";
import {
  forwardedVia,
  loopFailure,
  MAX_HOPS,
  VIA_HEADER,
  viaChain,
} from "../../../src/lib/loop.ts";

const headers = (via?: string) => new Headers(via === undefined ? {} : { [VIA_HEADER]: via });

describe("the Via chain", () => {
  test("is read as trimmed ids, empty parts skipped", () => {
    expect(viaChain(null)).toEqual([]);
    expect(viaChain(" a ,b,, c ")).toEqual(["a", "b", "c"]);
  });

  test("is extended with this Nexus's id, after what the client sent", () => {
    expect(forwardedVia(headers(), "me")).toBe("me");
    expect(forwardedVia(headers("a, b"), "me")).toBe("a, b, me");
    expect(forwardedVia(undefined, "me")).toBe("me");
  });

  test("a request carrying this id, or more than MAX_HOPS ids, is a loop", () => {
    expect(loopFailure(headers("a, me, b"), "me")?.kind).toBe("loop_detected");
    const long = Array.from({ length: MAX_HOPS + 1 }, (_, i) => `g${i}`).join(",");
    expect(loopFailure(headers(long), "me")?.kind).toBe("loop_detected");
    const allowed = Array.from({ length: MAX_HOPS }, (_, i) => `g${i}`).join(",");
    expect(loopFailure(headers(allowed), "me")).toBeUndefined();
    expect(loopFailure(headers(), "me")).toBeUndefined();
    expect(loopFailure(headers("mean, men"), "me")).toBeUndefined();
  });
});
