/**
 * The official `openai` SDK, unchanged, against Nexus in front of two mock backends (an
 * Ollama-shaped and a vLLM-shaped one): chat, streaming, tool calls and usage all work, and the
 * backend receives exactly what the client sent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import OpenAI from "openai";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

const TEXT = "The quick brown fox jumps over the lazy dog.";
let ollama: MockBackend;
let vllm: MockBackend;
let gateway: RunningGateway;
let client: OpenAI;

beforeAll(async () => {
  ollama = await startMockBackend({
    flavor: "ollama",
    models: [{ id: "llama3:8b" }],
    text: TEXT,
    chunks: 6,
  });
  vllm = await startMockBackend({
    flavor: "vllm",
    models: [{ id: "qwen2.5:7b" }],
    text: TEXT,
    chunks: 4,
  });
  gateway = await startGateway([
    { name: "ollama-box", url: ollama.url, type: "ollama", models: ["llama3:8b"] },
    {
      name: "vllm-box",
      url: vllm.url,
      type: "vllm",
      models: ["qwen2.5:7b"],
      forward_client_auth: true,
    },
  ], { routing: { aliases: { "gpt-4o": "qwen2.5:7b" } } });
  client = new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: "sk-client", maxRetries: 0 });
});

afterAll(async () => {
  await gateway.close();
  await ollama.close();
  await vllm.close();
});

const messages = [{ role: "user" as const, content: "Say something." }];

describe("chat completions through the openai SDK", () => {
  test("a non-streaming request returns the backend's completion", async () => {
    const completion = await client.chat.completions.create({ model: "llama3:8b", messages });
    expect(completion.object).toBe("chat.completion");
    expect(completion.model).toBe("llama3:8b");
    expect(completion.choices[0]!.message.content).toBe(TEXT);
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  test("routes each model to the backend that serves it and says so in headers", async () => {
    const first = await client.chat.completions.create({ model: "llama3:8b", messages })
      .withResponse();
    expect(first.response.headers.get("x-nexus-backend")).toBe("ollama-box");
    expect(first.response.headers.get("x-nexus-backend-type")).toBe("local");
    expect(first.response.headers.get("x-nexus-route-reason")).toBe("capability-match");
    expect(first.response.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    const second = await client.chat.completions.create({ model: "qwen2.5:7b", messages })
      .withResponse();
    expect(second.response.headers.get("x-nexus-backend")).toBe("vllm-box");
  });

  test("streamed deltas reassemble into the backend's text", async () => {
    const stream = await client.chat.completions.create({
      model: "llama3:8b",
      messages,
      stream: true,
    });
    let text = "";
    let finish: string | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect(text).toBe(TEXT);
    expect(finish).toBe("stop");
  });

  test("stream_options.include_usage yields a final usage chunk", async () => {
    const stream = await client.chat.completions.create({
      model: "qwen2.5:7b",
      messages,
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const last = chunks[chunks.length - 1]!;
    expect(last.choices).toEqual([]);
    expect(last.usage?.total_tokens).toBeGreaterThan(0);
  });

  const tools = [{
    type: "function" as const,
    function: {
      name: "get_weather",
      description: "Weather for a city",
      parameters: {
        type: "object",
        properties: { location: { type: "string" } },
        required: ["location"],
      },
    },
  }];

  test("tool definitions reach the backend and a tool call comes back", async () => {
    const completion = await client.chat.completions.create({
      model: "llama3:8b",
      messages,
      tools,
      tool_choice: "auto",
    });
    const sent = ollama.mock.chatRequests().at(-1)!.body as Record<string, unknown>;
    expect(sent.tools).toEqual(tools);
    expect(sent.tool_choice).toBe("auto");
    const call = completion.choices[0]!.message.tool_calls![0]!;
    expect(completion.choices[0]!.finish_reason).toBe("tool_calls");
    expect(call.type).toBe("function");
    if (call.type !== "function") throw new Error("expected a function call");
    expect(call.function.name).toBe("get_weather");
    expect(JSON.parse(call.function.arguments)).toEqual({ location: "Paris" });
  });

  test("streamed tool_calls deltas reach the client intact", async () => {
    const stream = await client.chat.completions.create({
      model: "qwen2.5:7b",
      messages,
      tools,
      stream: true,
    });
    let name = "";
    let args = "";
    let id = "";
    for await (const chunk of stream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        expect(call.index).toBe(0);
        id += call.id ?? "";
        name += call.function?.name ?? "";
        args += call.function?.arguments ?? "";
      }
    }
    expect(id).toMatch(/^call_/);
    expect(name).toBe("get_weather");
    expect(JSON.parse(args)).toEqual({ location: "Paris" });
  });

  test("an alias is resolved: the backend receives the real model name", async () => {
    const completion = await client.chat.completions.create({ model: "gpt-4o", messages });
    expect(completion.choices[0]!.message.content).toBe(TEXT);
    expect((vllm.mock.chatRequests().at(-1)!.body as { model: string }).model).toBe("qwen2.5:7b");
  });
});

describe("what the backend receives", () => {
  test("the client's exact bytes when the model is not rewritten, unknown fields included", async () => {
    const body = JSON.stringify({
      model: "llama3:8b",
      messages: [
        { role: "system", content: "Be brief." },
        {
          role: "user",
          content: [{ type: "text", text: "What is this?" }, {
            type: "image_url",
            image_url: { url: "data:image/png;base64,AAAA" },
          }],
        },
        {
          role: "assistant",
          content: null,
          tool_calls: [{
            id: "call_1",
            type: "function",
            function: { name: "f", arguments: "{}" },
          }],
        },
        { role: "tool", tool_call_id: "call_1", name: "f", content: "42" },
      ],
      temperature: 0.3,
      seed: 7,
      logprobs: true,
      response_format: { type: "json_object" },
      reasoning_effort: "low",
      x_vendor_extension: { nested: [1, 2, { deep: true }] },
    });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body,
    });
    expect(response.status).toBe(200);
    expect(ollama.mock.chatRequests().at(-1)!.bodyText).toBe(body);
  });

  test("after an alias rewrite every other field is unchanged", async () => {
    const original = { model: "gpt-4o", messages, top_p: 0.5, custom: { a: [1, "b"] } };
    await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify(original),
    });
    expect(vllm.mock.chatRequests().at(-1)!.body).toEqual({ ...original, model: "qwen2.5:7b" });
  });

  test("only allow-listed headers go upstream; the client's key stays with Nexus", async () => {
    await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: {
        authorization: "Bearer sk-client",
        cookie: "session=secret",
        connection: "keep-alive, x-private",
        "x-private": "hop-by-hop",
        "x-request-id": "trace-123",
      },
      body: JSON.stringify({ model: "llama3:8b", messages }),
    });
    const headers = ollama.mock.chatRequests().at(-1)!.headers;
    expect(headers.authorization).toBeUndefined();
    expect(headers["x-request-id"]).toBe("trace-123");
    expect(headers.cookie).toBeUndefined();
    expect(headers["x-private"]).toBeUndefined();
  });

  test("a backend with forward_client_auth = true gets the client's Authorization", async () => {
    await fetch(`${gateway.url}/v1/chat/completions`, {
      method: "POST",
      headers: { authorization: "Bearer sk-client" },
      body: JSON.stringify({ model: "qwen2.5:7b", messages }),
    });
    expect(vllm.mock.chatRequests().at(-1)!.headers.authorization).toBe("Bearer sk-client");
  });
});

describe("an empty messages list", () => {
  test("is OpenAI's own 400 (code empty_array): the SDK raises BadRequestError, nothing is sent", async () => {
    const sent = ollama.mock.chatRequests().length + vllm.mock.chatRequests().length;
    // gpt-4o: an alias, answered the same before it is resolved.
    for (const model of ["llama3:8b", "qwen2.5:7b", "gpt-4o"]) {
      for (const stream of [false, true]) {
        const error = await client.chat.completions.create({ model, messages: [], stream })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        const rejected = error as InstanceType<typeof OpenAI.BadRequestError>;
        expect(rejected.status).toBe(400);
        expect(rejected.error).toEqual({
          message:
            "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an empty array instead.",
          type: "invalid_request_error",
          param: "messages",
          code: "empty_array",
        });
      }
    }
    expect(ollama.mock.chatRequests().length + vllm.mock.chatRequests().length).toBe(sent);
  });
});

describe("GET /v1/models", () => {
  test("lists every model of healthy backends once, sorted, with aliases", async () => {
    const { data } = await client.models.list();
    expect(data.map((m) => m.id)).toEqual(["gpt-4o", "llama3:8b", "qwen2.5:7b"]);
    const llama = data.find((m) => m.id === "llama3:8b") as unknown as Record<string, unknown>;
    expect(llama).toMatchObject({
      object: "model",
      backends: ["ollama-box"],
      context_length: null,
    });
    // Nobody said what this model can do: unknown (null), not "no".
    expect(llama.capabilities).toEqual({
      vision: null,
      tools: null,
      json_mode: null,
      embeddings: null,
    });
  });
  test("models.retrieve() reads one entry, an alias included; an unknown id is a 404", async () => {
    const llama = await client.models.retrieve("llama3:8b");
    expect(llama).toMatchObject({ id: "llama3:8b", object: "model", backends: ["ollama-box"] });
    const alias = await client.models.retrieve("gpt-4o");
    expect(alias).toMatchObject({ id: "gpt-4o", alias_of: "qwen2.5:7b" });
    const error = await client.models.retrieve("no-such-model").catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(error.code).toBe("model_not_found");
    expect(error.param).toBe("model");
    expect(error.message).toContain('"no-such-model" not found');
  });

  test("a model id with a slash is one id; GET on the lifecycle routes is a 405", async () => {
    const slashed = await fetch(`${gateway.url}/v1/models/meta-llama/Llama-3.1-8B`);
    expect(slashed.status).toBe(404);
    expect((await slashed.json()).error.message).toContain('"meta-llama/Llama-3.1-8B"');
    const load = await fetch(`${gateway.url}/v1/models/llama3:8b/load`);
    expect(load.status).toBe(405);
    expect(load.headers.get("allow")).toBe("POST");
    const wrong = await fetch(`${gateway.url}/v1/models/llama3:8b`, { method: "DELETE" });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
  });
});
