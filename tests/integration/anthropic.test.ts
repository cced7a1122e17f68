/**
 * The official `@anthropic-ai/sdk`, unchanged, against Nexus in front of a backend that serves
 * Anthropic's Messages API itself (an Ollama ≥ 0.14 mock: passed through untouched) and a
 * vLLM-shaped chat backend (translated to chat completions and back). Each case runs through
 * both, reached by the `claude-*` names Claude Code sends, through wildcard aliases.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

const TEXT = "The quick brown fox jumps over the lazy dog.";
const ARGUMENTS = { location: "Paris" };
let chatOnly: MockBackend;
let native: MockBackend;
let counting: MockBackend;
let gateway: RunningGateway;
let client: Anthropic;

beforeAll(async () => {
  chatOnly = await startMockBackend({
    flavor: "vllm",
    models: [{ id: "qwen2.5-coder:32b" }],
    text: TEXT,
    chunks: 6,
  });
  native = await startMockBackend({
    flavor: "ollama",
    anthropic: true,
    models: [{ id: "glm-4.7" }],
    text: TEXT,
    chunks: 4,
  });
  counting = await startMockBackend({
    flavor: "llamacpp",
    anthropic: true,
    models: [{ id: "gemma-3" }],
  });
  gateway = await startGateway([
    { name: "vllm-box", url: chatOnly.url, type: "vllm", models: ["qwen2.5-coder:32b"] },
    { name: "ollama-box", url: native.url, type: "ollama", models: ["glm-4.7"] },
    { name: "llama-box", url: counting.url, type: "llamacpp", models: ["gemma-3"] },
  ], {
    routing: {
      aliases: { "claude-sonnet-*": "qwen2.5-coder:32b", "claude-3-5-haiku-*": "glm-4.7" },
    },
  });
  // What `nexus serve` does once the backends are healthy: ask each whether it serves /v1/messages.
  gateway.gateway.features.start();
  await gateway.gateway.features.idle();
  client = new Anthropic({ baseURL: gateway.url, apiKey: "sk-ant-client", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await chatOnly.close();
  await native.close();
  await counting.close();
});

/** The SDK's types list every optional field; the wire has only what the server sent. */
const plain = (value: unknown): unknown => value;

const weatherTool: Anthropic.Tool = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: {
    type: "object",
    properties: { location: { type: "string" } },
    required: ["location"],
  },
};

describe("feature detection", () => {
  test("learns once which backend serves /v1/messages itself", () => {
    const features = (name: string) => gateway.gateway.registry.get(name)!.features.messages;
    expect([features("ollama-box"), features("vllm-box"), features("llama-box")])
      .toEqual([true, false, true]);
    const probes = (mock: MockBackend) =>
      mock.mock.requests.filter((r) => r.path === "/v1/messages" && r.bodyText === "{}");
    expect(probes(native)).toHaveLength(1);
    expect(probes(chatOnly)).toHaveLength(1);
  });
});

const PATHS = [
  {
    path: "translated",
    model: "claude-sonnet-4-5-20250929",
    backend: () => chatOnly,
    name: "vllm-box",
    upstream: "/v1/chat/completions",
  },
  {
    path: "passthrough",
    model: "claude-3-5-haiku-20241022",
    backend: () => native,
    name: "ollama-box",
    upstream: "/v1/messages",
  },
] as const;

