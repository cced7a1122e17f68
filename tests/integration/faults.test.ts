/**
 * Backend faults and what the client sees (REFERENCE.md A1, issue "reliability"): failover before
 * the first byte, the documented error after it, keep-alives while a model loads, and the
 * recorded state afterwards — pending back to 0, the failure noted on the backend, and the
 * other backends still serving.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { TcpProbeResult } from "../../src/runtime/mod.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type MockBackend, sseEvents, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { closedPort } from "../helpers/ports.ts";

const TEXT = "alpha beta gamma delta";
let flaky: MockBackend;
let steady: MockBackend;
let gateway: RunningGateway;
let probeResult: TcpProbeResult = "open";
const probes: string[] = [];

beforeAll(async () => {
  flaky = await startMockBackend({ models: [{ id: "m" }, { id: "solo" }], text: TEXT, chunks: 4 });
  steady = await startMockBackend({ models: [{ id: "m" }], text: TEXT, chunks: 4 });
  const dead = `http://127.0.0.1:${await closedPort()}`;
  gateway = await startGateway([
    { name: "dead", url: dead, priority: 1, models: ["m", "dead-only"] },
    { name: "flaky", url: flaky.url, priority: 2, models: ["m", "solo"] },
    { name: "steady", url: steady.url, priority: 3, models: ["m"] },
  ], {
    server: {
      // Roomy enough for a loaded CI machine; the slow-token test stays well inside it.
      first_byte_timeout_seconds: 2,
      connect_timeout_seconds: 0.2,
      idle_timeout_seconds: 1,
      sse_keepalive_seconds: 0.1,
    },
    // The failover order is the point of these tests: by priority alone, whatever latencies
    // the earlier tests left (a backend without a sample would otherwise score as 0 ms).
    routing: { max_retries: 2, strategy: "priority_only" },
    // "dead" fails every request on purpose: its circuit breaker would keep it out after five
    // (tests/integration/breaker.test.ts tests that); here every request must try it.
    health_check: { breaker_failures: 0 },
  }, {
    tcpProbe: (host, port) => {
      probes.push(`${host}:${port}`);
      return Promise.resolve(probeResult);
    },
  });
});

afterEach(async () => {
  flaky.mock.setFault({ kind: "none" });
  steady.mock.setFault({ kind: "none" });
  probeResult = "open";
  await waitFor(
    () => gateway.gateway.registry.list().every((b) => b.pending === 0),
    "pending to return to 0",
  );
});

afterAll(async () => {
  await gateway.close();
  await flaky.close();
  await steady.close();
});

const body = (model: string, stream = false) =>
  JSON.stringify({ model, messages: [{ role: "user", content: "hi" }], stream });
const post = (model: string, stream = false) =>
  fetch(`${gateway.url}/v1/chat/completions`, { method: "POST", body: body(model, stream) });
const backend = (name: string) => gateway.gateway.registry.get(name)!;

function streamedText(text: string): string {
  let out = "";
  for (const event of sseEvents(text)) {
    if (event.startsWith(":")) continue;
    const data = event.slice("data: ".length);
    if (data === "[DONE]") continue;
    out += JSON.parse(data).choices?.[0]?.delta?.content ?? "";
  }
  return out;
}

describe("failover before the first byte", () => {
  test("a refused connection moves on to the next backend; the client sees a normal answer", async () => {
    const client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "x", maxRetries: 0 });
    const { data, response } = await client.chat.completions.create({
      model: "m",
      messages: [{ role: "user", content: "hi" }],
    })
      .withResponse();
    expect(data.choices[0]!.message.content).toBe(TEXT);
    expect(response.headers.get("x-nexus-backend")).toBe("flaky");
    expect(response.headers.get("x-nexus-route-reason")).toBe("failover");
    expect(backend("dead").last_error).toBe("connection refused");
    expect(backend("dead").errors).toBeGreaterThan(0);
  });

  for (
    const [what, fault] of [
      ["a 500 with a body", { kind: "status", status: 500, body: "internal" }],
      ["a 500 without a body", { kind: "status", status: 500 }],
      ["a 502", { kind: "status", status: 502, body: "bad gateway" }],
      ["a 503", { kind: "status", status: 503 }],
      ["a 200 whose JSON is broken", { kind: "malformed-json" }],
    ] as const
  ) {
    test(`${what} moves on to the next backend`, async () => {
      flaky.mock.setFault(fault);
      const response = await post("m");
      expect(response.status).toBe(200);
      expect(response.headers.get("x-nexus-backend")).toBe("steady");
      expect(response.headers.get("x-nexus-route-reason")).toBe("failover");
      expect((await response.json()).choices[0].message.content).toBe(TEXT);
      expect(backend("flaky").last_error).toBeTruthy();
    });
  }

  test("a stream whose backend fails before its first chunk fails over invisibly", async () => {
    flaky.mock.setFault({ kind: "close-mid-stream", afterChunks: 0 });
    const response = await post("m", true);
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-backend")).toBe("steady");
    expect(streamedText(await response.text())).toBe(TEXT);
  });

  test("never tries the same backend twice and stops after max_retries extra attempts", async () => {
    flaky.mock.setFault({ kind: "status", status: 500 });
    steady.mock.setFault({ kind: "status", status: 500 });
    const before = flaky.mock.chatRequests().length + steady.mock.chatRequests().length;
    const response = await post("m");
    expect(response.status).toBe(502);
    const message = (await response.json()).error.message as string;
    expect(message).toContain("dead: connection refused");
    expect(message).toContain("flaky: HTTP 500");
    expect(message).toContain("steady: HTTP 500");
    expect(flaky.mock.chatRequests().length + steady.mock.chatRequests().length - before).toBe(2);
  });
});

describe("faults with nowhere left to go", () => {
  test("a 503 with Retry-After from the last backend is a 503 that keeps Retry-After", async () => {
    flaky.mock.setFault({
      kind: "status",
      status: 503,
      body: "overloaded",
      headers: { "retry-after": "12" },
    });
    const response = await post("solo");
    expect(response.status).toBe(503);
    expect(response.headers.get("retry-after")).toBe("12");
    expect((await response.json()).error.code).toBe("service_unavailable");
  });

  test("a malformed 200 from the only backend is a 502", async () => {
    flaky.mock.setFault({ kind: "malformed-json" });
    const response = await post("solo");
    expect(response.status).toBe(502);
    expect((await response.json()).error.message).toContain("not valid JSON");
  });

  test("invalid SSE passes through as the backend sent it and the stream ends", async () => {
    flaky.mock.setFault({ kind: "invalid-sse" });
    const response = await post("solo", true);
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text.length).toBeGreaterThan(0);
    expect(text).not.toContain('"error"');
  });
});

describe("connect deadline", () => {
  test("a backend that accepts nothing within connect_timeout is failed over once a probe finds it dead", async () => {
    flaky.mock.setFault({ kind: "hang-before-headers" });
    probeResult = "timeout";
    const response = await post("m");
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-backend")).toBe("steady");
    expect(backend("flaky").last_error).toBe("could not connect within 0.2 s");
    expect(probes).toContain(`127.0.0.1:${flaky.port}`);
    await flaky.mock.nextAbort();
  });

  test("a live backend that is merely slow keeps its first-byte deadline", async () => {
    flaky.mock.setFault({ kind: "hang-before-headers" });
    probeResult = "open";
    const response = await post("solo");
    expect(response.status).toBe(504);
    expect((await response.json()).error.message).toContain("no response within 2 s");
    await flaky.mock.nextAbort();
  });
});

describe("a slow first token", () => {
  test("keep-alive comments flow while the model loads, then the data events arrive unchanged", async () => {
    flaky.mock.setFault({ kind: "slow-first-byte", ms: 350 });
    try {
      const response = await post("solo", true);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/event-stream");
      const text = await response.text();
      expect(text.startsWith(": keep-alive\n\n")).toBe(true);
      const events = sseEvents(text);
      const comments = events.filter((e) => e.startsWith(":"));
      expect(comments.length).toBeGreaterThanOrEqual(1);
      expect(events.slice(comments.length).every((e) => e.startsWith("data: "))).toBe(true);
      expect(streamedText(text)).toBe(TEXT);
      expect(text.endsWith("data: [DONE]\n\n")).toBe(true);
      // Time to first byte is the first token's, not the moment keep-alives began (0.1 s).
      const id = response.headers.get("x-request-id");
      await waitFor(
        () => gateway.logs.some((l) => l.includes(`"request_id":"${id}"`)),
        "the request log line",
      );
      const line = JSON.parse(gateway.logs.find((l) => l.includes(`"request_id":"${id}"`))!);
      expect(line.ttfb_ms).toBeGreaterThanOrEqual(350);
    } finally {
      flaky.mock.setFault({ kind: "none" });
    }
  });

  test("a backend that fails after keep-alives began ends the stream with one error event", async () => {
    flaky.mock.setFault({ kind: "hang-before-headers" });
    const response = await post("solo", true);
    expect(response.status).toBe(200);
    const events = sseEvents(await response.text());
    expect(events[0]).toBe(": keep-alive");
    const last = JSON.parse(events[events.length - 1]!.slice("data: ".length));
    expect(last.error.code).toBe("gateway_timeout");
    expect(last.error.message).toContain("no response within 2 s");
    await flaky.mock.nextAbort();
  });
});

describe("after the faults", () => {
  test("every backend's pending count is 0 and healthy backends still serve", async () => {
    for (const b of gateway.gateway.registry.list()) expect(b.pending).toBe(0);
    const response = await post("m");
    expect(response.status).toBe(200);
  });
});
