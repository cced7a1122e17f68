/**
 * Warm-model routing: with a model loaded on one Ollama-shaped backend and cold on another, a
 * hundred requests never make the cold one load it; `/v1/route` explains the load cost; only
 * when the warm backend's wait passes `spillover_after_ms` does the cold one take a request (and
 * pay the load, which Nexus then remembers as warm).
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let warm: MockBackend;
let cold: MockBackend;
let gateway: RunningGateway;

const chat = (id = "r") =>
  fetch(`${gateway.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "x-request-id": id },
    body: JSON.stringify({ model: "llama3:8b", messages: [{ role: "user", content: "hi" }] }),
  }).then(async (response) => ({ status: response.status, text: await response.text() }));

beforeAll(async () => {
  warm = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "llama3:8b", loaded: true }],
    latencyMs: 5,
  });
  cold = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "llama3:8b", loaded: false }, { id: "qwen2.5:7b", loaded: true }],
    coldLoadMs: 150,
    maxLoadedModels: 1,
  });
  gateway = await startGateway([
    // The cold box is preferred by priority: only warmth keeps traffic away from it.
    {
      name: "warm",
      url: warm.url,
      type: "ollama",
      priority: 80,
      max_concurrent: 1,
      models: [{ id: "llama3:8b", capabilities: {}, loaded: true }],
    },
    {
      name: "cold",
      url: cold.url,
      type: "ollama",
      priority: 10,
      models: [
        { id: "llama3:8b", capabilities: {}, loaded: false },
        { id: "qwen2.5:7b", capabilities: {}, loaded: true },
      ],
    },
  ], { queue: { spillover_after_ms: 400 } });
});

afterAll(async () => {
  await gateway.close();
  await warm.close();
  await cold.close();
});

describe("warm-model routing", () => {
  test("/v1/route ranks the warm backend first and shows the cold one's load cost", async () => {
    const explained = await (await fetch(`${gateway.url}/v1/route?model=llama3:8b`)).json();
    expect(explained.decision.backend).toBe("warm");
    const byName = Object.fromEntries(
      explained.candidates.map((c: { backend: string }) => [c.backend, c]),
    );
    expect(byName.warm).toMatchObject({ loaded: true, load_cost: 0 });
    expect(byName.cold).toMatchObject({ loaded: false, load_cost: 100 });
  });

  test("100 requests in a row never make the cold backend load the model", async () => {
    for (let i = 0; i < 100; i++) expect((await chat(`seq-${i}`)).status).toBe(200);
    expect(cold.mock.loads()).toBe(0);
    expect(cold.mock.chatRequests()).toHaveLength(0);
    expect(warm.mock.chatRequests().length).toBeGreaterThanOrEqual(100);
  });

  test("a warm backend busy past spillover_after_ms lets the cold one load and serve", async () => {
    warm.mock.setOptions({ latencyMs: 1500 });
    try {
      const first = chat("busy");
      await waitFor(() => gateway.gateway.registry.get("warm")!.pending === 1, "warm busy");
      const second = await chat("spills");
      expect(second.status).toBe(200);
      expect(cold.mock.loads()).toBe(1);
      expect(cold.mock.chatRequests().map((r) => r.headers["x-request-id"])).toEqual(["spills"]);
      expect((await first).status).toBe(200);
      // Nexus saw the cold start: the model is warm on that backend now.
      const explained = await (await fetch(`${gateway.url}/v1/route?model=llama3:8b`)).json();
      const coldNow = explained.candidates.find((c: { backend: string }) => c.backend === "cold");
      expect(coldNow).toMatchObject({ loaded: true, load_cost: 0 });
    } finally {
      warm.mock.setOptions({ latencyMs: 5 });
    }
  });
});