for (const { path, model, backend, name, upstream } of PATHS) {
  describe(`messages through the Anthropic SDK (${path})`, () => {
    test("messages.create returns the answer with its usage", async () => {
      const { data: message, response } = await client.messages.create({
        model,
        max_tokens: 256,
        messages: [{ role: "user", content: "Say something." }],
      }).withResponse();
      expect(message.type).toBe("message");
      expect(message.role).toBe("assistant");
      expect(plain(message.content)).toEqual([{ type: "text", text: TEXT }]);
      expect(message.stop_reason).toBe("end_turn");
      expect(message.usage.input_tokens).toBeGreaterThan(0);
      expect(message.usage.output_tokens).toBeGreaterThan(0);
      expect(response.headers.get("x-nexus-backend")).toBe(name);
      expect(backend().mock.requests.at(-1)!.path).toBe(upstream);
    });

    test("a streamed messages.create is Anthropic's event sequence", async () => {
      const stream = await client.messages.create({
        model,
        max_tokens: 256,
        messages: [{ role: "user", content: "Say something." }],
        stream: true,
      });
      const events: Anthropic.MessageStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const types = events.map((e) => e.type);
      expect(types[0]).toBe("message_start");
      expect(types[1]).toBe("content_block_start");
      expect(types.slice(-3)).toEqual(["content_block_stop", "message_delta", "message_stop"]);
      const text = events.flatMap((e) =>
        e.type === "content_block_delta" && e.delta.type === "text_delta" ? [e.delta.text] : []
      );
      expect(text.join("")).toBe(TEXT);
      const delta = events.find((e) => e.type === "message_delta");
      expect(delta?.type === "message_delta" && delta.delta.stop_reason).toBe("end_turn");
      expect(delta?.type === "message_delta" && delta.usage.output_tokens).toBeGreaterThan(0);
    });

    test("messages.stream(): a tool round trip (tool_use → tool_result → answer)", async () => {
      const messages: Anthropic.MessageParam[] = [
        { role: "user", content: "What is the weather in Paris?" },
      ];
      const first = client.messages.stream({
        model,
        max_tokens: 256,
        messages,
        tools: [weatherTool],
      });
      const partial: string[] = [];
      first.on("inputJson", (delta) => partial.push(delta));
      const call = await first.finalMessage();
      expect(call.stop_reason).toBe("tool_use");
      const use = call.content.find((block) => block.type === "tool_use");
      if (use?.type !== "tool_use") throw new Error("no tool_use block");
      expect(use).toMatchObject({ name: "get_weather", input: ARGUMENTS });
      expect(JSON.parse(partial.join(""))).toEqual(ARGUMENTS);
      messages.push(
        { role: "assistant", content: call.content },
        {
          role: "user",
          content: [{ type: "tool_result", tool_use_id: use.id, content: "21°C and sunny" }],
        },
      );
      const answer = await client.messages.stream({
        model,
        max_tokens: 256,
        messages,
        tools: [weatherTool],
      })
        .finalMessage();
      expect(plain(answer.content)).toEqual([{ type: "text", text: TEXT }]);
      const sent = backend().mock.requests.at(-1)!.body as Record<string, unknown>;
      if (path === "translated") {
        // The tool_use id is the backend's own call id, so its tool result finds its call.
        expect(use.id).toMatch(/^call_/);
        expect((sent.messages as unknown[]).slice(1)).toEqual([
          {
            role: "assistant",
            content: "",
            tool_calls: [{
              id: use.id,
              type: "function",
              function: { name: "get_weather", arguments: JSON.stringify(ARGUMENTS) },
            }],
          },
          { role: "tool", tool_call_id: use.id, content: "21°C and sunny" },
        ]);
      } else {
        expect(sent.messages).toEqual(JSON.parse(JSON.stringify(messages)));
      }
    });

    test("an image block reaches the model", async () => {
      const png =
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";
      const messages: Anthropic.MessageParam[] = [{
        role: "user",
        content: [
          { type: "image", source: { type: "base64", media_type: "image/png", data: png } },
          { type: "text", text: "What is in this picture?" },
        ],
      }];
      const message = await client.messages.create({ model, max_tokens: 64, messages });
      expect(plain(message.content)).toEqual([{ type: "text", text: TEXT }]);
      const sent = backend().mock.requests.at(-1)!.body as Record<string, unknown>;
      if (path === "translated") {
        expect(sent.messages).toEqual([{
          role: "user",
          content: [
            { type: "image_url", image_url: { url: `data:image/png;base64,${png}` } },
            { type: "text", text: "What is in this picture?" },
          ],
        }]);
      } else {
        expect(sent.messages).toEqual(messages);
      }
    });

    test("thinking: a thinking block where the backend reasons", async () => {
      const { data: message, response } = await client.messages.create({
        model,
        max_tokens: 2048,
        thinking: { type: "enabled", budget_tokens: 1024 },
        messages: [{ role: "user", content: "Think first." }],
      }).withResponse();
      expect(response.headers.get("x-nexus-warning")).toBeNull();
      const sent = backend().mock.requests.at(-1)!.body as Record<string, unknown>;
      if (path === "translated") {
        expect(sent.reasoning_effort).toBe("low");
        expect(message.content[0]).toMatchObject({ type: "thinking" });
        expect(plain(message.content[1])).toEqual({ type: "text", text: TEXT });
      } else {
        expect(sent.thinking).toEqual({ type: "enabled", budget_tokens: 1024 });
      }
    });
  });
}

