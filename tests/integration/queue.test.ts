/**
 * Slots and the admission queue through a running gateway: two 1-slot backends and 20
 * concurrent clients are served one at a time per backend, in arrival order, with queue headers;
 * queued streams get `: queued position=N` comments; priorities jump the line; a client that
 * leaves while queued costs the backend nothing; a full queue answers 429 with Retry-After.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { parseSamples, sampleValue } from "../helpers/prometheus.ts";

let left: MockBackend;
let right: MockBackend;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  // Each answer takes 60 ms: long enough that 20 clients must wait for the two slots.
  const options = { models: [{ id: "m" }], latencyMs: 60, ttftMs: 60, chunks: 2 };
  left = await startMockBackend(options);
  right = await startMockBackend(options);
  gateway = await startGateway([
    { name: "left", url: left.url, models: ["m"], max_concurrent: 1 },
    { name: "right", url: right.url, models: ["m"], max_concurrent: 1 },
  ], {
    server: { sse_keepalive_seconds: 0.05 },
    queue: { max_size: 40, max_wait_seconds: 30 },
  });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await left.close();
  await right.close();
});

const admission = () => gateway.gateway.admission;
const messages = [{ role: "user" as const, content: "hi" }];

/** Sends each request once the previous one has reached admission (served or queued). */
async function sendInOrder(count: number, send: (i: number) => Promise<unknown>) {
  const pending: Array<Promise<unknown>> = [];
  const start = admission().arrivals;
  for (let i = 0; i < count; i++) {
    pending.push(send(i));
    await waitFor(() => admission().arrivals >= start + i + 1, `request ${i} to reach admission`);
  }
  return Promise.all(pending);
}

function busySlots(): number {
  return gateway.gateway.registry.list().reduce((sum, b) => sum + b.pending, 0);
}

