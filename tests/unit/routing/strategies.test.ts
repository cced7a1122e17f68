import { describe, expect, test } from "bun:test";
import { Router, type RouterOptions } from "../../../src/routing/mod.ts";
import { buildFleet, type FleetBackend, routingConfig } from "../../helpers/fleet.ts";

function order(
  strategy: string,
  backends: FleetBackend[],
  options: RouterOptions = {},
): () => string[] {
  const router = new Router(
    buildFleet(backends),
    routingConfig({ strategy, max_retries: 10 }),
    options,
  );
  return () => {
    const decision = router.select("m");
    if (!decision.ok) throw new TypeError(decision.rejection.message);
    return decision.candidates.map((c) => c.backend.name);
  };
}

describe("smart strategy", () => {
  test("orders by score: priority, load and latency all count", () => {
    const next = order("smart", [
      { name: "busy", priority: 10, pending: 100, latency_ms: 20, models: ["m"] },
      { name: "best", priority: 10, pending: 0, latency_ms: 20, models: ["m"] },
      { name: "slow", priority: 10, pending: 0, latency_ms: 900, models: ["m"] },
      { name: "low", priority: 90, pending: 0, latency_ms: 20, models: ["m"] },
    ]);
    // best 94.6, slow 77, busy 64.6, low 54.6 (default weights 50/30/20)
    expect(next()).toEqual(["best", "slow", "busy", "low"]);
  });

  test("breaks score ties by the lower priority number, then by name", () => {
    const next = order("smart", [
      { name: "b", priority: 20, pending: 30, models: ["m"] },
      { name: "a", priority: 50, pending: 0, models: ["m"] },
      { name: "c", priority: 20, pending: 30, models: ["m"] },
    ]);
    // a: 50·50+100·30+100·20 = 7500; b, c: 80·50+70·30+100·20 = 8100
    expect(next()).toEqual(["b", "c", "a"]);
  });
});

describe("attempt limit", () => {
  test("keeps only the max_retries + 1 best candidates, in order", () => {
    const backends = [30, 50, 10, 20, 40].map((priority) => ({
      name: `p${priority}`,
      priority,
      models: ["m"],
    }));
    for (const strategy of ["smart", "priority_only"]) {
      const router = new Router(buildFleet(backends), routingConfig({ strategy, max_retries: 1 }));
      const decision = router.select("m");
      expect(decision.ok && decision.candidates.map((c) => c.backend.name)).toEqual(["p10", "p20"]);
      expect(router.explain("m").candidates).toHaveLength(5);
    }
  });

  test("rotating strategies cut their order to the limit too", () => {
    const backends = ["a", "b", "c", "d"].map((name) => ({ name, models: ["m"] }));
    const router = new Router(
      buildFleet(backends),
      routingConfig({ strategy: "round_robin", max_retries: 1 }),
    );
    const next = () => {
      const decision = router.select("m");
      return decision.ok ? decision.candidates.map((c) => c.backend.name) : [];
    };
    expect([next(), next(), next(), next()]).toEqual([
      ["a", "b"],
      ["b", "c"],
      ["c", "d"],
      ["d", "a"],
    ]);
  });
});

describe("priority_only strategy", () => {
  test("takes the lowest priority number first, whatever the load", () => {
    const next = order("priority_only", [
      { name: "second", priority: 20, models: ["m"] },
      { name: "first", priority: 10, pending: 99, latency_ms: 999, models: ["m"] },
    ]);
    expect(next()).toEqual(["first", "second"]);
  });

  test("breaks priority ties by smart score", () => {
    const next = order("priority_only", [
      { name: "busy", priority: 10, pending: 50, models: ["m"] },
      { name: "idle", priority: 10, pending: 0, models: ["m"] },
    ]);
    expect(next()).toEqual(["idle", "busy"]);
  });
});

describe("round_robin strategy", () => {
  test("rotates the order by one per request for the same model", () => {
    const next = order("round_robin", [
      { name: "a", models: ["m"] },
      { name: "b", models: ["m"] },
      { name: "c", models: ["m"] },
    ]);
    expect([next(), next(), next(), next()]).toEqual([
      ["a", "b", "c"],
      ["b", "c", "a"],
      ["c", "a", "b"],
      ["a", "b", "c"],
    ]);
  });

  test("keeps one counter per model", () => {
    const router = new Router(
      buildFleet([{ name: "a", models: ["m", "n"] }, { name: "b", models: ["m", "n"] }]),
      routingConfig({ strategy: "round_robin" }),
    );
    const first = (model: string) => {
      const decision = router.select(model);
      return decision.ok ? decision.candidates[0]!.backend.name : undefined;
    };
    expect([first("m"), first("m"), first("n"), first("m"), first("n")]).toEqual([
      "a",
      "b",
      "a",
      "a",
      "b",
    ]);
  });

  test("explain shows the next turn without using it up", () => {
    const router = new Router(
      buildFleet([{ name: "a", models: ["m"] }, { name: "b", models: ["m"] }]),
      routingConfig({ strategy: "round_robin" }),
    );
    router.select("m");
    expect(router.explain("m").candidates.map((c) => c.backend)).toEqual(["b", "a"]);
    expect(router.explain("m").candidates.map((c) => c.backend)).toEqual(["b", "a"]);
    const decision = router.select("m");
    expect(decision.ok && decision.candidates[0]!.backend.name).toBe("b");
  });
});

describe("random strategy", () => {
  test("shuffles with the injected source of randomness", () => {
    const backends = ["a", "b", "c"].map((name) => ({ name, models: ["m"] }));
    // Forward Fisher–Yates: position i takes item i + floor(random · (n − i)).
    expect(order("random", backends, { random: () => 0 })()).toEqual(["a", "b", "c"]);
    expect(order("random", backends, { random: () => 0.999 })()).toEqual(["c", "a", "b"]);
  });

  test("returns every candidate exactly once", () => {
    const backends = ["a", "b", "c", "d", "e"].map((name) => ({ name, models: ["m"] }));
    const next = order("random", backends);
    for (let i = 0; i < 20; i++) expect(next().sort()).toEqual(["a", "b", "c", "d", "e"]);
  });
});
