import { describe, expect, test } from "bun:test";
import { NO_REQUIREMENTS, type RouteDecision, Router } from "../../../src/routing/mod.ts";
import { buildFleet, type FleetBackend, routingConfig } from "../../helpers/fleet.ts";

function router(backends: FleetBackend[], routing: Record<string, unknown> = {}): Router {
  return new Router(buildFleet(backends), routingConfig(routing));
}

const names = (decision: RouteDecision) =>
  decision.ok ? decision.candidates.map((c) => `${c.backend.name}:${c.model}`) : [];

const vision = { ...NO_REQUIREMENTS, vision: true };

describe("Router.select() aliases", () => {
  test("sends the resolved model name to the backend", () => {
    const r = router([{ name: "gpu", models: ["llama3:70b"] }], {
      aliases: { "gpt-4": "big", big: "llama3:70b" },
    });
    const decision = r.select("gpt-4");
    expect(decision.ok && decision.model).toBe("llama3:70b");
    expect(names(decision)).toEqual(["gpu:llama3:70b"]);
    expect(r.resolveModel("gpt-4")).toBe("llama3:70b");
    expect(r.resolveModel("plain")).toBe("plain");
  });

  test("explain shows the alias path", () => {
    const r = router([{ name: "gpu", models: ["c"] }], { aliases: { a: "b", b: "c" } });
    expect(r.explain("a").alias_path).toEqual(["a", "b", "c"]);
    expect(r.explain("c").alias_path).toEqual(["c"]);
  });
});

describe("Router.select() wildcard aliases", () => {
  const claude = {
    "claude-*": "small",
    "claude-sonnet-*": "big",
    "claude-sonnet-4-exact": "exact",
  };
  const fleet: FleetBackend[] = [
    { name: "gpu", models: ["big", "small", "exact"] },
    { name: "cloud", models: ["claude-sonnet-served"] },
  ];

  test("a name with the pattern's prefix resolves to its target; the longest prefix wins", () => {
    const r = router(fleet, { aliases: claude });
    expect(names(r.select("claude-sonnet-4-5-20250929"))).toEqual(["gpu:big"]);
    expect(names(r.select("claude-3-5-haiku-20241022"))).toEqual(["gpu:small"]);
  });

  test("an exact alias and a served model name win over a pattern", () => {
    const r = router(fleet, { aliases: claude });
    expect(names(r.select("claude-sonnet-4-exact"))).toEqual(["gpu:exact"]);
    expect(names(r.select("claude-sonnet-served"))).toEqual(["cloud:claude-sonnet-served"]);
  });

  test("a name no pattern matches is still unknown, and the 404 lists the patterns", () => {
    const decision = router(fleet, { aliases: claude }).select("gpt-4");
    expect(decision.ok).toBe(false);
    if (!decision.ok) {
      expect(decision.rejection.status).toBe(404);
      expect(decision.rejection.message).toContain("claude-sonnet-*");
    }
  });

  test("explain shows the pattern in the alias path", () => {
    const r = router(fleet, { aliases: { ...claude, big: "exact" } });
    expect(r.explain("claude-sonnet-4").alias_path).toEqual([
      "claude-sonnet-4",
      "claude-sonnet-*",
      "big",
      "exact",
    ]);
  });

  test("a pattern's fallbacks apply to the names it matches", () => {
    const r = router([{ name: "gpu", status: "unhealthy", models: ["big"] }, ...fleet.slice(1), {
      name: "cpu",
      models: ["small"],
    }], { aliases: claude, fallbacks: { "claude-sonnet-*": ["small"] } });
    expect(names(r.select("claude-sonnet-4"))).toEqual(["cpu:small"]);
  });

  test("patterns are not listed as alias names", () => {
    expect(router(fleet, { aliases: claude }).aliasNames()).toEqual(["claude-sonnet-4-exact"]);
  });
});

