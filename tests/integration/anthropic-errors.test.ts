/**
 * Errors on the Anthropic routes are Anthropic's (`{"type":"error","error":{type,message}}`, the
 * SDK's error classes, `event: error` mid-stream, `event: ping` while waiting) and stay OpenAI's
 * on the OpenAI routes, through the one failure table.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let chat: MockBackend;
let native: MockBackend;
let busy: MockBackend;
let llama: MockBackend;
let gateway: RunningGateway;
let client: Anthropic;

const MESSAGES = ["/v1/messages"];

beforeAll(async () => {
  chat = await startMockBackend({ flavor: "vllm", models: [{ id: "qwen" }], chunks: 4 });
  native = await startMockBackend({
    flavor: "ollama",
    anthropic: true,
    models: [{ id: "glm" }],
    chunks: 4,
  });
  busy = await startMockBackend({ flavor: "vllm", models: [{ id: "busy" }] });
  llama = await startMockBackend({ flavor: "llamacpp", models: [{ id: "gemma" }] });
  gateway = await startGateway([
    { name: "chat", url: chat.url, type: "vllm", models: ["qwen"] },
    { name: "native", url: native.url, type: "ollama", anthropic: true, models: ["glm"] },
    { name: "busy", url: busy.url, type: "vllm", max_concurrent: 1, models: ["busy"] },
    { name: "llama", url: llama.url, type: "llamacpp", anthropic: false, models: ["gemma"] },
    {
      name: "blind",
      // The same mock under another name: one URL may back only one [[backends]] entry.
      url: llama.url.replace("127.0.0.1", "localhost"),
      type: "llamacpp",
      anthropic: false,
      models: [{ id: "blind", capabilities: { vision: false } }],
    },
  ], {
    server: {
      max_body_bytes: 64 * 1024,
      sse_keepalive_seconds: 0.1,
      first_byte_timeout_seconds: 2,
    },
    routing: { max_retries: 0 },
    queue: { max_size: 0 },
  });
  client = new Anthropic({ baseURL: gateway.url, apiKey: "sk-ant-client", maxRetries: 0 });
});

afterEach(() => {
  for (const backend of [chat, native, busy]) backend.mock.setFault({ kind: "none" });
});

afterAll(async () => {
  await gateway.close();
  for (const backend of [chat, native, busy, llama]) await backend.close();
});

async function post(path: string, body: unknown, init: RequestInit = {}) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: typeof body === "string" ? body : JSON.stringify(body),
    ...init,
  });
  return { response, text: await response.text() };
}

/** Anthropic's envelope, exactly: nothing but `type` and `error: {type, message}`. */
function anthropicError(text: string): { type: string; message: string } {
  const parsed = JSON.parse(text);
  expect(parsed.type).toBe("error");
  expect(Object.keys(parsed).sort()).toEqual(["error", "type"]);
  expect(typeof parsed.error.message).toBe("string");
  return parsed.error;
}

const request = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  max_tokens: 64,
  messages: [{ role: "user", content: "hi" }],
  ...extra,
});

