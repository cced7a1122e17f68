/**
 * The context-length trap, through the official `openai` SDK against an Ollama-shaped mock that
 * cuts long prompts as Ollama does (its OpenAI endpoint has no num_ctx; the default is 4096):
 * a prompt that fits is passed through byte for byte; a longer one goes to the native /api/chat
 * with `num_ctx` sized for it and comes back as OpenAI bytes, streamed or not, never cut; one
 * longer than the model's own maximum is a 400 `context_length_exceeded`.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { DEFAULT_REPLY } from "../mock/mod.ts";
import { fitContext } from "../mock/ollama-context.ts";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let ollama: MockBackend;
let gateway: RunningGateway;
let client: OpenAI;

/** About 12,000 tokens over several messages: three times Ollama's default context. */
const LONG = [
  { role: "system" as const, content: "You are terse." },
  ...Array.from({ length: 6 }, (_, i) => ({
    role: (i % 2 === 0 ? "user" : "assistant") as "user" | "assistant",
    content: `Part ${i}: ` + "lorem ipsum dolor sit amet ".repeat(300),
  })),
  { role: "user" as const, content: "Summarise everything above." },
];
const FULL_TOKENS = fitContext(LONG, Number.MAX_SAFE_INTEGER).tokens;

beforeAll(async () => {
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [
      { id: "llama3.1:8b", capabilities: ["completion", "tools"], context_length: 131072 },
      { id: "tiny:1b", context_length: 8192 },
    ],
  });
  gateway = await startGateway([{ name: "gpu", url: ollama.url, type: "ollama" }]);
  await gateway.gateway.health.runRound();
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-any", maxRetries: 0 });
});

afterAll(async () => {
  await gateway?.close();
  await ollama?.close();
});

function lastRequest() {
  return ollama.mock.requests.filter((r) => r.method === "POST").at(-1)!;
}

