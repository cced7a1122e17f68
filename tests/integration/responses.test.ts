/**
 * `POST /v1/responses` through the official `openai` SDK, unchanged, against Nexus in front of
 * two mock backends: one that serves the Responses API itself (passed through untouched) and a
 * chat-only one (translated to chat completions and back). Each case runs through both.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import type { ResponseStreamEvent } from "openai/resources/responses/responses";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

const TEXT = "The quick brown fox jumps over the lazy dog.";
const TOOL_ARGUMENTS = '{"location":"Paris"}';
let chatOnly: MockBackend;
let native: MockBackend;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  chatOnly = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "qwen3:8b" }],
    text: TEXT,
    chunks: 6,
  });
  native = await startMockBackend({
    flavor: "vllm",
    responses: true,
    models: [{ id: "gpt-oss:20b" }],
    text: TEXT,
    chunks: 4,
  });
  gateway = await startGateway([
    { name: "chat-box", url: chatOnly.url, type: "ollama", models: ["qwen3:8b"] },
    { name: "native-box", url: native.url, type: "vllm", models: ["gpt-oss:20b"] },
  ]);
  // What `nexus serve` does once the backends are healthy: ask each whether it serves Responses.
  gateway.gateway.features.start();
  await gateway.gateway.features.idle();
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-client", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await chatOnly.close();
  await native.close();
});

const weatherTool = {
  type: "function" as const,
  name: "get_weather",
  description: "The weather in a city",
  parameters: {
    type: "object",
    properties: { location: { type: "string" } },
    required: ["location"],
  },
  strict: false,
};

describe("feature detection", () => {
  test("learns once which backend serves /v1/responses itself", () => {
    expect(gateway.gateway.registry.get("native-box")!.features.responses).toBe(true);
    expect(gateway.gateway.registry.get("chat-box")!.features.responses).toBe(false);
    const probes = (mock: MockBackend) =>
      mock.mock.requests.filter((r) => r.path === "/v1/responses" && r.bodyText === "{}");
    expect(probes(native)).toHaveLength(1);
    expect(probes(chatOnly)).toHaveLength(1);
  });
});

const PATHS = [
  { path: "translated", model: "qwen3:8b", backend: () => chatOnly },
  { path: "passthrough", model: "gpt-oss:20b", backend: () => native },
] as const;

for (const { path, model, backend } of PATHS) {
  describe(`responses through the openai SDK (${path})`, () => {
    test("responses.create returns the answer, with usage", async () => {
      const response = await client.responses.create({ model, input: "Say something." });
      expect(response.object).toBe("response");
      expect(response.status).toBe("completed");
      expect(response.output_text).toBe(TEXT);
      expect(response.usage!.input_tokens).toBeGreaterThan(0);
      expect(response.usage!.output_tokens).toBeGreaterThan(0);
      const last = backend().mock.requests.at(-1)!;
      expect(last.path).toBe(path === "translated" ? "/v1/chat/completions" : "/v1/responses");
    });

    test("a streamed response.create is the typed event sequence", async () => {
      const stream = await client.responses.create({
        model,
        input: "Say something.",
        stream: true,
      });
      const events: ResponseStreamEvent[] = [];
      for await (const event of stream) events.push(event);
      const types = events.map((e) => e.type);
      expect(types.slice(0, 2)).toEqual(["response.created", "response.in_progress"]);
      expect(types.at(-1)).toBe("response.completed");
      expect(types).toContain("response.output_item.added");
      expect(types).toContain("response.content_part.added");
      expect(types).toContain("response.output_text.done");
      expect(types).toContain("response.content_part.done");
      expect(types).toContain("response.output_item.done");
      const numbers = events.map((e) => e.sequence_number);
      numbers.forEach((n, i) => i > 0 && expect(n).toBeGreaterThan(numbers[i - 1]!));
      const text = events.flatMap((e) => e.type === "response.output_text.delta" ? [e.delta] : []);
      expect(text.join("")).toBe(TEXT);
      const completed = events.at(-1) as Extract<
        ResponseStreamEvent,
        { type: "response.completed" }
      >;
      expect(completed.response.usage!.total_tokens).toBeGreaterThan(0);
    });

    test("the responses.stream() helper accumulates the final response", async () => {
      const stream = client.responses.stream({ model, input: "Say something." });
      const snapshots: string[] = [];
      stream.on("response.output_text.delta", (event) => snapshots.push(event.snapshot));
      const final = await stream.finalResponse();
      expect(final.output_text).toBe(TEXT);
      expect(snapshots.at(-1)).toBe(TEXT);
      expect(snapshots.length).toBeGreaterThan(1);
    });

    test("a function tool round trip: call, function_call_output, answer", async () => {
      const input: OpenAI.Responses.ResponseInput = [
        { role: "user", content: "What is the weather in Paris?" },
      ];
      const first = await client.responses.create({ model, input, tools: [weatherTool] });
      const call = first.output.find((item) => item.type === "function_call");
      expect(call).toMatchObject({ type: "function_call", name: "get_weather" });
      if (call?.type !== "function_call") throw new Error("no function call");
      expect(JSON.parse(call.arguments)).toEqual(JSON.parse(TOOL_ARGUMENTS));
      expect(call.call_id.length).toBeGreaterThan(0);
      input.push(...first.output as OpenAI.Responses.ResponseInputItem[], {
        type: "function_call_output",
        call_id: call.call_id,
        output: '{"temperature_c":21}',
      });
      const second = await client.responses.create({ model, input, tools: [weatherTool] });
      expect(second.output_text).toBe(TEXT);
      const sent = backend().mock.requests.at(-1)!.body as Record<string, unknown>;
      if (path === "translated") {
        expect(sent.messages).toEqual([
          { role: "user", content: "What is the weather in Paris?" },
          {
            role: "assistant",
            content: null,
            tool_calls: [{
              id: call.call_id,
              type: "function",
              function: { name: "get_weather", arguments: call.arguments },
            }],
          },
          { role: "tool", tool_call_id: call.call_id, content: '{"temperature_c":21}' },
        ]);
      } else {
        expect(sent.input).toEqual(JSON.parse(JSON.stringify(input)));
      }
    });

    test("a streamed tool call reaches responses.stream() whole", async () => {
      const stream = client.responses.stream({
        model,
        input: "What is the weather in Paris?",
        tools: [weatherTool],
      });
      const deltas: string[] = [];
      stream.on("response.function_call_arguments.delta", (event) => deltas.push(event.delta));
      const final = await stream.finalResponse();
      const call = final.output.find((item) => item.type === "function_call");
      expect(call).toMatchObject({ name: "get_weather", arguments: TOOL_ARGUMENTS });
      expect(deltas.join("")).toBe(TOOL_ARGUMENTS);
    });
  });
}

describe("passthrough is untouched", () => {
  test("the native backend receives the client's bytes, stateful fields included", async () => {
    const body = JSON.stringify({
      model: "gpt-oss:20b",
      input: [{ role: "user", content: [{ type: "input_text", text: "Hi" }] }],
      store: true,
      previous_response_id: "resp_earlier",
      reasoning: { effort: "low" },
      tools: [{ type: "web_search" }],
    });
    const response = await fetch(`${gateway.url}/v1/responses`, { method: "POST", body });
    expect(response.status).toBe(200);
    expect(native.mock.requests.at(-1)!.bodyText).toBe(body);
  });
});

describe("a model served by a chat backend and a native one", () => {
  test("what only the native backend can take skips the chat backend instead of failing", async () => {
    const both = await startMockBackend({ flavor: "vllm", responses: true, models: [{ id: "m" }] });
    const shared = await startMockBackend({ models: [{ id: "m" }] });
    const running = await startGateway([
      { name: "chat-first", url: shared.url, priority: 1, models: ["m"] },
      { name: "native-second", url: both.url, type: "vllm", priority: 2, models: ["m"] },
    ], { routing: { strategy: "priority_only" } });
    try {
      running.gateway.features.start();
      await running.gateway.features.idle();
      const post = (body: unknown) =>
        fetch(`${running.url}/v1/responses`, { method: "POST", body: JSON.stringify(body) });
      const plain = await post({ model: "m", input: "hi" });
      expect(plain.headers.get("x-nexus-backend")).toBe("chat-first");
      const stored = await post({ model: "m", input: "hi", store: true });
      expect(stored.status).toBe(200);
      expect(stored.headers.get("x-nexus-backend")).toBe("native-second");
      expect(stored.headers.get("x-nexus-route-reason")).toBe("capability-match");
      expect(shared.mock.chatRequests()).toHaveLength(1);
    } finally {
      await running.close();
      await both.close();
      await shared.close();
    }
  });
});

describe("metrics", () => {
  test('count requests under endpoint="responses", with tokens from either path', async () => {
    const line = (lines: string[], ...parts: string[]) =>
      lines.find((l) => parts.every((part) => l.includes(part)));
    const value = (found: string | undefined) => Number(found?.split(" ").at(-1));
    const counted = (lines: string[], backend: string, model: string) =>
      line(lines, "nexus_requests_total{", `backend="${backend}"`, 'endpoint="responses"') &&
      value(line(lines, "nexus_tokens_total{", `model="${model}"`, 'type="prompt"')) > 0;
    const scrape = async () => (await (await fetch(`${gateway.url}/metrics`)).text()).split("\n");
    const both = (lines: string[]) =>
      counted(lines, "chat-box", "qwen3:8b") && counted(lines, "native-box", "gpt-oss:20b");
    // Streams are counted when they end, a moment after their last byte reached the client.
    let lines = await scrape();
    for (let tries = 0; !both(lines) && tries < 200; tries++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      lines = await scrape();
    }
    expect(both(lines)).toBe(true);
  });
});