describe("request errors", () => {
  test("an unknown model is 404 not_found_error listing what is available", async () => {
    const error = await client.messages.create(
      request("claude-opus-4") as Anthropic.MessageCreateParamsNonStreaming,
    )
      .catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.status).toBe(404);
    expect(error.error).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(error.error.error.message).toContain("Available models: blind, busy, gemma, glm, qwen");
    // The same mistake on an OpenAI route is OpenAI's.
    const openai = await post("/v1/chat/completions", {
      model: "claude-opus-4",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(openai.response.status).toBe(404);
    expect(JSON.parse(openai.text).error.code).toBe("model_not_found");
  });

  test("a missing max_tokens, a body that is not JSON, a wrong method: 400, 400, 405", async () => {
    const missing = await post("/v1/messages", { model: "qwen", messages: [] });
    expect(missing.response.status).toBe(400);
    expect(anthropicError(missing.text)).toEqual({
      type: "invalid_request_error",
      message: "max_tokens: Field required",
    });
    const garbage = await post("/v1/messages", "{not json");
    expect(garbage.response.status).toBe(400);
    expect(anthropicError(garbage.text).type).toBe("invalid_request_error");
    const get = await fetch(`${gateway.url}/v1/messages`);
    expect(get.status).toBe(405);
    expect(get.headers.get("allow")).toBe("POST");
    expect(anthropicError(await get.text()).type).toBe("invalid_request_error");
    const count = await post("/v1/messages/count_tokens?beta=true", { messages: [] });
    expect(count.response.status).toBe(400);
    expect(anthropicError(count.text).message).toBe("model: Field required");
  });

  test("an empty messages list is 400 invalid_request_error, as Anthropic answers, sent nowhere", async () => {
    const sent = chat.mock.requests.length + native.mock.requests.length;
    for (const model of ["qwen", "glm"]) {
      for (const stream of [false, true]) {
        const error = await client.messages.create({
          model,
          max_tokens: 64,
          messages: [],
          stream,
        }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(Anthropic.BadRequestError);
        const rejected = error as InstanceType<typeof Anthropic.BadRequestError>;
        expect(rejected.status).toBe(400);
        expect(rejected.error).toEqual({
          type: "error",
          error: {
            type: "invalid_request_error",
            message: "messages: at least one message is required",
          },
        });
      }
    }
    const count = await client.messages.countTokens({ model: "qwen", messages: [] })
      .catch((e: unknown) => e);
    expect(count).toBeInstanceOf(Anthropic.BadRequestError);
    expect((count as InstanceType<typeof Anthropic.BadRequestError>).message)
      .toContain("messages: at least one message is required");
    expect(chat.mock.requests.length + native.mock.requests.length).toBe(sent);
  });

  test("a body over the limit is 413 request_too_large", async () => {
    const big = await post("/v1/messages", request("qwen", { system: "x".repeat(70_000) }));
    expect(big.response.status).toBe(413);
    expect(anthropicError(big.text).type).toBe("request_too_large");
  });

  test("a server tool is refused, named, for a translated backend, and passed to a native one", async () => {
    const tools = [{ type: "web_search_20250305", name: "web_search", max_uses: 2 }];
    const refused = await post("/v1/messages", request("qwen", { tools }));
    expect(refused.response.status).toBe(400);
    expect(anthropicError(refused.text)).toEqual({
      type: "invalid_request_error",
      message:
        "tools.0: the server tool 'web_search_20250305' cannot be translated for a backend " +
        "that does not serve /v1/messages itself; route this model to one that does (or set " +
        "anthropic = true on it)",
    });
    expect(chat.mock.chatRequests()).toHaveLength(0);
    const passed = await post("/v1/messages", request("glm", { tools }));
    expect(passed.response.status).toBe(200);
    expect((native.mock.requests.at(-1)!.body as { tools: unknown }).tools).toEqual(tools);
  });
});

describe("backend failures", () => {
  test("nothing can take the request now (no vision): 503 overloaded_error, as the table says", async () => {
    const image = {
      type: "image",
      source: { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" },
    };
    const error = await client.messages.create(
      request("blind", {
        messages: [{ role: "user", content: [image, { type: "text", text: "what is it?" }] }],
      }) as Anthropic.MessageCreateParamsNonStreaming,
    ).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.InternalServerError);
    expect(error.status).toBe(503);
    expect(error.error.error.type).toBe("overloaded_error");
    expect(error.error.error.message).toContain("no vision support");
  });

  test("a backend's 5xx is 502 api_error", async () => {
    chat.mock.setFault({ kind: "status", status: 500, body: "boom" });
    const error = await client.messages.create(
      request("qwen") as Anthropic.MessageCreateParamsNonStreaming,
    )
      .catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect(error.status).toBe(502);
    expect(error.error.error.type).toBe("api_error");
  });

  test("a translated backend's 4xx keeps its status and its words", async () => {
    chat.mock.setFault({
      kind: "status",
      status: 400,
      body: JSON.stringify({
        object: "error",
        message: "This model's maximum context length is 4096 tokens",
        type: "BadRequestError",
        code: 400,
      }),
    });
    const error = await client.messages.create(
      request("qwen") as Anthropic.MessageCreateParamsNonStreaming,
    )
      .catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error.error).toEqual({
      type: "invalid_request_error",
      message:
        "The backend refused the request (HTTP 400): This model's maximum context length is 4096 tokens",
    });
  });

  for (
    const [name, backend, model] of [["chat", () => chat, "qwen"], [
      "native",
      () => native,
      "glm",
    ]] as const
  ) {
    test(`a stream cut by ${name} after its first events ends with event: error, thrown by the SDK`, async () => {
      backend().mock.setFault({
        kind: "close-mid-stream",
        afterChunks: 2,
        paths: [...MESSAGES, "/v1/chat/completions"],
      });
      const stream = await client.messages.create(
        { ...request(model), stream: true } as Anthropic.MessageCreateParamsStreaming,
      );
      const seen: string[] = [];
      const error = await (async () => {
        for await (const event of stream) seen.push(event.type);
      })().catch((e) => e);
      expect(seen[0]).toBe("message_start");
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(error.error).toMatchObject({ type: "error", error: { type: "api_error" } });
      expect(error.error.error.message).toContain(`Backend ${name}`);
    });
  }
});

describe("waiting", () => {
  test("a stream waiting for its first token gets ping events, then the answer", async () => {
    native.mock.setFault({ kind: "slow-first-byte", ms: 350, paths: MESSAGES });
    const { response, text } = await post("/v1/messages", request("glm", { stream: true }));
    expect(response.status).toBe(200);
    expect(text.startsWith('event: ping\ndata: {"type":"ping"}\n\n')).toBe(true);
    // The SDK reads the same stream to the end.
    native.mock.setFault({ kind: "slow-first-byte", ms: 350, paths: MESSAGES });
    const message = await client.messages.stream(
      request("glm") as Anthropic.MessageCreateParamsNonStreaming,
    )
      .finalMessage();
    expect(message.stop_reason).toBe("end_turn");
  });

  test("a backend that never answers after pings began: one event: error", async () => {
    chat.mock.setFault({ kind: "hang-before-headers" });
    const { response, text } = await post("/v1/messages", request("qwen", { stream: true }));
    expect(response.status).toBe(200);
    const events = text.split("\n\n").filter((e) => e !== "");
    expect(events[0]).toBe('event: ping\ndata: {"type":"ping"}');
    const last = events.at(-1)!.split("\n");
    expect(last[0]).toBe("event: error");
    expect(JSON.parse(last[1]!.slice(6)).error.type).toBe("api_error");
    await chat.mock.nextAbort();
  });

  test("every slot busy and no room to queue: 529 overloaded_error here, 429 on OpenAI routes", async () => {
    busy.mock.setFault({ kind: "hang-before-headers" });
    const holder = new AbortController();
    const held = fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "busy", messages: [{ role: "user", content: "hi" }] }),
      signal: holder.signal,
    }).catch(() => undefined);
    await waitFor(
      () => busy.mock.chatRequests().length === 1,
      "the first request to hold the slot",
    );
    const anthropic = await post("/v1/messages", request("busy"));
    expect(anthropic.response.status).toBe(529);
    expect(anthropic.response.headers.get("retry-after")).not.toBeNull();
    expect(anthropicError(anthropic.text).type).toBe("overloaded_error");
    const openai = await post("/v1/chat/completions", {
      model: "busy",
      messages: [{ role: "user", content: "hi" }],
    });
    expect(openai.response.status).toBe(429);
    expect(JSON.parse(openai.text).error.code).toBe("rate_limit_exceeded");
    holder.abort();
    await held;
    await busy.mock.nextAbort();
  });
});

