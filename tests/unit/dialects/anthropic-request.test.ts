import { describe, expect, test } from "bun:test";
import { createMessagesEndpoint, type ParsedRequest } from "../../../src/dialects/mod.ts";
import { countingIds } from "../../../src/dialects/anthropic/mod.ts";
import { type Failure, isFailure } from "../../../src/lib/failures.ts";
import { type BackendType, Registry } from "../../../src/registry/mod.ts";

const endpoint = createMessagesEndpoint(countingIds());
const base = { model: "claude-sonnet-4-5", max_tokens: 1024 };

function parse(body: Record<string, unknown>): ParsedRequest | Failure {
  return endpoint.parse(body, JSON.stringify(body));
}

function parsed(body: Record<string, unknown>): ParsedRequest {
  const result = parse(body);
  if (isFailure(result)) throw new Error(result.message);
  return result;
}

function message(body: Record<string, unknown>): string {
  const result = parse(body);
  return isFailure(result) ? result.message : "accepted";
}

function backend(type: BackendType, anthropic?: boolean) {
  return new Registry().add({
    name: "b",
    url: "http://b.test",
    type,
    priority: 50,
    source: "static",
    ...(anthropic === undefined ? {} : { anthropic }),
  });
}

/** The chat completions body a translated candidate of `type` gets. */
function chatBody(body: Record<string, unknown>, type: BackendType = "vllm") {
  const request = parsed(body);
  const target = { backend: backend(type), model: "qwen" };
  const refusal = endpoint.refusal!(request, target);
  if (refusal) throw new Error(refusal.message);
  const plan = endpoint.plan(request, target);
  expect(plan.path).toBe("/v1/chat/completions");
  return { body: JSON.parse(plan.body), plan };
}

function refusal(body: Record<string, unknown>): string | undefined {
  const request = parsed(body);
  return endpoint.refusal!(request, { backend: backend("vllm"), model: "qwen" })?.message;
}

const user = (content: unknown) => ({ role: "user", content });
const assistant = (content: unknown) => ({ role: "assistant", content });
const tool = {
  name: "get_weather",
  description: "The weather in a city",
  input_schema: { type: "object", properties: { city: { type: "string" } } },
};

describe("messagesEndpoint.parse()", () => {
  test("max_tokens is required, as Anthropic requires it", () => {
    expect(message({ model: "m", messages: [] })).toBe("max_tokens: Field required");
    expect(message({ ...base, max_tokens: 0, messages: [] })).toContain("max_tokens: Input should");
  });

  test("names the field at fault", () => {
    expect(message({ max_tokens: 1, messages: [] })).toBe("model: Field required");
    expect(message({ ...base })).toBe("messages: Field required");
    expect(message({ ...base, messages: [] })).toBe("messages: at least one message is required");
    expect(message({ ...base, messages: [{ role: "system", content: "x" }] }))
      .toBe("messages.0.role: Input should be 'user' or 'assistant'");
    expect(message({ ...base, messages: [user([{ type: "text" }])] }))
      .toBe("messages.0.content.0.text: Input should be a string, got nothing");
    expect(message({ ...base, messages: [user([{ type: "tool_result" }])] }))
      .toBe("messages.0.content.0.tool_use_id: Field required");
    expect(message({ ...base, messages: [user("hi")], system: [{ type: "image" }] }))
      .toBe("system.0: Input should be a text block");
    expect(message({ ...base, messages: [user("hi")], tools: [{ name: "x" }] }))
      .toBe("tools.0.input_schema: Field required");
    expect(message({ ...base, messages: [user("hi")], tool_choice: { type: "tool" } }))
      .toBe("tool_choice.name: Field required");
    expect(message({ ...base, messages: [user("hi")], thinking: { type: "enabled" } }))
      .toBe("thinking.budget_tokens: Field required");
    expect(message({ ...base, messages: [user("hi")], temperature: 3 }))
      .toBe("temperature: Input should be a number between 0 and 2, got 3");
    expect(message({ ...base, messages: [user("hi")], stream: "yes" }))
      .toBe("stream: Input should be a boolean, got a string");
    expect(message({ ...base, messages: [user("hi")], stop_sequences: [1] }))
      .toBe("stop_sequences: Input should be a list of strings");
  });

  test("server tools and unknown block types parse: a native backend may serve them", () => {
    expect(message({
      ...base,
      messages: [user([{ type: "search_result", source: "s", title: "t", content: [] }])],
      tools: [{ type: "web_search_20250305", name: "web_search" }],
    })).toBe("accepted");
  });

  test("routing needs: images (in tool results too), tools, and the prompt's size", () => {
    const image = {
      type: "image",
      source: { type: "base64", media_type: "image/png", data: "AA" },
    };
    const request = parsed({
      ...base,
      system: "x".repeat(400),
      messages: [user([{ type: "tool_result", tool_use_id: "t", content: [image] }])],
      tools: [tool],
    });
    expect(request.requirements.vision).toBe(true);
    expect(request.requirements.tools).toBe(true);
    // 400 system characters and the tool definition, four characters a token.
    const toolChars = tool.name.length + tool.description.length +
      JSON.stringify(tool.input_schema).length;
    expect(request.requirements.estimated_tokens).toBe(Math.ceil((400 + toolChars) / 4));
    expect(request.stream).toBe(false);
  });
});