describe("Router.select() fallbacks", () => {
  const fleet: FleetBackend[] = [
    { name: "big-box", status: "unhealthy", models: ["big"] },
    { name: "mid-box", models: ["mid"] },
    { name: "small-box", models: ["small"] },
  ];

  test("uses the first fallback with a usable backend, marked as fallback", () => {
    const decision = router(fleet, { fallbacks: { big: ["mid", "small"] } }).select("big");
    expect(names(decision)).toEqual(["mid-box:mid", "small-box:small"]);
    expect(decision.ok && decision.candidates.every((c) => c.fallback)).toBe(true);
  });

  test("puts the primary's candidates first, so a failing primary fails over into the chain", () => {
    const healthy = fleet.map((b) => ({ ...b, status: "healthy" as const }));
    const decision = router(healthy, { fallbacks: { big: ["mid"] } }).select("big");
    expect(names(decision)).toEqual(["big-box:big", "mid-box:mid"]);
    expect(decision.ok && decision.candidates.map((c) => c.fallback)).toEqual([false, true]);
  });

  test("skips fallbacks when the primary already fills every allowed attempt", () => {
    const r = router(
      [{ name: "a", models: ["big"] }, { name: "b", models: ["big"] }, ...fleet.slice(1)],
      { fallbacks: { big: ["mid"] }, max_retries: 1 },
    );
    expect(names(r.select("big"))).toEqual(["a:big", "b:big"]);
    expect(r.explain("big").fallbacks).toEqual([
      { name: "mid", model: "mid", outcome: "not_needed" },
    ]);
  });

  test("resolves fallback names through aliases and follows a chain written for an alias", () => {
    const r = router(fleet, {
      aliases: { "gpt-4": "big", fast: "small" },
      fallbacks: { "gpt-4": ["fast"] },
    });
    expect(names(r.select("gpt-4"))).toEqual(["small-box:small"]);
  });

  test("lists a backend serving several models of the chain once", () => {
    const r = router(
      [{ name: "big-box", status: "unhealthy", models: ["big"] }, {
        name: "x",
        models: ["a", "b"],
      }],
      { fallbacks: { big: ["a", "b"] } },
    );
    expect(names(r.select("big"))).toEqual(["x:a"]);
  });

  test("serves an unknown model from its fallback chain", () => {
    const decision = router(fleet, { fallbacks: { ghost: ["small"] } }).select("ghost");
    expect(names(decision)).toEqual(["small-box:small"]);
  });
});

