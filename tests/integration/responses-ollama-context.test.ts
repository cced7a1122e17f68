/**
 * The context-length trap on the Responses front door: a Responses request translated for an
 * Ollama backend that does not serve `/v1/responses` itself would reach Ollama's OpenAI chat
 * endpoint, which cuts anything longer than the default context (4096 tokens) without a word.
 * Such a request goes to the native `/api/chat` with `num_ctx` sized for it, and the answer comes
 * back in the Responses shapes through the official `openai` SDK, streamed or not, tool calls
 * included; a short one stays on the OpenAI endpoint.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { DEFAULT_REPLY } from "../mock/mod.ts";
import { AGENT_SYSTEM, LONG_TOKENS, LONG_TURNS } from "../mock/ollama-context.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let ollama: MockBackend;
let gateway: RunningGateway;
let client: OpenAI;

const TOOL: OpenAI.Responses.FunctionTool = {
  type: "function",
  name: "read_file",
  description: "Reads a file",
  parameters: { type: "object", properties: { path: { type: "string" } } },
  strict: false,
};

beforeAll(async () => {
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [
      { id: "llama3.1:8b", capabilities: ["completion", "tools"], context_length: 131072 },
      { id: "tiny:1b", capabilities: ["completion"], context_length: 8192 },
    ],
  });
  gateway = await startGateway([{ name: "gpu", url: ollama.url, type: "ollama" }]);
  await gateway.gateway.health.runRound();
  // As `nexus serve` does: learn that this Ollama does not serve /v1/responses itself.
  gateway.gateway.features.start();
  await gateway.gateway.features.idle();
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-any", maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await ollama?.close();
});

function lastRequest() {
  return ollama.mock.requests.filter((r) => r.method === "POST" && r.bodyText !== "{}").at(-1)!;
}

function sentOptions(): Record<string, number> {
  return (lastRequest().body as { options: Record<string, number> }).options;
}

describe("a Responses request for an Ollama backend without /v1/responses", () => {
  test("the backend is known not to serve /v1/responses (the request is translated)", () => {
    expect(gateway.gateway.registry.get("gpu")!.features.responses).toBe(false);
  });

  test("the mock cuts a long prompt on its OpenAI endpoint, as Ollama does (the trap)", async () => {
    const direct = new OpenAI({ baseURL: `${ollama.url}/v1`, apiKey: "x", maxRetries: 0 });
    const answer = await direct.chat.completions.create({
      model: "llama3.1:8b",
      messages: [{ role: "system", content: AGENT_SYSTEM }, ...LONG_TURNS],
    });
    expect(LONG_TOKENS).toBeGreaterThan(2 * 4096);
    expect(answer.usage!.prompt_tokens).toBeLessThanOrEqual(4096);
  });

  test("longer than the model's own maximum (CJK, which characters ÷ 4 would let through): 400, nothing sent", async () => {
    const before = ollama.mock.requests.length;
    const error = await client.responses.create({ model: "tiny:1b", input: "天".repeat(12000) })
      .catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.BadRequestError);
    expect(error.code).toBe("context_length_exceeded");
    expect(error.param).toBe("input");
    expect(ollama.mock.requests.length).toBe(before);
  });

  test("a short one stays on Ollama's OpenAI endpoint", async () => {
    const response = await client.responses.create({ model: "llama3.1:8b", input: "Hi" });
    expect(response.output_text).toBe(DEFAULT_REPLY);
    expect(lastRequest().path).toBe("/v1/chat/completions");
  });

  test("a long one goes native with num_ctx and is never cut", async () => {
    const response = await client.responses.create({
      model: "llama3.1:8b",
      instructions: AGENT_SYSTEM,
      input: LONG_TURNS,
      max_output_tokens: 500,
    });
    expect(response.status).toBe("completed");
    expect(response.output_text).toBe(DEFAULT_REPLY);
    expect(response.model).toBe("llama3.1:8b");
    expect(response.usage!.input_tokens).toBe(LONG_TOKENS);
    expect(lastRequest().path).toBe("/api/chat");
    expect(sentOptions()).toEqual({ num_ctx: 16384, num_predict: 500 });
  });

  test("streamed, with a tool call: the typed events, the call's arguments whole", async () => {
    const stream = await client.responses.create({
      model: "llama3.1:8b",
      instructions: AGENT_SYSTEM,
      input: LONG_TURNS,
      tools: [TOOL],
      stream: true,
    });
    const events: ResponseStreamEvent[] = [];
    for await (const event of stream) events.push(event);
    expect(lastRequest().path).toBe("/api/chat");
    expect(sentOptions().num_ctx).toBeGreaterThanOrEqual(LONG_TOKENS);
    const types = events.map((event) => event.type);
    expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
    expect(types.at(-1)).toBe("response.completed");
    expect(types.filter((type) => type === "response.completed")).toHaveLength(1);
    const completed = events.at(-1) as Extract<
      ResponseStreamEvent,
      { type: "response.completed" }
    >;
    const call = completed.response.output.find((item) => item.type === "function_call");
    expect(call).toMatchObject({ type: "function_call", name: "read_file" });
    if (call?.type !== "function_call") throw new Error("no function call");
    expect(typeof JSON.parse(call.arguments)).toBe("object");
    expect(completed.response.usage!.input_tokens).toBeGreaterThanOrEqual(LONG_TOKENS);
  });

  test("a replayed tool call and its output reach /api/chat as Ollama's native messages", async () => {
    // Codex replays every call and its output in `input` on each turn (stateless, store: false).
    const response = await client.responses.create({
      model: "llama3.1:8b",
      instructions: AGENT_SYSTEM,
      input: [
        ...LONG_TURNS,
        {
          type: "function_call",
          call_id: "call_1",
          name: "read_file",
          arguments: JSON.stringify({ path: "README.md" }),
        },
        { type: "function_call_output", call_id: "call_1", output: "# Nexus" },
      ],
      tools: [TOOL],
      store: false,
    });
    expect(response.status).toBe("completed");
    expect(lastRequest().path).toBe("/api/chat");
    const sent = lastRequest().body as { messages: Record<string, unknown>[]; tools: unknown[] };
    expect(sent.messages.at(-2)).toMatchObject({
      role: "assistant",
      tool_calls: [{ function: { name: "read_file", arguments: { path: "README.md" } } }],
    });
    expect(sent.messages.at(-1)).toMatchObject({
      role: "tool",
      content: "# Nexus",
      tool_name: "read_file",
    });
    expect(sent.tools).toHaveLength(1);
  });

  test("the responses.stream() helper gets the whole text of a long one", async () => {
    const stream = client.responses.stream({
      model: "llama3.1:8b",
      instructions: AGENT_SYSTEM,
      input: LONG_TURNS,
    });
    const final = await stream.finalResponse();
    expect(lastRequest().path).toBe("/api/chat");
    expect(final.output_text).toBe(DEFAULT_REPLY);
    expect(final.usage!.input_tokens).toBe(LONG_TOKENS);
  });

  test("a failure in the native stream ends with the error event the SDK raises", async () => {
    ollama.mock.setFault({ kind: "close-mid-stream", afterChunks: 2, paths: ["/api/chat"] });
    try {
      const stream = await client.responses.create({
        model: "llama3.1:8b",
        input: LONG_TURNS,
        stream: true,
      });
      const seen: string[] = [];
      const error = await (async () => {
        for await (const event of stream) seen.push(event.type);
      })().catch((e) => e);
      expect(seen[0]).toBe("response.created");
      expect(seen).toContain("response.output_text.delta");
      expect(seen).not.toContain("response.completed");
      // The SDK raises on the `error` event that ends a failed stream (then `response.failed`).
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect(error.message).toContain("Backend gpu failed");
    } finally {
      ollama.mock.setFault({ kind: "none" });
    }
  });
});