describe("an OpenAI chat to an Ollama backend", () => {
  test("the mock cuts a long prompt on its OpenAI endpoint, as Ollama does (the trap)", async () => {
    const direct = new OpenAI({ baseURL: `${ollama.url}/v1`, apiKey: "x", maxRetries: 0 });
    const answer = await direct.chat.completions.create({ model: "llama3.1:8b", messages: LONG });
    expect(FULL_TOKENS).toBeGreaterThan(2 * 4096);
    expect(answer.usage!.prompt_tokens).toBeLessThanOrEqual(4096);
  });

  test("a prompt that fits is passed through byte for byte", async () => {
    const body = JSON.stringify({
      model: "llama3.1:8b",
      messages: [{ role: "user", content: "Hi" }],
    });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    expect(lastRequest().path).toBe("/v1/chat/completions");
    expect(lastRequest().bodyText).toBe(body);
  });

  test("a long prompt goes native with num_ctx and is never cut", async () => {
    const answer = await client.chat.completions.create({
      model: "llama3.1:8b",
      messages: LONG,
      max_tokens: 500,
    });
    expect(answer.object).toBe("chat.completion");
    expect(answer.choices[0]!.message.content).toBe(DEFAULT_REPLY);
    expect(answer.choices[0]!.finish_reason).toBe("stop");
    expect(answer.usage!.prompt_tokens).toBe(FULL_TOKENS);
    const sent = lastRequest();
    expect(sent.path).toBe("/api/chat");
    const options = (sent.body as { options: Record<string, number> }).options;
    expect(options.num_ctx).toBe(16384);
    expect(options.num_predict).toBe(500);
  });

  test("streamed too: OpenAI chunks, the usage chunk, [DONE]", async () => {
    const stream = await client.chat.completions.create({
      model: "llama3.1:8b",
      messages: LONG,
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = "";
    let usage: OpenAI.CompletionUsage | undefined;
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage ?? usage;
    }
    expect(text).toBe(DEFAULT_REPLY);
    expect(finish).toBe("stop");
    expect(usage!.prompt_tokens).toBe(FULL_TOKENS);
    expect(lastRequest().path).toBe("/api/chat");
  });

  test("a tool call on the native path comes back with an id and JSON arguments", async () => {
    const answer = await client.chat.completions.create({
      model: "llama3.1:8b",
      messages: LONG,
      tools: [{ type: "function", function: { name: "get_weather", parameters: {} } }],
    });
    const call = answer.choices[0]!.message
      .tool_calls![0]! as OpenAI.ChatCompletionMessageFunctionToolCall;
    expect(answer.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.id).toMatch(/^call_[A-Za-z0-9]{9}$/);
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
  });

  test("longer than the model's own maximum: 400 context_length_exceeded, nothing sent", async () => {
    const before = ollama.mock.requests.length;
    const error = await client.chat.completions.create({ model: "tiny:1b", messages: LONG })
      .catch((e) => e);
    expect(error.status).toBe(400);
    expect(error.code).toBe("context_length_exceeded");
    expect(ollama.mock.requests.length).toBe(before);
  });

  test("CJK text that characters ÷ 4 would let through is refused too, nothing sent", async () => {
    const before = ollama.mock.requests.length;
    const error = await client.chat.completions.create({
      model: "tiny:1b",
      messages: [{ role: "user", content: "天".repeat(12000) }],
    }).catch((e) => e);
    expect(error.status).toBe(400);
    expect(error.code).toBe("context_length_exceeded");
    expect(ollama.mock.requests.length).toBe(before);
  });

  test("a long prompt with a field of a type OpenAI refuses goes to the OpenAI endpoint as sent", async () => {
    // Translated, the wrong value was dropped and the request answered 200 (free text for
    // response_format "json", the default temperature for "hot"); Ollama's OpenAI endpoint, which
    // the same request reaches when its prompt is short, refuses it.
    for (
      const wrong of [
        { temperature: "hot" },
        { stop: 5 },
        { max_tokens: "500" },
        // Below OpenAI's minimum of 1, which its endpoint refuses; natively -1 would have become
        // num_predict -1, Ollama's "no limit".
        { max_tokens: 0 },
        { max_completion_tokens: -1 },
        { response_format: "json" },
        { tools: "get_weather" },
        { messages: [...LONG, null] },
        { messages: [...LONG, { role: 5, content: "x" }] },
        { messages: [...LONG, { role: "assistant", content: "", tool_calls: "x" }] },
        {
          messages: [...LONG, {
            role: "assistant",
            content: "",
            tool_calls: [{ id: "c", type: "function", function: { name: 5, arguments: "{}" } }],
          }],
        },
      ]
    ) {
      const body = JSON.stringify({ model: "llama3.1:8b", messages: LONG, ...wrong });
      await fetch(`${gateway.url}/v1/chat/completions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
      }).then((response) => response.text());
      expect(lastRequest().path).toBe("/v1/chat/completions");
      expect(lastRequest().bodyText).toBe(body);
    }
  });

  test("null for a field is no value: the long prompt still goes native", async () => {
    await client.chat.completions.create({
      model: "llama3.1:8b",
      messages: LONG,
      temperature: null,
      stop: null,
      response_format: { type: "text" },
    });
    expect(lastRequest().path).toBe("/api/chat");
  });

  test("a reply that cannot fit beside the prompt is shortened, the prompt kept whole", async () => {
    const messages = LONG.slice(0, 4);
    const prompt = fitContext(messages, Number.MAX_SAFE_INTEGER).tokens;
    await client.chat.completions.create({ model: "tiny:1b", messages, max_tokens: 8000 });
    const options = (lastRequest().body as { options: Record<string, number> }).options;
    expect(options.num_ctx).toBe(8192);
    expect(options.num_predict).toBeLessThan(8192 - prompt + 64);
    expect(options.num_predict).toBeGreaterThan(0);
  });
});