describe("count_tokens with a counting backend first", () => {
  test("fails over only to backends that count: one without a tokenizer is never asked", async () => {
    const counter = await startMockBackend({ flavor: "vllm", models: [{ id: "m" }] });
    const plain = await startMockBackend({ flavor: "ollama", models: [{ id: "m" }] });
    const running = await startGateway([
      { name: "counter", url: counter.url, type: "vllm", priority: 1, models: ["m"] },
      { name: "plain", url: plain.url, type: "ollama", priority: 2, models: ["m"] },
    ], { routing: { strategy: "priority_only" } });
    try {
      const count = (expected: number) =>
        fetch(`${running.url}/v1/messages/count_tokens`, {
          method: "POST",
          body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] }),
        }).then(async (r) => {
          expect(r.status).toBe(expected);
          return { headers: r.headers, body: await r.json() };
        });
      const counted = await count(200);
      expect(counted.headers.get("x-nexus-token-count")).toBe("backend");
      counter.mock.setFault({ kind: "status", status: 500, paths: ["/tokenize"] });
      const failed = await count(502);
      expect(failed.body.error.type).toBe("api_error");
      expect(plain.mock.requests.filter((r) => r.method === "POST")).toEqual([]);
    } finally {
      await running.close();
      await counter.close();
      await plain.close();
    }
  });
});

describe("thinking", () => {
  test("a backend with no way to think ignores it, and the answer says so", async () => {
    const { response } = await post(
      "/v1/messages",
      request("gemma", {
        thinking: { type: "enabled", budget_tokens: 2048 },
        max_tokens: 4096,
      }),
    );
    expect(response.status).toBe(200);
    expect(response.headers.get("x-nexus-warning")).toBe("thinking ignored");
    expect((llama.mock.chatRequests().at(-1)!.body as Record<string, unknown>).reasoning_effort)
      .toBeUndefined();
  });
});

describe("metrics", () => {
  test('count requests under endpoint="messages" and endpoint="count_tokens"', async () => {
    await post("/v1/messages/count_tokens", {
      model: "glm",
      messages: [{ role: "user", content: "hi" }],
    });
    const text = await (await fetch(`${gateway.url}/metrics`)).text();
    const requests = text.split("\n").filter((l) => l.startsWith("nexus_requests_total{"));
    expect(requests.some((l) => l.includes('endpoint="messages"'))).toBe(true);
    expect(requests.some((l) => l.includes('endpoint="count_tokens"'))).toBe(true);
  });
});
