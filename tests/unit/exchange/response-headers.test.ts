/** X-Nexus-Backend-Type: `cloud` for the hosted types (one list, config/constants.ts), else local. */
import { describe, expect, test } from "bun:test";
import { BACKEND_TYPES, CLOUD_BACKEND_TYPES } from "../../../src/config/mod.ts";
import { nexusHeaders } from "../../../src/exchange/response-headers.ts";
import { Registry } from "../../../src/registry/mod.ts";

describe("nexusHeaders()", () => {
  test("says cloud exactly for the hosted backend types, local for every other", () => {
    const registry = new Registry();
    for (const type of BACKEND_TYPES) {
      const backend = registry.add({
        name: type,
        url: `http://${type}.test`,
        type,
        priority: 50,
        source: "static",
      });
      const headers: Record<string, string> = {};
      nexusHeaders(headers, { backend, model: "m", fallback: false, score: 0 }, "capability-match");
      expect(headers["x-nexus-backend-type"]).toBe(type === "openai" ? "cloud" : "local");
      expect(headers["x-nexus-backend"]).toBe(type);
    }
    expect([...CLOUD_BACKEND_TYPES]).toEqual(["openai"]);
  });

  test("names the fallback model only when a fallback served", () => {
    const backend = new Registry().add({
      name: "b",
      url: "http://b.test",
      type: "vllm",
      priority: 50,
      source: "static",
    });
    const headers: Record<string, string> = {};
    nexusHeaders(headers, { backend, model: "small", fallback: true, score: 0 }, "fallback");
    expect(headers["x-nexus-fallback-model"]).toBe("small");
    expect(headers["x-nexus-route-reason"]).toBe("fallback");
  });
});