describe("count_tokens through the SDK", () => {
  test("vLLM counts with its tokenizer (/tokenize)", async () => {
    const { data, response } = await client.messages.countTokens({
      model: "claude-sonnet-4-5",
      system: "You are terse.",
      messages: [{ role: "user", content: "How long is this?" }],
      tools: [weatherTool],
    }).withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-nexus-token-count")).toBe("backend");
    const sent = chatOnly.mock.requests.at(-1)!;
    expect(sent.path).toBe("/tokenize");
    expect((sent.body as { tools?: unknown[] }).tools).toHaveLength(1);
  });

  test("a native server that counts gets count_tokens itself", async () => {
    const { data, response } = await client.messages.countTokens({
      model: "gemma-3",
      messages: [{ role: "user", content: "How long is this?" }],
    }).withResponse();
    expect(data.input_tokens).toBeGreaterThan(0);
    expect(response.headers.get("x-nexus-token-count")).toBe("backend");
    expect(counting.mock.requests.at(-1)!.path).toBe("/v1/messages/count_tokens");
  });

  test("Ollama has no count_tokens: Nexus estimates without calling it", async () => {
    const before = native.mock.requests.length;
    const { data, response } = await client.messages.countTokens({
      model: "claude-3-5-haiku-20241022",
      messages: [{ role: "user", content: "x".repeat(400) }],
    }).withResponse();
    expect(data.input_tokens).toBe(100);
    expect(response.headers.get("x-nexus-token-count")).toBe("estimate");
    expect(response.headers.get("x-nexus-backend")).toBe("ollama-box");
    expect(native.mock.requests.length).toBe(before);
  });
});

describe("headers", () => {
  test("anthropic-version and anthropic-beta reach a native backend only; the client's key none", async () => {
    const request = {
      model: "claude-3-5-haiku-20241022",
      max_tokens: 16,
      messages: [{ role: "user" as const, content: "hi" }],
      betas: ["interleaved-thinking-2025-05-14"],
    };
    const options = { headers: { "anthropic-version": "2023-06-01" } };
    await client.beta.messages.create(request, options);
    const nativeHeaders = native.mock.requests.at(-1)!.headers;
    expect(nativeHeaders["anthropic-version"]).toBe("2023-06-01");
    expect(nativeHeaders["anthropic-beta"]).toBe("interleaved-thinking-2025-05-14");
    await client.beta.messages.create({ ...request, model: "claude-sonnet-4-5" }, options);
    const translatedHeaders = chatOnly.mock.requests.at(-1)!.headers;
    expect(translatedHeaders["anthropic-version"]).toBeUndefined();
    expect(translatedHeaders["anthropic-beta"]).toBeUndefined();
    for (const headers of [nativeHeaders, translatedHeaders]) {
      expect(headers["x-api-key"]).toBeUndefined();
      expect(headers["authorization"]).toBeUndefined();
    }
  });
});

describe("models.list()", () => {
  test("the SDK reads GET /v1/models, which keeps OpenAI's shape", async () => {
    const page = await client.models.list();
    expect(page.data.map((m) => m.id)).toEqual(["gemma-3", "glm-4.7", "qwen2.5-coder:32b"]);
    expect(page.data[0]).toMatchObject({ type: "model", display_name: "gemma-3", object: "model" });
    expect(Number.isNaN(Date.parse(page.data[0]!.created_at))).toBe(false);
    expect(page.has_more).toBe(false);
    expect(page.hasNextPage()).toBe(false);
  });

  test("models.retrieve() reads one entry; an unknown id is NotFoundError in Anthropic's envelope", async () => {
    const model = await client.models.retrieve("gemma-3");
    expect(model).toMatchObject({ id: "gemma-3", type: "model", display_name: "gemma-3" });
    // The name Claude Code sends reaches its model through the wildcard alias, as a request does.
    const sonnet = await client.models.retrieve("claude-sonnet-4-5");
    expect(sonnet).toMatchObject({ id: "claude-sonnet-4-5", alias_of: "qwen2.5-coder:32b" });
    const error = await client.models.retrieve("claude-nonexistent").catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.error).toMatchObject({ type: "error", error: { type: "not_found_error" } });
    expect(error.error.error.message).toContain('"claude-nonexistent" not found');
  });
});

describe("routes Nexus does not serve", () => {
  test("the Batches API is NotFoundError in Anthropic's envelope, not OpenAI's", async () => {
    const error = await client.messages.batches.list().catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.NotFoundError);
    expect(error.error).toMatchObject({
      type: "error",
      error: { type: "not_found_error", message: "Unknown path: GET /v1/messages/batches" },
    });
  });
});
