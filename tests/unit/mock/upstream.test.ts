import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { DEFAULT_REPLY } from "../../mock/mod.ts";
import { type MockBackend, sseEvents, startMockBackend } from "../../helpers/mock-backend.ts";

const messages = [{ role: "user" as const, content: "What is the weather in Paris?" }];
const tools = [{
  type: "function" as const,
  function: { name: "get_weather", parameters: { type: "object", properties: {} } },
}];

function clientFor(backend: MockBackend, apiKey = "unused"): OpenAI {
  return new OpenAI({ baseURL: `${backend.url}/v1`, apiKey, maxRetries: 0 });
}

function post(backend: MockBackend, body: unknown): Promise<Response> {
  return fetch(`${backend.url}/v1/chat/completions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("mock upstream chat completions", () => {
  let backend: MockBackend;
  let client: OpenAI;
  beforeAll(async () => {
    backend = await startMockBackend({ chunks: 7 });
    client = clientFor(backend);
  });
  afterAll(() => backend.close());

  test("answers a non-stream completion for the requested model", async () => {
    const completion = await client.chat.completions.create({ model: "mock-model", messages });
    expect(completion).toMatchObject({
      id: expect.stringMatching(/^chatcmpl-[A-Za-z0-9]{29}$/),
      object: "chat.completion",
      created: expect.any(Number),
      model: "mock-model",
      system_fingerprint: "fp_mock",
      choices: [{
        index: 0,
        message: { role: "assistant", content: DEFAULT_REPLY },
        logprobs: null,
        finish_reason: "stop",
      }],
    });
    const usage = completion.usage!;
    expect(usage.total_tokens).toBe(usage.prompt_tokens + usage.completion_tokens);
  });

  test("sends a body of about 1.4 KB by default", async () => {
    const response = await post(backend, { model: "mock-model", messages });
    expect(response.headers.get("content-type")).toBe("application/json");
    const bytes = (await response.arrayBuffer()).byteLength;
    expect(bytes).toBeGreaterThan(1200);
    expect(bytes).toBeLessThan(1600);
  });

  test("streams deltas that reassemble into the reply text, role first and stop last", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-model",
      messages,
      stream: true,
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    expect(chunks).toHaveLength(1 + 7 + 1);
    expect(chunks[0]!.choices[0]!.delta).toEqual({ role: "assistant", content: "" });
    const text = chunks.map((c) => c.choices[0]?.delta.content ?? "").join("");
    expect(text).toBe(DEFAULT_REPLY);
    expect(chunks.at(-1)!.choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(chunks.every((c) => c.object === "chat.completion.chunk" && !c.usage)).toBe(true);
  });

  test("puts one event per SSE message, numbered by x_seq, ending with [DONE]", async () => {
    const response = await post(backend, { model: "mock-model", messages, stream: true });
    expect(response.headers.get("content-type")).toBe("text/event-stream");
    const text = await response.text();
    expect(text.endsWith("\n\ndata: [DONE]\n\n")).toBe(true);
    const events = sseEvents(text);
    expect(events.every((e) => e.startsWith("data: ") && !e.includes("\n"))).toBe(true);
    const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)));
    expect(chunks.map((c) => c.x_seq)).toEqual([...chunks.keys()]);
    expect(chunks.every((c) => typeof c.x_sent_ms === "number")).toBe(true);
    const sent = chunks.map((c) => c.x_sent_ms as number);
    expect(sent).toEqual([...sent].sort((a, b) => a - b));
  });

  test("adds a final chunk with empty choices and usage only when include_usage is set", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-model",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks.at(-1)!;
    expect(last.choices).toEqual([]);
    expect(last.usage!.prompt_tokens).toBeGreaterThan(0);
    expect(last.usage!.total_tokens).toBe(
      last.usage!.prompt_tokens + last.usage!.completion_tokens,
    );
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  test("calls the first tool offered in a non-stream answer", async () => {
    const completion = await client.chat.completions.create({
      model: "mock-model",
      messages,
      tools,
    });
    const choice = completion.choices[0]!;
    expect(choice.finish_reason).toBe("tool_calls");
    expect(choice.message.content).toBeNull();
    expect(choice.message.tool_calls).toEqual([{
      id: expect.stringMatching(/^call_[A-Za-z0-9]{24}$/),
      type: "function",
      function: { name: "get_weather", arguments: '{"location":"Paris"}' },
    }]);
  });

  test("streams a tool call as index-0 deltas whose arguments reassemble", async () => {
    const stream = await client.chat.completions.create({
      model: "mock-model",
      messages,
      tools,
      stream: true,
    });
    const calls = [];
    let finish: string | null = null;
    for await (const chunk of stream) {
      calls.push(...(chunk.choices[0]?.delta.tool_calls ?? []));
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(calls[0]).toEqual({
      index: 0,
      id: expect.stringMatching(/^call_/),
      type: "function",
      function: { name: "get_weather", arguments: "" },
    });
    const rest = calls.slice(1);
    expect(rest.length).toBeGreaterThanOrEqual(2);
    expect(rest.length).toBeLessThanOrEqual(3);
    expect(rest.every((c) => c.index === 0 && c.id === undefined)).toBe(true);
    expect(rest.map((c) => c.function!.arguments).join("")).toBe('{"location":"Paris"}');
    expect(finish).toBe("tool_calls");
  });

  test("answers an unknown model with 404 model_not_found", async () => {
    const error = await client.chat.completions.create({ model: "nope", messages })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect((error as InstanceType<typeof OpenAI.NotFoundError>).error).toEqual({
      message: "The model `nope` does not exist.",
      type: "invalid_request_error",
      param: "model",
      code: "model_not_found",
    });
  });

  test("answers a body that is not JSON with a 400 envelope", async () => {
    const response = await fetch(`${backend.url}/v1/chat/completions`, {
      method: "POST",
      body: "{not json",
    });
    expect(response.status).toBe(400);
    expect((await response.json()).error.type).toBe("invalid_request_error");
  });

  test("records every request with lower-case headers, raw and parsed body", async () => {
    const before = backend.mock.requests.length;
    await post(backend, { model: "mock-model", messages, seed: 7 }).then((r) => r.text());
    const rec = backend.mock.requests[before]!;
    expect(rec).toMatchObject({ method: "POST", path: "/v1/chat/completions" });
    expect(rec.headers["content-type"]).toBe("application/json");
    expect(rec.body).toEqual({ model: "mock-model", messages, seed: 7 });
    expect(JSON.parse(rec.bodyText)).toEqual(rec.body);
    expect(rec.completedAt).toBeGreaterThanOrEqual(rec.receivedAt);
    expect(rec.abortedAt).toBeUndefined();
    expect(backend.mock.chatRequests()).toContain(rec);
  });

  test("uses the configured text and chunk count after setOptions", async () => {
    backend.mock.setOptions({ text: "Hello from the mock.", chunks: 3 });
    try {
      const stream = await client.chat.completions.create({
        model: "mock-model",
        messages,
        stream: true,
      });
      const pieces = [];
      for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta.content);
      expect(pieces.slice(1, -1)).toHaveLength(3);
      expect(pieces.join("")).toBe("Hello from the mock.");
    } finally {
      backend.mock.setOptions({ text: undefined, chunks: 7 });
    }
  });

  test("answers embeddings as floats, or as base64 float32 the way the SDK asks", async () => {
    const raw = await fetch(`${backend.url}/v1/embeddings`, {
      method: "POST",
      body: JSON.stringify({ model: "mock-model", input: ["a", "b"] }),
    }).then((r) => r.json());
    expect(raw).toMatchObject({ object: "list", model: "mock-model", usage: expect.any(Object) });
    expect(raw.data.map((d: { index: number }) => d.index)).toEqual([0, 1]);
    const viaSdk = await client.embeddings.create({ model: "mock-model", input: ["a", "b"] });
    viaSdk.data.forEach((d, i) => {
      const floats = raw.data[i].embedding as number[];
      expect(d.embedding).toHaveLength(floats.length);
      d.embedding.forEach((x, k) => expect(x).toBeCloseTo(floats[k]!, 5));
    });
  });
});

describe("mock upstream API key", () => {
  let backend: MockBackend;
  beforeAll(async () => {
    backend = await startMockBackend({ apiKey: "sk-mock" });
  });
  afterAll(() => backend.close());

  test("rejects a wrong key with a 401 envelope and accepts the right one", async () => {
    const error = await clientFor(backend, "sk-wrong").models.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as InstanceType<typeof OpenAI.AuthenticationError>).code).toBe("invalid_api_key");
    const missing = await fetch(`${backend.url}/v1/models`);
    expect(missing.status).toBe(401);
    expect((await missing.json()).error.type).toBe("invalid_request_error");
    const page = await clientFor(backend, "sk-mock").models.list();
    expect(page.data.map((m) => m.id)).toEqual(["mock-model"]);
    expect(backend.mock.requests.at(-1)!.headers.authorization).toBe("Bearer sk-mock");
  });
});
