import { describe, expect, test } from "bun:test";
import type { ModelInfo } from "../../../src/registry/mod.ts";
import { NO_REQUIREMENTS, Router } from "../../../src/routing/mod.ts";
import { buildFleet, type FleetBackend, routingConfig } from "../../helpers/fleet.ts";

const model = (capabilities: ModelInfo["capabilities"], context_length?: number): ModelInfo => ({
  id: "m",
  capabilities,
  ...(context_length === undefined ? {} : { context_length }),
});

/** Routes "m" over the given backends and returns [candidate names, exclusion reasons]. */
function route(backends: FleetBackend[], required: Partial<typeof NO_REQUIREMENTS> = {}) {
  const router = new Router(buildFleet(backends), routingConfig());
  const explained = router.explain("m", { ...NO_REQUIREMENTS, ...required });
  return {
    candidates: explained.candidates.map((c) => c.backend),
    excluded: explained.excluded.map((e) => `${e.backend}: ${e.reason}`),
  };
}

describe("routing filters", () => {
  test("health: unhealthy, unknown and draining backends are excluded, naming the status", () => {
    const result = route([
      { name: "ok", models: ["m"] },
      { name: "down", status: "unhealthy", models: ["m"] },
      { name: "new", status: "unknown", models: ["m"] },
      { name: "leaving", status: "draining", models: ["m"] },
    ]);
    expect(result.candidates).toEqual(["ok"]);
    expect(result.excluded).toEqual([
      "down: status unhealthy",
      "new: status unknown",
      "leaving: status draining",
    ]);
  });

  test("health: a busy backend is routable, and the load score orders it", () => {
    const result = route([
      { name: "busy", status: "busy", models: ["m"] },
      { name: "down", status: "unhealthy", models: ["m"] },
    ]);
    expect(result.candidates).toEqual(["busy"]);
    expect(result.excluded).toEqual(["down: status unhealthy"]);
    const router = new Router(
      buildFleet([
        { name: "busy", status: "busy", pending: 40, models: ["m"] },
        { name: "idle", models: ["m"] },
      ]),
      routingConfig(),
    );
    expect(router.explain("m", NO_REQUIREMENTS).candidates.map((c) => c.backend)).toEqual([
      "idle",
      "busy",
    ]);
    expect(router.availableModels()).toEqual(["m"]);
  });

  test("model: backends that do not list the model are neither candidates nor exclusions", () => {
    const result = route([{ name: "a", models: ["m"] }, { name: "b", models: ["other"] }]);
    expect(result).toEqual({ candidates: ["a"], excluded: [] });
  });

  test("vision: only a known lack of vision excludes", () => {
    const result = route([
      { name: "yes", models: [model({ vision: true })] },
      { name: "no", models: [model({ vision: false })] },
      { name: "maybe", models: [model({})] },
    ], { vision: true });
    expect(result.candidates.sort()).toEqual(["maybe", "yes"]);
    expect(result.excluded).toEqual(["no: no vision support"]);
  });

  test("tools: only a known lack of tool support excludes", () => {
    const result = route([
      { name: "no", models: [model({ tools: false })] },
      { name: "maybe", models: [model({})] },
    ], { tools: true });
    expect(result).toEqual({ candidates: ["maybe"], excluded: ["no: no tool support"] });
  });

  test("json mode: only a known lack of JSON mode excludes", () => {
    const result = route([
      { name: "no", models: [model({ json_mode: false })] },
      { name: "maybe", models: [model({})] },
    ], { json_mode: true });
    expect(result).toEqual({ candidates: ["maybe"], excluded: ["no: no JSON mode support"] });
  });

  test("context: a known window smaller than the estimate excludes; an unknown one does not", () => {
    const result = route([
      { name: "small", models: [model({}, 8192)] },
      { name: "exact", models: [model({}, 12000)] },
      { name: "unknown", models: [model({})] },
    ], { estimated_tokens: 12000 });
    expect(result.candidates.sort()).toEqual(["exact", "unknown"]);
    expect(result.excluded).toEqual(["small: context length 8192 < estimated 12000 tokens"]);
  });

  test("capabilities are not checked when the request does not need them", () => {
    const result = route([{ name: "plain", models: [model({ vision: false, tools: false }, 10)] }]);
    expect(result).toEqual({ candidates: ["plain"], excluded: [] });
  });

  test("filters apply in order: health is reported before a capability", () => {
    const result = route(
      [{ name: "x", status: "unhealthy", models: [model({ vision: false }, 1)] }],
      { vision: true, estimated_tokens: 100 },
    );
    expect(result.excluded).toEqual(["x: status unhealthy"]);
  });
});
