/**
 * Invariants of the router over generated fleets, requests and configs. fast-check prints the
 * seed and the shrunk counterexample when a property fails; runs are bounded to stay fast.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { MAX_ALIAS_HOPS, type NexusConfig } from "../../src/config/mod.ts";
import type { ModelInfo } from "../../src/registry/mod.ts";
import {
  Router,
  type RouteRequirements,
  scoreBackend,
  type ScoreWeights,
} from "../../src/routing/mod.ts";
import { buildFleet, type FleetBackend, routingConfig } from "../helpers/fleet.ts";

const RUNS = { numRuns: 200 };
const MODELS = ["a", "b", "c", "d", "e"];

const weightsArb: fc.Arbitrary<ScoreWeights> = fc
  .tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }))
  .map(([x, y]) => {
    const [low, high] = x < y ? [x, y] : [y, x];
    return { priority: low, load: high - low, latency: 100 - high };
  });

const inputArb = fc.record({
  priority: fc.integer({ min: -50, max: 200 }),
  pending: fc.integer({ min: -5, max: 500 }),
  latency_ms: fc.option(fc.double({ min: -10, max: 5000, noNaN: true }), { nil: undefined }),
});

const triState = fc.constantFrom(true, false, undefined);
const modelArb: fc.Arbitrary<ModelInfo> = fc.record({
  id: fc.constantFrom(...MODELS),
  context_length: fc.option(fc.constantFrom(512, 4096, 32768), { nil: undefined }),
  capabilities: fc.record({ vision: triState, tools: triState, json_mode: triState }),
}).map((m) => JSON.parse(JSON.stringify(m)) as ModelInfo);

const fleetArb: fc.Arbitrary<FleetBackend[]> = fc
  .array(
    fc.record({
      status: fc.constantFrom("healthy", "healthy", "unhealthy", "unknown", "draining"),
      priority: fc.integer({ min: 0, max: 100 }),
      pending: fc.integer({ min: 0, max: 20 }),
      latency_ms: fc.option(fc.integer({ min: 0, max: 2000 }), { nil: undefined }),
      models: fc.uniqueArray(modelArb, { selector: (m) => m.id, maxLength: 4 }),
    }),
    { maxLength: 8 },
  )
  .map((list) => list.map((b, i) => ({ ...b, name: `b${i}` }) as FleetBackend));

/** Many healthy backends on model "a", with tied priorities: exercises ranking and cut-offs. */
const denseFleetArb: fc.Arbitrary<FleetBackend[]> = fc
  .array(
    fc.record({
      status: fc.constantFrom("healthy", "healthy", "healthy", "unhealthy"),
      priority: fc.constantFrom(10, 20, 30),
      pending: fc.integer({ min: 0, max: 3 }),
      latency_ms: fc.option(fc.constantFrom(10, 50, 200), { nil: undefined }),
      models: fc.subarray(MODELS.slice(1)).map((ids) => ["a", ...ids]),
    }),
    { maxLength: 12 },
  )
  .map((list) => list.map((b, i) => ({ ...b, name: `b${i}` }) as FleetBackend));

const requirementsArb: fc.Arbitrary<RouteRequirements> = fc.record({
  operation: fc.constantFrom("chat", "embeddings", "completions"),
  fim: fc.boolean(),
  vision: fc.boolean(),
  tools: fc.boolean(),
  json_mode: fc.boolean(),
  estimated_tokens: fc.constantFrom(0, 100, 1000, 10000, 100000),
});

const strategyArb = fc.constantFrom("smart", "round_robin", "priority_only", "random");

/** Any alias table over a small alphabet, cycles included (the router must still terminate). */
const aliasesArb = fc.dictionary(fc.constantFrom(...MODELS, "x", "y"), fc.constantFrom(...MODELS));

function routing(overrides: Partial<NexusConfig["routing"]>): NexusConfig["routing"] {
  return { ...routingConfig(), ...overrides };
}

describe("scoreBackend() properties", () => {
  test("stays within 0..100 for any input and weights summing to 100", () => {
    fc.assert(
      fc.property(inputArb, weightsArb, (input, weights) => {
        const score = scoreBackend(input, weights);
        return score >= 0 && score <= 100;
      }),
      RUNS,
    );
  });

  test("never rises when priority, pending or latency grows", () => {
    const fields = fc.constantFrom("priority", "pending", "latency_ms" as const);
    fc.assert(
      fc.property(inputArb, weightsArb, fields, fc.nat(1000), (input, weights, field, delta) => {
        const before = { ...input, latency_ms: input.latency_ms ?? 0 };
        const after = { ...before, [field]: before[field] + delta };
        return scoreBackend(after, weights) <= scoreBackend(before, weights);
      }),
      RUNS,
    );
  });
});