describe("two 1-slot backends, 20 concurrent clients", () => {
  test("every request succeeds, in arrival order, never more than one at a time per backend", async () => {
    const results = await sendInOrder(
      20,
      (i) =>
        client.chat.completions.create({ model: "m", messages }, {
          headers: { "x-request-id": `q-${i}` },
        }).withResponse(),
    );
    const waits = (results as Array<{ response: Response }>).map((r) =>
      Number(r.response.headers.get("x-nexus-queue-wait-ms"))
    );
    expect(waits.every((ms) => Number.isFinite(ms) && ms >= 0)).toBe(true);
    expect(waits.filter((ms) => ms > 0).length).toBeGreaterThanOrEqual(15);
    expect(left.mock.peakChatRequests()).toBe(1);
    expect(right.mock.peakChatRequests()).toBe(1);
    const served = [...left.mock.chatRequests(), ...right.mock.chatRequests()]
      .filter((r) => r.headers["x-request-id"]?.startsWith("q-"))
      .sort((a, b) => a.receivedAt - b.receivedAt)
      .map((r) => Number(r.headers["x-request-id"]!.slice(2)));
    expect(served).toEqual([...Array(20).keys()]);
    for (const b of gateway.gateway.registry.list()) expect(b.pending).toBe(0);
    const samples = parseSamples(await gateway.gateway.observability.metricsText());
    expect(sampleValue(samples, "nexus_queue_wait_seconds_count")).toBeGreaterThanOrEqual(15);
    expect(sampleValue(samples, "nexus_backend_slots", { backend: "left" })).toBe(1);
    expect(sampleValue(samples, "nexus_backend_slots_in_use", { backend: "left" })).toBe(0);
    // The request log line and /v1/stats carry the wait too.
    const logged = gateway.logs.map((line) => JSON.parse(line))
      .filter((line) => line.message === "request" && line.request_id?.startsWith("q-"));
    expect(logged).toHaveLength(20);
    const loggedWaits = logged.filter((line) => line.queue_wait_ms > 0);
    expect(loggedWaits.length).toBe(waits.filter((ms) => ms > 0).length);
    const stats = await (await fetch(`${gateway.url}/v1/stats`)).json();
    expect(stats.queue).toMatchObject({
      waiting: { high: 0, normal: 0, low: 0 },
      rejected: { full: 0, timeout: 0 },
    });
    expect(stats.queue.waited).toBe(sampleValue(samples, "nexus_queue_wait_seconds_count"));
    expect(stats.queue.average_wait_ms).toBeGreaterThan(0);
  });

  test("a queued stream gets its 200 and `: queued position=N` comments, then its answer", async () => {
    const blockers = [1, 2].map(() =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "m", messages, stream: true }),
      })
    );
    await waitFor(() => busySlots() === 2, "both slots to be busy");
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages, stream: true }),
    });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.startsWith(": queued position=1\n\n")).toBe(true);
    expect(text).toContain("data: [DONE]");
    await Promise.all((await Promise.all(blockers)).map((r) => r.text()));
  });

  test("X-Nexus-Priority: high is served before normal requests that queued earlier", async () => {
    const order: string[] = [];
    const send = (name: string, priority?: string) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: priority ? { "x-nexus-priority": priority } : {},
        body: JSON.stringify({ model: "m", messages }),
      }).then(async (r) => {
        await r.text();
        order.push(name);
      });
    const busy = [send("b1"), send("b2")];
    await waitFor(() => busySlots() === 2, "both slots to be busy");
    const normal = [send("n1"), send("n2")];
    await waitFor(() => admission().waiting === 2, "two normal requests queued");
    const high = send("h", "high");
    await waitFor(() => admission().waiting === 3, "the high one queued");
    await Promise.all([...busy, ...normal, high]);
    expect(order.indexOf("h")).toBeLessThan(order.indexOf("n2"));
    expect(order.indexOf("h")).toBeLessThanOrEqual(3);
  });

  test("a client that leaves while queued never reaches a backend", async () => {
    const before = left.mock.chatRequests().length + right.mock.chatRequests().length;
    const busy = [1, 2].map(() =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "m", messages }),
      }).then((r) => r.text())
    );
    await waitFor(() => busySlots() === 2, "both slots to be busy");
    const controller = new AbortController();
    const gone = fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-request-id": "leaves-early" },
      body: JSON.stringify({ model: "m", messages }),
      signal: controller.signal,
    }).catch(() => "aborted");
    await waitFor(() => admission().waiting === 1, "the request to be queued");
    controller.abort();
    expect(await gone).toBe("aborted");
    await waitFor(() => admission().waiting === 0, "the request to leave the queue");
    await Promise.all(busy);
    const after = [...left.mock.chatRequests(), ...right.mock.chatRequests()];
    expect(after.length).toBe(before + 2);
    expect(after.some((r) => r.headers["x-request-id"] === "leaves-early")).toBe(false);
  });

  test("an invalid X-Nexus-Priority is a 400 naming the header", async () => {
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "x-nexus-priority": "urgent" },
      body: JSON.stringify({ model: "m", messages }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.param).toBe("X-Nexus-Priority");
  });
});

describe("a full queue", () => {
  test("answers 429 rate_limit_exceeded with Retry-After", async () => {
    const small = await startGateway(
      [{ name: "one", url: left.url, models: ["m"], max_concurrent: 1 }],
      { queue: { max_size: 1 } },
    );
    try {
      const send = () =>
        fetch(`${small.url}/v1/chat/completions`, {
          method: "POST",
          body: JSON.stringify({ model: "m", messages }),
        });
      const first = send();
      await waitFor(() => small.gateway.registry.get("one")!.pending === 1, "the slot busy");
      const second = send();
      await waitFor(() => small.gateway.admission.waiting === 1, "one queued");
      const third = await send();
      expect(third.status).toBe(429);
      expect(Number(third.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect((await third.json()).error.code).toBe("rate_limit_exceeded");
      expect((await first).status).toBe(200);
      expect((await second).status).toBe(200);
      const samples = parseSamples(await small.gateway.observability.metricsText());
      expect(sampleValue(samples, "nexus_queue_rejections_total", { reason: "full" })).toBe(1);
    } finally {
      await small.close();
    }
  });
});
