/**
 * Ollama's own parser answers 400 to a message field of the wrong type. A request translated
 * for an OpenAI-style backend used to drop such a value instead and answer 200 — a `content` of
 * 5 became an empty message, `images` of numbers no image at all: silently not what was asked.
 * Now every path gets a 400 naming the field, in Ollama's envelope, before anything is sent.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { Ollama } from "ollama";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

let mock: MockBackend;
let gateway: RunningGateway;

beforeAll(async () => {
  mock = await startMockBackend({ flavor: "vllm", models: [{ id: "qwen2.5" }] });
  gateway = await startGateway([{
    name: "vllm",
    url: mock.url,
    type: "vllm",
    models: ["qwen2.5"],
  }]);
});

afterAll(async () => {
  await gateway?.close();
  await mock?.close();
});

async function post(path: string, body: Record<string, unknown>) {
  const response = await fetch(`${gateway.url}${path}`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ model: "qwen2.5", stream: false, ...body }),
  });
  return { status: response.status, body: await response.json() };
}

const user = (fields: Record<string, unknown>) => ({
  messages: [{ role: "user", content: "hi" }, { role: "user", ...fields }],
});

describe("/api/chat fields of the wrong type", () => {
  const cases: Array<[string, Record<string, unknown>, string]> = [
    [
      "content a number",
      user({ content: 5 }),
      "Invalid 'messages[1].content': expected a string, got a number",
    ],
    [
      "role a number",
      user({ role: 1, content: "x" }),
      "Invalid 'messages[1].role': expected a string, got a number",
    ],
    [
      "images of numbers",
      user({ content: "x", images: [1, 2] }),
      "Invalid 'messages[1].images[0]': expected a base64 string, got a number",
    ],
    [
      "tool_calls a string",
      { messages: [{ role: "assistant", content: "", tool_calls: "get_weather" }] },
      "Invalid 'messages[0].tool_calls': expected an array of tool call objects, got a string",
    ],
    [
      "tool_calls of strings",
      { messages: [{ role: "assistant", content: "", tool_calls: ["get_weather"] }] },
      "Invalid 'messages[0].tool_calls[0]': expected a tool call object, got a string",
    ],
    [
      "tool_name a number",
      { messages: [{ role: "tool", content: "22 C", tool_name: 7 }] },
      "Invalid 'messages[0].tool_name': expected a string, got a number",
    ],
    [
      "a message that is not an object",
      { messages: ["hi"] },
      "Invalid 'messages[0]': expected a message object, got a string",
    ],
    [
      "a message that is an array",
      { messages: [["user", "hi"]] },
      "Invalid 'messages[0]': expected a message object, got an array",
    ],
    [
      "tools an object",
      { ...user({ content: "x" }), tools: {} },
      "Invalid 'tools': expected an array, got an object",
    ],
    // Translated, these were dropped: free text for a format Ollama refuses, the default
    // temperature for one given as a string, no options at all for options that are not an object.
    [
      'format neither "json" nor a schema',
      { ...user({ content: "x" }), format: "yaml" },
      `Invalid 'format': expected "json" or a JSON schema object, got "yaml"`,
    ],
    [
      "format an array",
      { ...user({ content: "x" }), format: [] },
      "Invalid 'format': expected \"json\" or a JSON schema object, got an empty array",
    ],
    [
      "options a string",
      { ...user({ content: "x" }), options: "fast" },
      "Invalid 'options': expected an object, got a string",
    ],
    [
      "a sampling option of the wrong type",
      { ...user({ content: "x" }), options: { temperature: "0.2" } },
      "Invalid 'options.temperature': expected a number, got a string",
    ],
    [
      "stop of numbers",
      { ...user({ content: "x" }), options: { stop: ["\n", 3] } },
      "Invalid 'options.stop[1]': expected a string, got a number",
    ],
  ];
  for (const [what, body, message] of cases) {
    test(`${what}: 400 naming the field`, async () => {
      expect(await post("/api/chat", body)).toEqual({ status: 400, body: { error: message } });
    });
  }

  test("nothing reached the backend", () => {
    expect(mock.mock.chatRequests()).toEqual([]);
  });

  test("the ollama client raises the message", async () => {
    const client = new Ollama({ host: gateway.url });
    const messages = [{ role: "user", content: 5 as unknown as string }];
    const error = await client.chat({ model: "qwen2.5", messages }).catch((e) => e);
    expect(error.status_code).toBe(400);
    expect(error.message).toBe("Invalid 'messages[0].content': expected a string, got a number");
  });

  test("null fields, as some clients send them, still pass", async () => {
    const { status } = await post(
      "/api/chat",
      user({ content: "x", images: null, tool_calls: null }),
    );
    expect(status).toBe(200);
  });

  test("format and options Ollama takes still pass, and reach the backend translated", async () => {
    for (const format of ["json", "", null, { type: "object" }]) {
      const options = { temperature: 0.2, stop: "\n", num_ctx: 8192, mirostat: "any" };
      expect((await post("/api/chat", { ...user({ content: "x" }), format, options })).status)
        .toBe(200);
      expect(mock.mock.chatRequests().at(-1)!.body).toMatchObject({ temperature: 0.2 });
    }
  });
});

describe("/api/generate fields of the wrong type", () => {
  test("format and options as for chat", async () => {
    expect(await post("/api/generate", { prompt: "x", format: "JSON" })).toEqual({
      status: 400,
      body: { error: `Invalid 'format': expected "json" or a JSON schema object, got "JSON"` },
    });
    expect(await post("/api/generate", { prompt: "x", options: { num_predict: "10" } })).toEqual({
      status: 400,
      body: { error: "Invalid 'options.num_predict': expected a number, got a string" },
    });
  });

  test("system a number", async () => {
    expect(await post("/api/generate", { prompt: "x", system: 5 })).toEqual({
      status: 400,
      body: { error: "Invalid 'system': expected a string, got a number" },
    });
  });

  test("images not strings", async () => {
    expect(await post("/api/generate", { prompt: "x", images: "abc" })).toEqual({
      status: 400,
      body: { error: "Invalid 'images': expected an array of base64 strings, got a string" },
    });
  });

  test("an image that is not a string is named by its index", async () => {
    expect(await post("/api/generate", { prompt: "x", images: ["aGk=", 7] })).toEqual({
      status: 400,
      body: { error: "Invalid 'images[1]': expected a base64 string, got a number" },
    });
  });
});

describe("/api/embed input of the wrong type", () => {
  test("a list item that is not a string is named by its index", async () => {
    expect(await post("/api/embed", { input: ["a", null] })).toEqual({
      status: 400,
      body: { error: "Invalid 'input[1]': expected a string, got null" },
    });
  });

  test("neither a string nor a list", async () => {
    expect(await post("/api/embed", { input: 5 })).toEqual({
      status: 400,
      body: { error: "Invalid 'input': expected a string or an array of strings, got a number" },
    });
  });
});
