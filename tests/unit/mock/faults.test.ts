import { afterAll, beforeAll, beforeEach, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ChatCompletionChunk } from "openai/resources/chat/completions";
import {
  type MockBackend,
  sseEvents,
  startMockBackend,
  waitFor,
} from "../../helpers/mock-backend.ts";

const messages = [{ role: "user" as const, content: "hi" }];

describe("mock upstream faults", () => {
  let backend: MockBackend;
  let client: OpenAI;
  beforeAll(async () => {
    backend = await startMockBackend({ chunks: 6 });
    client = new OpenAI({ baseURL: `${backend.url}/v1`, apiKey: "unused", maxRetries: 0 });
  });
  beforeEach(() => backend.mock.setFault({ kind: "none" }));
  afterAll(() => backend.close());

  const chat = (body: Record<string, unknown> = {}, signal?: AbortSignal) =>
    fetch(`${backend.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "mock-model", messages, ...body }),
      signal,
    });

  /** Settled: no open body, no timer, nothing aborted without being reported. */
  const expectIdle = () => {
    expect(backend.mock.activeStreams()).toBe(0);
    expect(backend.mock.pendingTimers()).toBe(0);
  };

  test("status: answers 429 with the given retry-after header and body", async () => {
    const body = '{"error":{"message":"slow down","type":"requests","param":null,"code":null}}';
    backend.mock.setFault({ kind: "status", status: 429, body, headers: { "retry-after": "2" } });
    const response = await chat();
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("2");
    expect(response.headers.get("content-type")).toBe("application/json");
    expect(await response.text()).toBe(body);
    const error = await client.chat.completions.create({ model: "mock-model", messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.RateLimitError);
  });

  test("status: a 500 without a body has an empty body", async () => {
    backend.mock.setFault({ kind: "status", status: 500 });
    const response = await chat();
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("");
  });

  test("status: hits only chat completions unless paths are given", async () => {
    backend.mock.setFault({ kind: "status", status: 500 });
    expect((await fetch(`${backend.url}/v1/models`)).status).toBe(200);
    backend.mock.setFault({ kind: "status", status: 503, paths: ["/v1/models"] });
    expect((await fetch(`${backend.url}/v1/models`)).status).toBe(503);
    const ok = await chat();
    expect(ok.status).toBe(200);
    await ok.text();
  });

  test("flaky: every third chat request fails with the status and an error envelope", async () => {
    backend.mock.setFault({ kind: "flaky", every: 3, status: 502 });
    const statuses = [];
    for (let i = 0; i < 6; i++) {
      const response = await chat();
      statuses.push(response.status);
      if (response.status === 502) expect((await response.json()).error.type).toBe("server_error");
      else await response.text();
    }
    expect(statuses).toEqual([200, 200, 502, 200, 200, 502]);
  });

  test("hang-before-headers: a client abort resolves nextAbort and leaves nothing open", async () => {
    backend.mock.setFault({ kind: "hang-before-headers" });
    const seen = backend.mock.chatRequests().length;
    const controller = new AbortController();
    const pending = client.chat.completions.create({ model: "mock-model", messages }, {
      signal: controller.signal,
    }).catch((e: unknown) => e);
    await waitFor(() => backend.mock.chatRequests().length > seen, "the request to arrive");
    controller.abort();
    expect(await pending).toBeInstanceOf(OpenAI.APIUserAbortError);
    const aborted = await backend.mock.nextAbort();
    expect(aborted).toBe(backend.mock.chatRequests()[seen]!);
    expect(aborted.abortedAt).toBeGreaterThanOrEqual(aborted.receivedAt);
    expect(aborted.completedAt).toBeUndefined();
    expectIdle();
  });

  test("hang-mid-stream: sends the first events, then waits for the client to leave", async () => {
    backend.mock.setFault({ kind: "hang-mid-stream", afterChunks: 3 });
    const controller = new AbortController();
    const stream = await client.chat.completions.create(
      { model: "mock-model", messages, stream: true },
      { signal: controller.signal },
    );
    const received: ChatCompletionChunk[] = [];
    // The SDK ends a stream quietly when its own signal aborts it.
    for await (const chunk of stream) {
      received.push(chunk);
      if (received.length === 3) controller.abort();
    }
    expect(received).toHaveLength(3);
    const aborted = await backend.mock.nextAbort();
    expect(aborted.path).toBe("/v1/chat/completions");
    expectIdle();
  });

  test("close-mid-stream: the client's read fails after the events sent", async () => {
    backend.mock.setFault({ kind: "close-mid-stream", afterChunks: 2 });
    const stream = await client.chat.completions.create({
      model: "mock-model",
      messages,
      stream: true,
    });
    const received: ChatCompletionChunk[] = [];
    const error = await (async () => {
      for await (const chunk of stream) received.push(chunk);
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(received).toHaveLength(2);
    const rec = backend.mock.chatRequests().at(-1)!;
    expect(rec.abortedAt).toBeUndefined();
    expect(rec.completedAt).toBeUndefined();
    expectIdle();
  });

  test("close-mid-stream on a non-stream request cuts the JSON body half-way", async () => {
    backend.mock.setFault({ kind: "close-mid-stream", afterChunks: 0 });
    const response = await chat();
    expect(response.status).toBe(200);
    expect(await response.text().catch((e: unknown) => e)).toBeInstanceOf(Error);
    expectIdle();
  });

  test("malformed-json: a 200 whose JSON body is cut short", async () => {
    backend.mock.setFault({ kind: "malformed-json" });
    const response = await chat();
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("application/json");
    const text = await response.text();
    expect(text.startsWith('{"id":"chatcmpl-')).toBe(true);
    expect(() => JSON.parse(text)).toThrow();
  });

  test("malformed-json on a stream: an event whose data is broken JSON", async () => {
    backend.mock.setFault({ kind: "malformed-json" });
    const events = sseEvents(await (await chat({ stream: true })).text());
    expect(events.at(-1)).toBe("data: [DONE]");
    const broken = events.filter((e) => {
      try {
        return JSON.parse(e.slice(6)) === undefined;
      } catch {
        return e !== "data: [DONE]";
      }
    });
    expect(broken).toHaveLength(1);
  });

  test("invalid-sse: a 200 event stream of garbage lines without [DONE]", async () => {
    backend.mock.setFault({ kind: "invalid-sse" });
    const response = await chat({ stream: true });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const text = await response.text();
    expect(text).toContain("this line is not server-sent events");
    expect(text).not.toContain("[DONE]");
  });

  test("slow-first-byte: answers normally once the delay has passed", async () => {
    backend.mock.setFault({ kind: "slow-first-byte", ms: 5 });
    const completion = await client.chat.completions.create({ model: "mock-model", messages });
    expect(completion.choices[0]!.finish_reason).toBe("stop");
    expectIdle();
  });
});

describe("mock upstream leaves no timer behind a client abort", () => {
  let backend: MockBackend;
  beforeAll(async () => {
    // Delays far longer than any test: only an abort can end them.
    backend = await startMockBackend({ latencyMs: 60_000, ttftMs: 0, chunkGapMs: 60_000 });
  });
  afterAll(() => backend.close());

  const start = (stream: boolean, signal: AbortSignal) =>
    fetch(`${backend.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "mock-model", messages, stream }),
      signal,
    });

  test("a non-stream request waiting out its latency", async () => {
    const seen = backend.mock.chatRequests().length;
    const controller = new AbortController();
    const pending = start(false, controller.signal).catch((e: unknown) => e);
    await waitFor(() => backend.mock.pendingTimers() === 1, "the latency timer");
    expect(backend.mock.chatRequests()).toHaveLength(seen + 1);
    const next = backend.mock.nextAbort(); // asked before the abort happens
    controller.abort();
    await pending;
    const aborted = await next;
    expect(aborted).toBe(backend.mock.chatRequests()[seen]!);
    expect(aborted.abortedAt).toBeDefined();
    expect(backend.mock.pendingTimers()).toBe(0);
  });

  test("a stream waiting between two chunks", async () => {
    const controller = new AbortController();
    const response = await start(true, controller.signal);
    const reader = response.body!.getReader();
    await reader.read();
    await waitFor(() => backend.mock.pendingTimers() === 1, "the chunk gap timer");
    expect(backend.mock.activeStreams()).toBe(1);
    controller.abort();
    await reader.read().catch(() => undefined);
    await backend.mock.nextAbort();
    expect(backend.mock.pendingTimers()).toBe(0);
    expect(backend.mock.activeStreams()).toBe(0);
  });

  test("shutdown() ends open streams with a cut and clears their timers", async () => {
    const response = await start(true, new AbortController().signal);
    const reader = response.body!.getReader();
    await reader.read();
    await waitFor(() => backend.mock.pendingTimers() === 1, "the chunk gap timer");
    backend.mock.shutdown();
    const error = await (async () => {
      for (;;) if ((await reader.read()).done) return undefined;
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(backend.mock.pendingTimers()).toBe(0);
    expect(backend.mock.activeStreams()).toBe(0);
  });
});
