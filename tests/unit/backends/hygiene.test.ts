/**
 * Probe connection hygiene, for every adapter and for type detection, whatever the server
 * answers: requests to one backend never overlap (a probe holds at most one of its connections)
 * and each says `Connection: close` (none is left idle in a keep-alive pool). llama-server gives
 * each open connection one of its few HTTP threads: parallel or idle probe connections starve
 * real clients (issue 16).
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { adapterFor, detectBackendType, FeatureProbe } from "../../../src/backends/mod.ts";
import { silentLogger } from "../../../src/lib/logger.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { BACKEND_TYPES } from "../../../src/config/mod.ts";
import {
  BASE_URL,
  createFakeFetch,
  fixture,
  type Reply,
} from "../../helpers/fake-backend-fetch.ts";

const ROUTES = {
  "GET /api/version": "ollama-version.json",
  "GET /api/tags": "ollama-tags.json",
  "GET /api/ps": "ollama-ps.json",
  "POST /api/show": "ollama-show-qwen3.json",
  "GET /health": "llamacpp-health-ok.json",
  "GET /props": "llamacpp-props.json",
  "GET /version": "vllm-version.json",
  "GET /v1/models": "llamacpp-models.json",
  "GET /api/v0/models": "lmstudio-v0-models.json",
} as const;

type Answer = "fixture" | 404 | 500 | "refused";

/** A fake server answering each route as `answers` says, after a short real delay. */
function server(answers: Readonly<Record<string, Answer>>, delays: readonly number[]) {
  let inFlight = 0;
  let most = 0;
  let turn = 0;
  const routes: Record<string, Reply> = {};
  for (const [route, name] of Object.entries(ROUTES)) {
    routes[route] = async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((resolve) => setTimeout(resolve, delays[turn++ % delays.length]));
      inFlight--;
      const answer = answers[route] ?? "fixture";
      if (answer === "refused") return new TypeError("fetch failed: ECONNREFUSED");
      if (answer === "fixture") {
        return { body: fixture(name), contentType: "application/json" };
      }
      return { status: answer, body: "{}" };
    };
  }
  const fake = createFakeFetch(routes);
  return { fake, most: () => most };
}

const answersArb = fc.dictionary(
  fc.constantFrom(...Object.keys(ROUTES)),
  fc.constantFrom<Answer>("fixture", 404, 500, "refused"),
);
const delaysArb = fc.array(fc.integer({ min: 0, max: 2 }), { minLength: 1, maxLength: 4 });

describe("probe connection hygiene", () => {
  for (const type of BACKEND_TYPES) {
    test(`${type}: one request at a time, each with Connection: close`, async () => {
      await fc.assert(
        fc.asyncProperty(answersArb, delaysArb, async (answers, delays) => {
          const { fake, most } = server(answers, delays);
          await adapterFor(type).probe({
            baseUrl: BASE_URL,
            fetch: fake.fetch,
            signal: new AbortController().signal,
          });
          expect(fake.requests.length).toBeGreaterThan(0);
          expect(most()).toBe(1);
          for (const request of fake.requests) {
            expect(request.headers.get("connection")).toBe("close");
          }
        }),
        { numRuns: 25 },
      );
    });
  }

  test("type detection: one request at a time, each with Connection: close", async () => {
    await fc.assert(
      fc.asyncProperty(answersArb, delaysArb, async (answers, delays) => {
        const { fake, most } = server(answers, delays);
        await detectBackendType({
          baseUrl: BASE_URL,
          fetch: fake.fetch,
          signal: new AbortController().signal,
        });
        expect(most()).toBe(1);
        for (const request of fake.requests) {
          expect(request.headers.get("connection")).toBe("close");
        }
      }),
      { numRuns: 40 },
    );
  });

  test("detection stops at the first rule that decides: llama.cpp costs two requests", async () => {
    const { fake } = server({ "GET /api/version": 404 }, [0]);
    const type = await detectBackendType({
      baseUrl: BASE_URL,
      fetch: fake.fetch,
      signal: new AbortController().signal,
    });
    expect(type).toBe("llamacpp");
    expect(fake.requests.map((r) => r.path)).toEqual(["/api/version", "/props"]);
  });

  test("feature probes (/v1/responses, /v1/messages): one question at a time per backend", async () => {
    let inFlight = 0;
    let most = 0;
    const paths: string[] = [];
    const registry = new Registry();
    registry.add({ name: "b", url: BASE_URL, type: "generic", priority: 50, source: "static" });
    const probe = new FeatureProbe({
      registry,
      clock: new FakeClock(),
      logger: silentLogger,
      apiKeyFor: () => undefined,
      timeoutMs: 1000,
      fetch: async (url, init) => {
        paths.push(new URL(url).pathname);
        expect(new Headers(init.headers).get("connection")).toBe("close");
        most = Math.max(most, ++inFlight);
        await new Promise((resolve) => setTimeout(resolve, 1));
        inFlight--;
        return new Response("", { status: 404 });
      },
    });
    probe.start();
    registry.setStatus("b", "healthy");
    await probe.idle();
    probe.stop();
    expect(paths).toEqual(["/v1/responses", "/v1/messages"]);
    expect(most).toBe(1);
  });
});
