import { describe, expect, test } from "bun:test";
import { adapterFor } from "../../../src/backends/mod.ts";
import { BACKEND_TYPES } from "../../../src/config/mod.ts";

describe("probe() with a deadline that has already passed", () => {
  for (const type of BACKEND_TYPES) {
    test(`${type}: fails as timed out and leaves no unhandled rejection behind`, async () => {
      const controller = new AbortController();
      controller.abort();
      const result = await adapterFor(type).probe({
        baseUrl: "http://127.0.0.1:1",
        signal: controller.signal,
        fetch: () => {
          return Promise.reject(new TypeError("fetch failed"));
        },
      });
      // Give an unhandled rejection the turn it needs to be reported (the runner fails the test).
      await new Promise((resolve) => setTimeout(resolve, 5));
      expect(result).toEqual({ ok: false, reason: "timed out" });
    });
  }
});