describe("Messages → chat completions", () => {
  test("system blocks become one system message; cache_control is dropped", () => {
    const { body } = chatBody({
      ...base,
      system: [
        { type: "text", text: "You are Claude Code.", cache_control: { type: "ephemeral" } },
        { type: "text", text: "Be brief." },
      ],
      messages: [user("hi")],
    });
    expect(body.messages).toEqual([
      { role: "system", content: "You are Claude Code.\n\nBe brief." },
      { role: "user", content: "hi" },
    ]);
    expect(body.model).toBe("qwen");
    expect(body.max_tokens).toBe(1024);
  });

  test("tool_use → tool_calls with the same id, tool_result → a tool message before the turn's text", () => {
    const { body } = chatBody({
      ...base,
      messages: [
        user("Weather in Paris?"),
        assistant([
          { type: "thinking", thinking: "call the tool", signature: "" },
          { type: "text", text: "Let me check." },
          { type: "tool_use", id: "call_1", name: "get_weather", input: { city: "Paris" } },
        ]),
        user([
          { type: "tool_result", tool_use_id: "call_1", content: "18°C" },
          {
            type: "tool_result",
            tool_use_id: "call_2",
            content: [{ type: "text", text: "no" }],
            is_error: true,
          },
          { type: "text", text: "Thanks" },
        ]),
      ],
      tools: [tool],
    });
    expect(body.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: "Let me check.",
        tool_calls: [{
          id: "call_1",
          type: "function",
          function: { name: "get_weather", arguments: '{"city":"Paris"}' },
        }],
      },
      { role: "tool", tool_call_id: "call_1", content: "18°C" },
      { role: "tool", tool_call_id: "call_2", content: "Error: no" },
      { role: "user", content: "Thanks" },
    ]);
    expect(body.tools).toEqual([{
      type: "function",
      function: {
        name: "get_weather",
        parameters: tool.input_schema,
        description: tool.description,
      },
    }]);
  });

  test("images (base64 and URL) become image_url parts; a tool's images follow its result", () => {
    const png = { type: "base64", media_type: "image/png", data: "iVBORw0KGgo=" };
    const { body } = chatBody({
      ...base,
      messages: [
        user([
          { type: "tool_result", tool_use_id: "t1", content: [{ type: "image", source: png }] },
          { type: "image", source: { type: "url", url: "https://x.test/cat.jpg" } },
          { type: "text", text: "Compare" },
        ]),
      ],
    });
    expect(body.messages).toEqual([
      { role: "tool", tool_call_id: "t1", content: "" },
      {
        role: "user",
        content: [
          { type: "text", text: "Images returned by the tool calls above:" },
          { type: "image_url", image_url: { url: "data:image/png;base64,iVBORw0KGgo=" } },
          { type: "image_url", image_url: { url: "https://x.test/cat.jpg" } },
          { type: "text", text: "Compare" },
        ],
      },
    ]);
  });

  test("a text document becomes text, its title first", () => {
    const { body } = chatBody({
      ...base,
      messages: [user([{
        type: "document",
        title: "notes.txt",
        source: { type: "text", media_type: "text/plain", data: "buy milk" },
      }])],
    });
    expect(body.messages).toEqual([{ role: "user", content: "notes.txt\n\nbuy milk" }]);
  });

  test("server tools and blocks chat cannot carry are refused, named, for translated backends only", () => {
    const web = {
      ...base,
      messages: [user("x")],
      tools: [{ type: "web_search_20250305", name: "web_search" }],
    };
    expect(refusal(web)).toContain(
      "tools.0: the server tool 'web_search_20250305' cannot be translated",
    );
    const pdf = {
      ...base,
      messages: [
        user([{
          type: "document",
          source: { type: "base64", media_type: "application/pdf", data: "JVBE" },
        }]),
      ],
    };
    expect(refusal(pdf)).toContain(
      "messages.0.content.0.source: a document with a 'base64' source",
    );
    const server = {
      ...base,
      messages: [assistant([{ type: "server_tool_use", id: "s", name: "web_search", input: {} }])],
    };
    expect(refusal(server)).toContain("messages.0.content.0: a 'server_tool_use' block");
    // A backend that serves /v1/messages itself gets the request as it came.
    const request = parsed(web);
    const native = { backend: backend("ollama", true), model: "qwen" };
    expect(endpoint.refusal!(request, native)).toBeUndefined();
    const plan = endpoint.plan(request, native);
    expect([plan.path, plan.upstream, plan.translation]).toEqual([
      "/v1/messages",
      "anthropic",
      undefined,
    ]);
    expect(JSON.parse(plan.body)).toEqual({ ...web, model: "qwen" });
  });

  test("sampling, stop sequences, tool_choice and metadata in OpenAI's words", () => {
    const request = {
      ...base,
      messages: [user("x")],
      tools: [tool],
      tool_choice: { type: "any", disable_parallel_tool_use: true },
      stop_sequences: ["END"],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      metadata: { user_id: "u1" },
      stream: true,
    };
    const { body } = chatBody(request);
    expect(body).toMatchObject({
      tool_choice: "required",
      parallel_tool_calls: false,
      stop: ["END"],
      temperature: 0.2,
      top_p: 0.9,
      top_k: 40,
      user: "u1",
      stream: true,
      stream_options: { include_usage: true },
    });
    const openai = chatBody(request, "openai").body;
    expect(openai.top_k).toBeUndefined();
    expect([openai.max_tokens, openai.max_completion_tokens]).toEqual([undefined, 1024]);
    expect(
      chatBody({ ...request, tool_choice: { type: "tool", name: "get_weather" } }).body.tool_choice,
    )
      .toEqual({ type: "function", function: { name: "get_weather" } });
    expect(chatBody({ ...request, tools: [], tool_choice: { type: "auto" } }).body.tool_choice)
      .toBeUndefined();
  });

  test("thinking becomes reasoning_effort where the server has it, else a warning", () => {
    const thinking = (budget_tokens: number, type: BackendType) =>
      chatBody(
        { ...base, messages: [user("x")], thinking: { type: "enabled", budget_tokens } },
        type,
      );
    expect(thinking(4000, "ollama").body.reasoning_effort).toBe("low");
    expect(thinking(10_000, "vllm").body.reasoning_effort).toBe("medium");
    expect(thinking(32_000, "openai").body.reasoning_effort).toBe("high");
    expect(thinking(4000, "ollama").plan.responseHeaders).toBeUndefined();
    const ignored = thinking(4000, "llamacpp");
    expect(ignored.body.reasoning_effort).toBeUndefined();
    expect(ignored.plan.responseHeaders).toEqual({ "x-nexus-warning": "thinking ignored" });
    const disabled = chatBody(
      { ...base, messages: [user("x")], thinking: { type: "disabled" } },
      "llamacpp",
    );
    expect(disabled.plan.responseHeaders).toBeUndefined();
  });
});