describe("Router properties", () => {
  test("every selected backend passes every filter, and every other server was excluded", () => {
    fc.assert(
      fc.property(fleetArb, requirementsArb, strategyArb, fc.constantFrom(...MODELS), (
        fleet,
        required,
        strategy,
        model,
      ) => {
        const registry = buildFleet(fleet);
        const router = new Router(registry, routing({ strategy, max_retries: 10 }));
        const decision = router.select(model, required);
        const servings = registry.servingsFor(model);
        const chosen = decision.ok ? decision.candidates : [];
        for (const { backend, model: sent } of chosen) {
          const info = servings.find((s) => s.backend === backend)!.info;
          expect(sent).toBe(model);
          expect(backend.status).toBe("healthy");
          if (required.operation === "embeddings") {
            // An embeddings request asks only that the model can embed.
            expect(info.capabilities.embeddings).not.toBe(false);
            continue;
          }
          if (required.fim) expect(info.capabilities.fim).not.toBe(false);
          if (required.vision) expect(info.capabilities.vision).not.toBe(false);
          if (required.tools) expect(info.capabilities.tools).not.toBe(false);
          if (required.json_mode) expect(info.capabilities.json_mode).not.toBe(false);
          if (info.context_length !== undefined) {
            expect(required.estimated_tokens).toBeLessThanOrEqual(info.context_length);
          }
        }
        const excluded = router.explain(model, required).excluded.length;
        expect(chosen.length + excluded).toBe(servings.length);
        expect(new Set(chosen.map((c) => c.backend)).size).toBe(chosen.length);
      }),
      RUNS,
    );
  });

  test("select() returns the first max_retries + 1 backends of explain()'s order", () => {
    const chainArb = fc.dictionary(
      fc.constantFrom(...MODELS),
      fc.array(fc.constantFrom(...MODELS)),
    );
    const strategies = fc.constantFrom("smart", "priority_only", "round_robin");
    fc.assert(
      fc.property(
        denseFleetArb,
        chainArb,
        strategies,
        fc.integer({ min: 0, max: 4 }),
        fc.constantFrom("a", "a", ...MODELS),
        (fleet, fallbacks, strategy, max_retries, model) => {
          const router = new Router(
            buildFleet(fleet),
            routing({ strategy, max_retries, fallbacks }),
          );
          // explain first: it shows the round-robin turn the next select() will use.
          const all = router.explain(model).candidates.map((c) => `${c.backend}:${c.model}`);
          const decision = router.select(model);
          const chosen = decision.ok
            ? decision.candidates.map((c) => `${c.backend.name}:${c.model}`)
            : [];
          expect(chosen).toEqual(all.slice(0, max_retries + 1));
        },
      ),
      RUNS,
    );
  });

  test("alias resolution stops within MAX_ALIAS_HOPS, even on a cyclic table", () => {
    fc.assert(
      fc.property(aliasesArb, fc.constantFrom(...MODELS, "x", "y"), (aliases, name) => {
        const router = new Router(buildFleet([]), routing({ aliases }));
        const path = router.explain(name).alias_path;
        expect(path.length).toBeLessThanOrEqual(MAX_ALIAS_HOPS + 1);
        expect(path[0]).toBe(name);
        for (let i = 1; i < path.length; i++) expect(aliases[path[i - 1]!]).toBe(path[i]);
      }),
      RUNS,
    );
  });

  test("round-robin puts every healthy candidate first within N requests", () => {
    fc.assert(
      fc.property(fleetArb, fc.constantFrom(...MODELS), (fleet, model) => {
        const router = new Router(buildFleet(fleet), routing({ strategy: "round_robin" }));
        const healthy = fleet.filter((b) =>
          b.status === "healthy" && b.models.some((m) => typeof m !== "string" && m.id === model)
        ).map((b) => b.name);
        const firsts = new Set<string>();
        for (let i = 0; i < healthy.length; i++) {
          const decision = router.select(model);
          if (decision.ok) firsts.add(decision.candidates[0]!.backend.name);
        }
        expect([...firsts].sort()).toEqual([...healthy].sort());
      }),
      RUNS,
    );
  });

  test("a fallback decision never names a model outside the resolved chain", () => {
    const chainArb = fc.dictionary(
      fc.constantFrom(...MODELS),
      fc.array(fc.constantFrom(...MODELS, "x"), { maxLength: 4 }),
    );
    fc.assert(
      fc.property(fleetArb, aliasesArb, chainArb, fc.constantFrom(...MODELS, "x", "y"), (
        fleet,
        aliases,
        fallbacks,
        requested,
      ) => {
        const router = new Router(buildFleet(fleet), routing({ aliases, fallbacks }));
        const decision = router.select(requested);
        if (!decision.ok) return;
        // The chain, worked out here independently: the alias path, and each name's fallbacks.
        const path = [requested];
        while (path.length <= MAX_ALIAS_HOPS && Object.hasOwn(aliases, path[path.length - 1]!)) {
          path.push(aliases[path[path.length - 1]!]!);
        }
        const primary = path[path.length - 1]!;
        const chain = new Set(
          path.flatMap((name) => fallbacks[name] ?? []).map((name) => {
            let model = name;
            for (let hop = 0; hop < MAX_ALIAS_HOPS && Object.hasOwn(aliases, model); hop++) {
              model = aliases[model]!;
            }
            return model;
          }),
        );
        expect(decision.model).toBe(primary);
        for (const candidate of decision.candidates) {
          if (candidate.fallback) expect(chain.has(candidate.model)).toBe(true);
          else expect(candidate.model).toBe(primary);
        }
      }),
      RUNS,
    );
  });
});
