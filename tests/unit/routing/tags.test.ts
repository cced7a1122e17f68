/** Model names as Ollama users type them: the implicit `:latest` tag, both ways. */
import { describe, expect, test } from "bun:test";
import { Router } from "../../../src/routing/mod.ts";
import { buildFleet, type FleetBackend, routingConfig } from "../../helpers/fleet.ts";

function router(backends: FleetBackend[], routing: Record<string, unknown> = {}) {
  return new Router(buildFleet(backends), routingConfig(routing));
}

function served(r: Router, model: string): string[] {
  const decision = r.select(model);
  if (!decision.ok) throw new TypeError(decision.rejection.message);
  return decision.candidates.map((c) => `${c.backend.name}:${c.model}`);
}

describe("Ollama's implicit :latest tag", () => {
  test("a name without a tag reaches an Ollama backend's NAME:latest", () => {
    const r = router([{ name: "gpu", type: "ollama", models: ["qwen2.5:latest"] }]);
    expect(served(r, "qwen2.5")).toEqual(["gpu:qwen2.5:latest"]);
  });

  test("an explicit tag wins: the bare name listed as such is never rewritten", () => {
    const r = router([
      { name: "gpu", type: "ollama", models: ["qwen2.5:latest"] },
      { name: "box", type: "vllm", models: ["qwen2.5"] },
    ]);
    expect(served(r, "qwen2.5")).toEqual(["box:qwen2.5"]);
    expect(served(r, "qwen2.5:latest")).toEqual(["gpu:qwen2.5:latest"]);
  });

  test("NAME:latest reaches a server that lists the bare NAME", () => {
    const r = router([{ name: "box", type: "llamacpp", models: ["phi3"] }]);
    expect(served(r, "phi3:latest")).toEqual(["box:phi3"]);
  });

  test("only Ollama's listings get the implicit tag", () => {
    const r = router([{ name: "box", type: "vllm", models: ["qwen2.5:latest"] }]);
    const decision = r.select("qwen2.5");
    expect(decision.ok).toBe(false);
    if (!decision.ok) expect(decision.rejection.status).toBe(404);
  });

  test("another tag is never guessed", () => {
    const r = router([{ name: "gpu", type: "ollama", models: ["qwen2.5:7b"] }]);
    expect(r.select("qwen2.5").ok).toBe(false);
  });

  test("applies after aliases and to fallback models; /v1/route shows the step", () => {
    const r = router(
      [{ name: "gpu", type: "ollama", models: ["llama3:latest"] }],
      { aliases: { fast: "llama3" }, fallbacks: { big: ["llama3"] } },
    );
    expect(served(r, "fast")).toEqual(["gpu:llama3:latest"]);
    expect(served(r, "big")).toEqual(["gpu:llama3:latest"]);
    expect(r.explain("fast").alias_path).toEqual(["fast", "llama3", "llama3:latest"]);
  });
});
