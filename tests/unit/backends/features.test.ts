import { afterEach, describe, expect, test } from "bun:test";
import { FeatureProbe } from "../../../src/backends/mod.ts";
import { Logger } from "../../../src/lib/logger.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { waitFor } from "../../helpers/mock-backend.ts";

const logger = new Logger({ level: "error", format: "json", write: () => {} });
let probe: FeatureProbe | undefined;
afterEach(() => probe?.stop());

/** A registry with one backend and a probe whose fetch answers `reply` for /v1/responses. */
function setup(reply: (url: string) => Promise<Response>) {
  const registry = new Registry();
  registry.add({
    name: "b",
    url: "http://b.test",
    type: "generic",
    priority: 50,
    source: "static",
  });
  const all: Array<{ url: string; body: unknown; method: string }> = [];
  // The probe also asks about /v1/messages (tests/unit/backends/messages-probe.test.ts).
  const calls = {
    get list() {
      return all.filter((call) => call.url.endsWith("/v1/responses"));
    },
  };
  probe = new FeatureProbe({
    registry,
    clock: new FakeClock(),
    logger,
    apiKeyFor: () => undefined,
    timeoutMs: 1000,
    fetch: (url, init) => {
      all.push({ url, body: init.body, method: String(init.method) });
      return reply(url);
    },
  });
  probe.start();
  return { registry, calls, backend: () => registry.get("b")! };
}

describe("FeatureProbe", () => {
  const cases: Array<[string, () => Promise<Response>, boolean | undefined]> = [
    [
      "400 (a validation error: the route exists)",
      () => Promise.resolve(new Response("{}", { status: 400 })),
      true,
    ],
    [
      "404 (no such route)",
      () => Promise.resolve(new Response("404 page not found", { status: 404 })),
      false,
    ],
    ["405", () => Promise.resolve(new Response("", { status: 405 })), false],
    [
      "401 (says nothing about the route)",
      () => Promise.resolve(new Response("", { status: 401 })),
      undefined,
    ],
    [
      "503 (a server loading a model)",
      () => Promise.resolve(new Response("", { status: 503 })),
      undefined,
    ],
    ["a refused connection", () => Promise.reject(new TypeError("fetch failed")), undefined],
  ];
  for (const [what, reply, served] of cases) {
    test(`an answer of ${what} means responses = ${served}`, async () => {
      const { registry, calls, backend } = setup(reply);
      registry.setStatus("b", "healthy");
      await probe!.idle();
      expect(calls.list).toEqual([{
        url: "http://b.test/v1/responses",
        body: "{}",
        method: "POST",
      }]);
      expect(backend().features.responses).toBe(served);
    });
  }

  test("asks once, only when healthy, and again after the URL changes", async () => {
    const { registry, calls, backend } = setup(() =>
      Promise.resolve(new Response("{}", { status: 400 }))
    );
    await probe!.idle();
    expect(calls.list).toHaveLength(0);
    registry.setStatus("b", "healthy");
    await probe!.idle();
    registry.setStatus("b", "unhealthy");
    registry.setStatus("b", "healthy");
    await probe!.idle();
    expect(calls.list).toHaveLength(1);
    registry.update("b", { url: "http://moved.test" });
    expect(backend().features.responses).toBeUndefined();
    await probe!.idle();
    expect(calls.list.map((c) => c.url)).toEqual([
      "http://b.test/v1/responses",
      "http://moved.test/v1/responses",
    ]);
    expect(backend().features.responses).toBe(true);
  });

  test("an answer about a server the backend has left is dropped", async () => {
    const answers: Array<(response: Response) => void> = [];
    const { registry, backend } = setup((url) =>
      url.endsWith("/v1/responses")
        ? new Promise((resolve) => answers.push(resolve))
        : Promise.resolve(new Response("", { status: 404 }))
    );
    registry.setStatus("b", "healthy");
    registry.update("b", { type: "vllm" });
    expect(answers).toHaveLength(2);
    answers[1]!(new Response("", { status: 404 }));
    await waitFor(() => backend().features.responses === false, "the second answer");
    // The first question went to the server as it was before the change: its answer is stale.
    answers[0]!(new Response("{}", { status: 400 }));
    await probe!.idle();
    expect(backend().features.responses).toBe(false);
  });
});
