/**
 * Bounded upstream bodies (issue 14, item 4): a backend sending a body that never ends is read up
 * to `server.max_response_bytes` and no further — the upstream is cancelled and the client gets
 * 502 naming the limit (or the next backend's answer); a probe reading an endless model list stops
 * at its own cap. A client that leaves while such a body is coming still cancels the upstream.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type HostileBackend, startHostileBackend } from "../helpers/hostile-backend.ts";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";

const LIMIT = 256 * 1024;
const CHAT = "/v1/chat/completions";
let endless: HostileBackend;
let healthy: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  endless = await startHostileBackend({
    [CHAT]: { kind: "endless", contentType: "application/json", chunkBytes: 16 * 1024 },
    "/v1/models": { kind: "endless", contentType: "application/json", chunkBytes: 16 * 1024 },
  });
  healthy = await startMockBackend({ models: [{ id: "m" }] });
  gateway = await startGateway([
    {
      name: "endless",
      url: endless.url,
      type: "generic",
      priority: 0,
      models: ["m", "only-endless"],
    },
    { name: "good", url: healthy.url, priority: 90, models: ["m"] },
  ], {
    // Its backends fail on purpose, again and again: no circuit breaker keeps them out.
    health_check: { breaker_failures: 0 },
    server: { max_response_bytes: LIMIT },
    routing: { strategy: "priority_only" },
  });
});

afterAll(async () => {
  await gateway.close();
  await endless.close();
  await healthy.close();
});

const chat = (model: string, signal?: AbortSignal) =>
  fetch(`${gateway.url}${CHAT}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model, messages: [{ role: "user", content: "hi" }] }),
    ...(signal ? { signal } : {}),
  });

describe("an endless non-stream answer", () => {
  test("is cut at max_response_bytes: the next backend answers", async () => {
    const abandonedBefore = endless.abandoned();
    const response = await chat("m");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-backend")).toBe("good");
    await response.text();
    await waitFor(() => endless.abandoned() > abandonedBefore, "the endless body to be cancelled");
  });

  test("alone: 502 naming the limit, the upstream cancelled", async () => {
    const abandonedBefore = endless.abandoned();
    const response = await chat("only-endless");
    expect(response.status).toBe(502);
    const { error } = await response.json();
    expect(error.message).toContain(`${LIMIT} bytes`);
    expect(error.message).toContain("max_response_bytes");
    await waitFor(() => endless.abandoned() > abandonedBefore, "the endless body to be cancelled");
    expect(gateway.gateway.registry.get("endless")!.last_error).toContain("max_response_bytes");
  });

  test("a client that leaves cancels the upstream", async () => {
    // A cap far above what arrives in the test's time: only the client's abort can end it.
    const big = await startGateway(
      [{ name: "endless", url: endless.url, models: ["only-endless"] }],
      { server: { max_response_bytes: 1024 * 1024 * 1024 } },
    );
    try {
      const abandonedBefore = endless.abandoned();
      const controller = new AbortController();
      const pending = fetch(`${big.url}${CHAT}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          model: "only-endless",
          messages: [{ role: "user", content: "hi" }],
        }),
        signal: controller.signal,
      }).catch(() => undefined);
      const sentAt = endless.sentBytes();
      await waitFor(() => endless.sentBytes() > sentAt + 256 * 1024, "the body to be flowing");
      controller.abort();
      await pending;
      await waitFor(() => endless.abandoned() > abandonedBefore, "the upstream to be cancelled");
    } finally {
      await big.close();
    }
  });
});

describe("an endless probe answer", () => {
  test("stops at the probe cap and fails the probe, naming the limit", async () => {
    const abandonedBefore = endless.abandoned();
    const backend = gateway.gateway.registry.get("endless")!;
    await gateway.gateway.health.check(backend);
    expect(backend.last_error).toContain("max_response_bytes");
    await waitFor(() => endless.abandoned() > abandonedBefore, "the endless list to be cancelled");
  });
});
