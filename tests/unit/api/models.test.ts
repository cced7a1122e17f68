/**
 * /v1/models merges each model's capabilities across its routable backends without turning
 * unknown into false; /health counts busy backends as routable.
 */
import { describe, expect, test } from "bun:test";
import { healthStatus, listModels } from "../../../src/api/mod.ts";
import type { ModelCapabilities } from "../../../src/registry/mod.ts";
import { Router } from "../../../src/routing/mod.ts";
import { capabilityCell } from "../../../src/cli/models.ts";
import { buildFleet, type FleetBackend, routingConfig } from "../../helpers/fleet.ts";

function capabilitiesOf(...perBackend: ModelCapabilities[]) {
  const backends: FleetBackend[] = perBackend.map((capabilities, i) => ({
    name: `b${i}`,
    models: [{ id: "m", capabilities }],
  }));
  const registry = buildFleet(backends);
  return listModels(registry, new Router(registry, routingConfig()), 0)[0]!.capabilities;
}

describe("GET /v1/models capabilities", () => {
  test("unknown is null, never false", () => {
    expect(capabilitiesOf({})).toEqual({
      vision: null,
      tools: null,
      json_mode: null,
      embeddings: null,
    });
  });

  test("one backend having it is enough; a lack is known only when every backend knows it", () => {
    expect(capabilitiesOf({ vision: false }, { vision: true }).vision).toBe(true);
    expect(capabilitiesOf({ vision: false }, {}).vision).toBeNull();
    expect(capabilitiesOf({}, { vision: false }).vision).toBeNull();
    expect(capabilitiesOf({ vision: false }, { vision: false }).vision).toBe(false);
  });

  test("models of busy backends are listed; unhealthy ones are not", () => {
    const registry = buildFleet([
      { name: "busy", status: "busy", models: ["a"] },
      { name: "down", status: "unhealthy", models: ["b"] },
    ]);
    const ids = listModels(registry, new Router(registry, routingConfig()), 0).map((m) => m.id);
    expect(ids).toEqual(["a"]);
  });
});

describe("gateway health", () => {
  test("busy backends count as routable", () => {
    expect(healthStatus({ total: 2, healthy: 1, busy: 1 })).toBe("healthy");
    expect(healthStatus({ total: 2, healthy: 0, busy: 1 })).toBe("degraded");
    expect(healthStatus({ total: 1, healthy: 0, busy: 0 })).toBe("unhealthy");
  });
});

describe("nexus models CAPABILITIES column", () => {
  test("known capabilities by name, unknown ones with ?, known lacks left out", () => {
    expect(capabilityCell({ vision: false, tools: true, json_mode: null, embeddings: null }))
      .toBe("tools,json_mode?,embeddings?");
    expect(capabilityCell({ vision: false, tools: false })).toBe("-");
  });
});
