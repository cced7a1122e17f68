/**
 * How the router treats asleep backends and open breakers: an asleep backend that could serve
 * is named in the decision's `wake` only when nothing awake can (or it has `prefer_wake`); one
 * that cannot serve the request anyway (no vision) is not woken; a backend whose breaker is open
 * is excluded with that reason. `configure()` swaps the alias table at once.
 */
import { describe, expect, test } from "bun:test";
import { validateConfig } from "../../../src/config/mod.ts";
import { type BackendStatus, type ModelInfo, Registry } from "../../../src/registry/mod.ts";
import { NO_REQUIREMENTS, Router } from "../../../src/routing/mod.ts";
import { routingConfig } from "../../helpers/fleet.ts";

const WAKE = validateConfig({
  backends: [{ url: "http://x:1", wake: { mac: "aa:bb:cc:dd:ee:ff" } }],
})
  .config.backends[0]!.wake!;

function fleet(
  backends: Array<
    { name: string; status: BackendStatus; models: ModelInfo[]; wake?: boolean; prefer?: boolean }
  >,
): Registry {
  const registry = new Registry();
  for (const b of backends) {
    registry.add({
      name: b.name,
      url: `http://${b.name}.test:8000`,
      type: "ollama",
      priority: 50,
      source: "static",
      ...(b.wake ? { wake: WAKE } : {}),
      ...(b.prefer ? { prefer_wake: true } : {}),
    }, { status: b.status, models: b.models });
  }
  return registry;
}

const model = (id: string, capabilities: ModelInfo["capabilities"] = {}): ModelInfo => ({
  id,
  capabilities,
});

describe("asleep backends in routing decisions", () => {
  test("only an asleep backend serves the model: a 503 decision naming it in wake", () => {
    const registry = fleet([{ name: "gpu", status: "asleep", wake: true, models: [model("big")] }]);
    const decision = new Router(registry, routingConfig()).select("big");
    expect(decision.ok).toBe(false);
    expect(decision.wake?.map((b) => b.name)).toEqual(["gpu"]);
    if (!decision.ok) {
      expect(decision.rejection.status).toBe(503);
      expect(decision.rejection.message).toContain("asleep (a request wakes it)");
    }
  });

  test("another backend can serve it: used, and nothing is woken", () => {
    const registry = fleet([
      { name: "gpu", status: "asleep", wake: true, models: [model("big")] },
      { name: "cpu", status: "healthy", models: [model("big")] },
    ]);
    const decision = new Router(registry, routingConfig()).select("big");
    expect(decision.ok && decision.candidates.map((c) => c.backend.name)).toEqual(["cpu"]);
    expect(decision.wake).toBeUndefined();
  });

  test("prefer_wake: the others are candidates, and the asleep one is named in wake", () => {
    const registry = fleet([
      { name: "gpu", status: "asleep", wake: true, prefer: true, models: [model("big")] },
      { name: "cpu", status: "healthy", models: [model("big")] },
    ]);
    const decision = new Router(registry, routingConfig()).select("big");
    expect(decision.ok).toBe(true);
    expect(decision.wake?.map((b) => b.name)).toEqual(["gpu"]);
    expect(new Router(registry, routingConfig()).explain("big").wake).toEqual(["gpu"]);
  });

  test("an asleep backend known not to do what the request needs is not woken", () => {
    const registry = fleet([
      { name: "gpu", status: "asleep", wake: true, models: [model("big", { vision: false })] },
    ]);
    const decision = new Router(registry, routingConfig()).select("big", {
      ...NO_REQUIREMENTS,
      vision: true,
    });
    expect(decision.ok).toBe(false);
    expect(decision.wake).toBeUndefined();
  });

  test("a fallback model served by an asleep backend is woken when nothing else serves", () => {
    const registry = fleet([
      { name: "down", status: "unhealthy", models: [model("big")] },
      { name: "gpu", status: "asleep", wake: true, models: [model("small")] },
    ]);
    const decision = new Router(registry, routingConfig({ fallbacks: { big: ["small"] } }))
      .select("big");
    expect(decision.wake?.map((b) => b.name)).toEqual(["gpu"]);
  });

  test("models of asleep backends are available names (a 404 would be wrong)", () => {
    const registry = fleet([{ name: "gpu", status: "asleep", wake: true, models: [model("big")] }]);
    expect(new Router(registry, routingConfig()).availableModels()).toEqual(["big"]);
  });
});

describe("open circuit breakers in routing decisions", () => {
  test("excluded with the reason; the other backend serves", () => {
    const registry = new Registry({ breaker: { failures: 1, window: 1 } });
    for (const name of ["flaky", "steady"]) {
      registry.add({
        name,
        url: `http://${name}.test`,
        type: "vllm",
        priority: name === "flaky" ? 1 : 2,
        source: "static",
      }, { status: "healthy", models: [model("m")] });
    }
    const flaky = registry.get("flaky")!;
    registry.beginRequest(flaky);
    registry.endRequest(flaky, "HTTP 500");
    expect(flaky.breaker.state).toBe("open");
    const router = new Router(registry, routingConfig());
    const decision = router.select("m");
    expect(decision.ok && decision.candidates.map((c) => c.backend.name)).toEqual(["steady"]);
    expect(router.explain("m").excluded).toEqual([{
      backend: "flaky",
      model: "m",
      reason: "circuit breaker open (its requests failed; cooling down)",
    }]);
  });
});

describe("Router.configure()", () => {
  test("new aliases and fallbacks apply to the next decision", () => {
    const registry = fleet([{ name: "gpu", status: "healthy", models: [model("a"), model("b")] }]);
    const router = new Router(registry, routingConfig({ aliases: { fast: "a" } }));
    expect(router.resolveModel("fast")).toBe("a");
    router.configure(routingConfig({ aliases: { fast: "b" }, max_retries: 0 }));
    const decision = router.select("fast");
    expect(decision.ok && decision.model).toBe("b");
    expect(router.explain("fast").max_attempts).toBe(1);
  });
});
