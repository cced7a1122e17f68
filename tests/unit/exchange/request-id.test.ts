import { describe, expect, test } from "bun:test";
import { requestIdFor } from "../../../src/exchange/mod.ts";

describe("requestIdFor()", () => {
  test("echoes a sane client id", () => {
    expect(requestIdFor(new Headers({ "x-request-id": "req_abc-123.4:5" }))).toBe(
      "req_abc-123.4:5",
    );
  });

  test("replaces an id that is too long or has unsafe characters", () => {
    for (const bad of ["x".repeat(129), "a b", 'a"b', "<script>", "é"]) {
      const id = requestIdFor(new Headers({ "x-request-id": bad }));
      expect(id).not.toBe(bad);
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
    }
  });

  test("generates a fresh id when none is sent", () => {
    const a = requestIdFor(new Headers());
    const b = requestIdFor(new Headers());
    expect(a).toMatch(/^[0-9a-f-]{36}$/);
    expect(a).not.toBe(b);
  });
});