describe("Router.select() rejections", () => {
  test("404 lists available models and aliases when nothing knows the model", () => {
    const r = router(
      [{ name: "a", models: ["m1"] }, { name: "down", status: "unhealthy", models: ["m2"] }],
      { aliases: { nick: "m1" } },
    );
    const decision = r.select("nope");
    expect(decision.ok).toBe(false);
    if (decision.ok) return;
    expect(decision.rejection).toEqual({
      kind: "model_not_found",
      status: 404,
      code: "model_not_found",
      message: 'Model "nope" not found. Available models: m1, nick',
      param: "model",
    });
  });

  test("404 names the fallback chain when no model of it exists", () => {
    const decision = router([], { fallbacks: { a: ["b", "c"] } }).select("a");
    expect(!decision.ok && decision.rejection.message).toBe(
      'Model "a" not found, nor its fallbacks (b -> c). No models are available',
    );
  });

  test("503 carries the requirements, every exclusion and the fallbacks tried", () => {
    const r = router([
      { name: "down", status: "unhealthy", models: ["m"] },
      { name: "blind", models: [{ id: "m", capabilities: { vision: false } }] },
      { name: "blind2", models: [{ id: "m2", capabilities: { vision: false } }] },
    ], { fallbacks: { m: ["m2", "ghost"] } });
    const decision = r.select("m", vision);
    if (decision.ok) throw new TypeError("expected a rejection");
    expect(decision.rejection.status).toBe(503);
    expect(decision.rejection.code).toBe("service_unavailable");
    expect(decision.rejection.message).toBe(
      'No backend can serve model "m" or its fallbacks (m2 -> ghost) right now: ' +
        "down [m]: status unhealthy; blind [m]: no vision support; blind2 [m2]: no vision support",
    );
    expect(decision.rejection.context).toEqual({
      model: "m",
      required: vision,
      excluded: [
        { backend: "down", model: "m", reason: "status unhealthy" },
        { backend: "blind", model: "m", reason: "no vision support" },
        { backend: "blind2", model: "m2", reason: "no vision support" },
      ],
      fallbacks_tried: ["m2", "ghost"],
    });
  });

  test("400 unsupported_by_model when no backend of the model can fill in the middle", () => {
    const fim = { ...NO_REQUIREMENTS, operation: "completions" as const, fim: true };
    const plain = { id: "llama3:8b", capabilities: { completion: true, fim: false } };
    const r = router([
      { name: "a", type: "ollama", models: [plain] },
      { name: "b", type: "ollama", models: [plain] },
    ], { aliases: { chat: "llama3:8b" } });
    const decision = r.select("chat", fim);
    if (decision.ok) throw new TypeError("expected a rejection");
    expect(decision.rejection).toMatchObject({
      kind: "unsupported_by_model",
      status: 400,
      code: "invalid_request_error",
      param: "suffix",
    });
    expect(decision.rejection.message).toBe(
      'Model "chat" (alias of "llama3:8b") does not support fill-in-the-middle: no backend ' +
        "serving it can take a `suffix` (a: no fill-in-the-middle (suffix) support; " +
        "b: no fill-in-the-middle (suffix) support). Send the prompt without `suffix`, or ask " +
        "a model that inserts.",
    );
    expect(r.explain("chat", fim).decision).toMatchObject({
      ok: false,
      status: 400,
      code: "invalid_request_error",
    });
  });

  test("503 when one backend lacks fill-in-the-middle and another is only down (it may return)", () => {
    const fim = { ...NO_REQUIREMENTS, operation: "completions" as const, fim: true };
    const decision = router([
      { name: "a", type: "ollama", models: [{ id: "m", capabilities: { fim: false } }] },
      { name: "b", type: "ollama", status: "unhealthy", models: ["m"] },
    ]).select("m", fim);
    expect(!decision.ok && decision.rejection.status).toBe(503);
  });

  test("503 message names an alias and its target", () => {
    const r = router([{ name: "x", status: "unknown", models: ["m"] }], { aliases: { nick: "m" } });
    const decision = r.select("nick");
    expect(!decision.ok && decision.rejection.message).toBe(
      'No backend can serve model "nick" (alias of "m") right now: x: status unknown',
    );
  });

  test("503 message counts exclusions beyond the first five", () => {
    const fleet = Array.from({ length: 8 }, (_, i) => ({
      name: `b${i}`,
      status: "unhealthy" as const,
      models: ["m"],
    }));
    const decision = router(fleet).select("m");
    if (decision.ok) throw new TypeError("expected a rejection");
    expect(decision.rejection.message).toMatch(/; and 3 more \(see error\.context\.excluded\)$/);
    expect(decision.rejection.context?.excluded).toHaveLength(8);
  });
});

describe("Router.explain()", () => {
  test("describes candidates with score components, exclusions and the decision", () => {
    const r = router([
      { name: "gpu", priority: 10, pending: 2, latency_ms: 120, models: ["m"] },
      { name: "down", status: "unhealthy", models: ["m"] },
    ]);
    const explained = r.explain("m", { ...NO_REQUIREMENTS, estimated_tokens: 3 });
    expect(explained).toMatchObject({
      object: "nexus.route",
      requested: "m",
      model: "m",
      strategy: "smart",
      weights: { priority: 50, load: 30, latency: 20 },
      max_attempts: 3,
      requirements: { estimated_tokens: 3 },
      candidates: [{
        backend: "gpu",
        model: "m",
        fallback: false,
        score: 92,
        components: { priority: 90, load: 98, latency: 88 },
        priority: 10,
        pending: 2,
        latency_ms: 120,
        status: "healthy",
      }],
      excluded: [{ backend: "down", model: "m", reason: "status unhealthy" }],
      fallbacks: [],
      decision: { ok: true, backend: "gpu", model: "m", route_reason: "capability-match" },
    });
  });

  test("describes a rejection inside the explanation", () => {
    const explained = router([]).explain("nope");
    expect(explained.decision).toMatchObject({ ok: false, status: 404, code: "model_not_found" });
    expect(explained.candidates).toEqual([]);
  });

  test("reports the fallback route reason when a fallback would serve", () => {
    const r = router(
      [{ name: "a", status: "unhealthy", models: ["m"] }, { name: "b", models: ["f"] }],
      { fallbacks: { m: ["f"] } },
    );
    const explained = r.explain("m");
    expect(explained.decision).toEqual({
      ok: true,
      backend: "b",
      model: "f",
      route_reason: "fallback",
    });
    expect(explained.fallbacks).toEqual([{ name: "f", model: "f", outcome: "used" }]);
  });
});
