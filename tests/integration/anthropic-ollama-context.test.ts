/**
 * The context-length trap on the Anthropic front door: a Messages request translated for an
 * Ollama backend that does not serve `/v1/messages` itself (Ollama before 0.14, or `anthropic =
 * false`) would reach Ollama's OpenAI endpoint, which cuts anything longer than the default context
 * (4096 tokens) — Claude Code's system prompt and tools alone are longer. Such a request goes to
 * the native `/api/chat` with `num_ctx` sized for it, and the answer comes back in Anthropic's
 * shapes through the official SDK, streamed or not, tool calls included; a short one stays on the
 * OpenAI endpoint.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import Anthropic from "@anthropic-ai/sdk";
import { DEFAULT_REPLY } from "../mock/mod.ts";
import { AGENT_SYSTEM, LONG_TOKENS, LONG_TURNS } from "../mock/ollama-context.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let ollama: MockBackend;
let gateway: RunningGateway;
let client: Anthropic;

const TOOL: Anthropic.Tool = {
  name: "read_file",
  description: "Reads a file",
  input_schema: { type: "object", properties: { path: { type: "string" } } },
};

beforeAll(async () => {
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [
      { id: "llama3.1:8b", capabilities: ["completion", "tools"], context_length: 131072 },
      { id: "tiny:1b", capabilities: ["completion"], context_length: 8192 },
    ],
  });
  gateway = await startGateway([
    { name: "gpu", url: ollama.url, type: "ollama", anthropic: false },
  ], { routing: { aliases: { "claude-*": "llama3.1:8b" } } });
  await gateway.gateway.health.runRound();
  client = new Anthropic({ baseURL: gateway.url, apiKey: "any", maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await ollama?.close();
});

function lastRequest() {
  return ollama.mock.requests.filter((r) => r.method === "POST").at(-1)!;
}

function sentOptions(): Record<string, number> {
  return (lastRequest().body as { options: Record<string, number> }).options;
}

describe("a Messages request for an Ollama backend without /v1/messages", () => {
  test("longer than the model's own maximum (CJK, which characters ÷ 4 would let through): 400, nothing sent", async () => {
    const before = ollama.mock.requests.length;
    const error = await client.messages.create({
      model: "tiny:1b",
      max_tokens: 64,
      messages: [{ role: "user", content: "天".repeat(12000) }],
    }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.BadRequestError);
    expect(error.error).toMatchObject({ type: "error", error: { type: "invalid_request_error" } });
    expect(error.error.error.message).toContain('context of model "tiny:1b"');
    expect(ollama.mock.requests.length).toBe(before);
  });

  test("a short one stays on Ollama's OpenAI endpoint", async () => {
    const message = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 100,
      messages: [{ role: "user", content: "Hi" }],
    });
    expect(message.content[0]).toMatchObject({ type: "text", text: DEFAULT_REPLY });
    expect(lastRequest().path).toBe("/v1/chat/completions");
  });

  test("a long one goes native with num_ctx and is never cut", async () => {
    const message = await client.messages.create({
      model: "claude-sonnet-4-5",
      max_tokens: 500,
      system: [{ type: "text", text: AGENT_SYSTEM, cache_control: { type: "ephemeral" } }],
      messages: LONG_TURNS,
    });
    expect(LONG_TOKENS).toBeGreaterThan(2 * 4096);
    expect(message.content[0]).toMatchObject({ type: "text", text: DEFAULT_REPLY });
    expect(message.stop_reason).toBe("end_turn");
    expect(message.usage.input_tokens).toBe(LONG_TOKENS);
    expect(lastRequest().path).toBe("/api/chat");
    expect(sentOptions()).toEqual({ num_ctx: 16384, num_predict: 500 });
  });

  test("streamed, with a tool call: Anthropic's events, the tool input whole", async () => {
    const stream = client.messages.stream({
      model: "claude-sonnet-4-5",
      max_tokens: 500,
      system: AGENT_SYSTEM,
      tools: [TOOL],
      messages: LONG_TURNS,
    });
    const events: string[] = [];
    stream.on("streamEvent", (event) => events.push(event.type));
    const message = await stream.finalMessage();
    expect(lastRequest().path).toBe("/api/chat");
    expect(sentOptions().num_ctx).toBeGreaterThanOrEqual(LONG_TOKENS);
    expect(message.stop_reason).toBe("tool_use");
    const call = message.content.find((block) => block.type === "tool_use");
    expect(call).toMatchObject({ type: "tool_use", name: "read_file" });
    expect(typeof (call as Anthropic.ToolUseBlock).input).toBe("object");
    expect(events[0]).toBe("message_start");
    expect(events.at(-1)).toBe("message_stop");
    expect(events.filter((type) => type === "message_stop")).toHaveLength(1);
  });

  test("a failure in the native stream ends with one event: error", async () => {
    ollama.mock.setFault({ kind: "close-mid-stream", afterChunks: 2, paths: ["/api/chat"] });
    try {
      const stream = await client.messages.create({
        model: "claude-sonnet-4-5",
        max_tokens: 500,
        messages: LONG_TURNS,
        stream: true,
      });
      const seen: string[] = [];
      const error = await (async () => {
        for await (const event of stream) seen.push(event.type);
      })().catch((e) => e);
      expect(seen[0]).toBe("message_start");
      expect(error).toBeInstanceOf(Anthropic.APIError);
      expect(error.error).toMatchObject({ type: "error", error: { type: "api_error" } });
    } finally {
      ollama.mock.setFault({ kind: "none" });
    }
  });
});
