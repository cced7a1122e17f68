import { afterEach, describe, expect, test } from "bun:test";
import { FeatureProbe } from "../../../src/backends/mod.ts";
import { Logger } from "../../../src/lib/logger.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { FakeClock } from "../../helpers/fake-clock.ts";
import { waitFor } from "../../helpers/mock-backend.ts";

const logger = new Logger({ level: "error", format: "json", write: () => {} });
let probe: FeatureProbe | undefined;
afterEach(() => probe?.stop());

const MESSAGES = "/v1/messages";

/**
 * A registry with one backend and a probe whose fetch answers `reply` for /v1/messages (and 404
 * for the other feature it asks about, /v1/responses).
 */
function setup(reply: (url: string) => Promise<Response>, anthropic?: boolean) {
  const registry = new Registry();
  registry.add({
    name: "b",
    url: "http://b.test",
    type: "generic",
    priority: 50,
    source: "static",
    ...(anthropic === undefined ? {} : { anthropic }),
  });
  const calls: Array<{ url: string; body: unknown; method: string }> = [];
  probe = new FeatureProbe({
    registry,
    clock: new FakeClock(),
    logger,
    apiKeyFor: () => undefined,
    timeoutMs: 1000,
    fetch: (url, init) => {
      if (!url.endsWith(MESSAGES)) return Promise.resolve(new Response("", { status: 404 }));
      calls.push({ url, body: init.body, method: String(init.method) });
      return reply(url);
    },
  });
  probe.start();
  return { registry, calls, backend: () => registry.get("b")! };
}

const answer = (status: number, body = "") => () => Promise.resolve(new Response(body, { status }));

describe("FeatureProbe: Anthropic's /v1/messages", () => {
  const cases: Array<[string, () => Promise<Response>, boolean | undefined]> = [
    [
      "Anthropic's 400 for a request without a model (the route exists)",
      answer(400, '{"type":"error","error":{"type":"invalid_request_error","message":"model"}}'),
      true,
    ],
    ["FastAPI's 422", answer(422, '{"detail":[{"msg":"Field required"}]}'), true],
    ["Ollama's 404 page", answer(404, "404 page not found"), false],
    ["405", answer(405), false],
    [
      "LM Studio's 200 for a path it does not have",
      answer(200, '{"error":"Unexpected endpoint or method. (POST /v1/messages)"}'),
      false,
    ],
    ["401 (says nothing about the route)", answer(401), undefined],
    ["503 (a server loading a model)", answer(503), undefined],
    ["a refused connection", () => Promise.reject(new TypeError("fetch failed")), undefined],
  ];
  for (const [what, reply, served] of cases) {
    test(`an answer of ${what} means messages = ${served}`, async () => {
      const { registry, calls, backend } = setup(reply);
      registry.setStatus("b", "healthy");
      await probe!.idle();
      expect(calls).toEqual([{ url: "http://b.test/v1/messages", body: "{}", method: "POST" }]);
      expect(backend().features.messages).toBe(served);
      // The other feature is asked on its own and learned on its own.
      expect(backend().features.responses).toBe(false);
    });
  }

  test("asks once, only when healthy, and again after the URL changes", async () => {
    const { registry, calls, backend } = setup(answer(400, "{}"));
    await probe!.idle();
    expect(calls).toHaveLength(0);
    registry.setStatus("b", "healthy");
    await probe!.idle();
    registry.setStatus("b", "unhealthy");
    registry.setStatus("b", "healthy");
    await probe!.idle();
    expect(calls).toHaveLength(1);
    registry.update("b", { url: "http://moved.test" });
    expect(backend().features.messages).toBeUndefined();
    await probe!.idle();
    expect(calls.map((c) => c.url)).toEqual([
      "http://b.test/v1/messages",
      "http://moved.test/v1/messages",
    ]);
    expect(backend().features.messages).toBe(true);
  });

  test("a backend configured with anthropic = true|false is never asked", async () => {
    for (const anthropic of [true, false]) {
      const { registry, calls, backend } = setup(answer(400, "{}"), anthropic);
      registry.setStatus("b", "healthy");
      await probe!.idle();
      expect(calls).toHaveLength(0);
      expect(backend().features.responses).toBe(false);
      probe!.stop();
    }
  });

  test("an answer about a server the backend has left is dropped", async () => {
    const answers: Array<(response: Response) => void> = [];
    const { registry, backend } = setup(() => new Promise((resolve) => answers.push(resolve)));
    registry.setStatus("b", "healthy");
    // Each backend's questions go one at a time: /v1/messages follows /v1/responses.
    await waitFor(() => answers.length === 1, "the first server to be asked");
    registry.update("b", { type: "vllm" });
    await waitFor(() => answers.length === 2, "the second server to be asked");
    answers[1]!(new Response("", { status: 404 }));
    await waitFor(() => backend().features.messages === false, "the second answer");
    // The first question went to the server as it was before the change: its answer is stale.
    answers[0]!(new Response("{}", { status: 400 }));
    await probe!.idle();
    expect(backend().features.messages).toBe(false);
  });
});
