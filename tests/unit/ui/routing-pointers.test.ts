/**
 * The dashboard's "Pointing at it" column: the aliases and fallback chains it gets name each
 * target as a request resolves it (Ollama's implicit `:latest`, an alias of an alias), and a
 * reload that changes them reaches a page that is already open.
 */
import { describe, expect, test } from "bun:test";
import { type NexusConfig, validateConfig } from "../../../src/config/mod.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { Router } from "../../../src/routing/mod.ts";
import { Dashboard } from "../../../src/ui/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";

function routingOf(routing: Record<string, unknown>): NexusConfig["routing"] {
  return validateConfig({ routing }).config.routing;
}

function setup() {
  const clock = new FakeClock();
  const registry = new Registry();
  registry.add({
    name: "gpu",
    url: "http://gpu.test:11434",
    type: "ollama",
    priority: 50,
    source: "static",
  }, {
    status: "healthy",
    models: [
      { id: "llama3.2:latest", capabilities: {} },
      { id: "qwen2.5:7b", capabilities: {} },
    ],
  });
  // As the gateway does: the dashboard reads the routing section live, the router is reconfigured.
  let routing = routingOf({
    aliases: { fast: "llama3.2", quick: "fast" },
    fallbacks: { "qwen2.5-coder": ["llama3.2"] },
  });
  const router = new Router(registry, routing);
  const dashboard = new Dashboard({
    registry,
    router,
    clock,
    version: "9.9.9",
    startedAt: clock.now(),
    queueDepth: () => 0,
    routing: {
      get aliases() {
        return routing.aliases;
      },
      get fallbacks() {
        return routing.fallbacks;
      },
    },
    adminToken: undefined,
  });
  const reload = (next: Record<string, unknown>) => {
    routing = routingOf(next);
    router.configure(routing);
  };
  return { dashboard, reload };
}

describe("the dashboard's aliases and fallbacks", () => {
  test("name the model a request reaches, not the name written in the config", () => {
    const { dashboard } = setup();
    expect(dashboard.state.snapshot("local").routing).toEqual({
      aliases: { fast: "llama3.2:latest", quick: "llama3.2:latest" },
      fallbacks: { "qwen2.5-coder": ["llama3.2:latest"] },
    });
  });

  test("a reload that changes them is sent to an open page, with the model list, once", () => {
    const { dashboard, reload } = setup();
    dashboard.state.snapshot("local");
    expect(new Map(dashboard.state.deltas()).has("routing")).toBe(false);
    reload({ aliases: { fast: "qwen2.5:7b" } });
    const deltas = new Map(dashboard.state.deltas());
    expect(deltas.get("routing")).toEqual({ aliases: { fast: "qwen2.5:7b" }, fallbacks: {} });
    const models = deltas.get("models") as Array<{ id: string; alias_of?: string }>;
    expect(models.find((m) => m.id === "fast")?.alias_of).toBe("qwen2.5:7b");
    expect(models.some((m) => m.id === "quick")).toBe(false);
    expect(new Map(dashboard.state.deltas()).has("routing")).toBe(false);
  });
});
