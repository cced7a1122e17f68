import { describe, expect, test } from "bun:test";
import { countingIds, createResponsesEndpoint } from "../../../src/dialects/mod.ts";
import { randomIds } from "../../../src/dialects/openai/responses/ids.ts";
import { toChatRequest } from "../../../src/dialects/openai/responses/request.ts";
import { ResponsesStream } from "../../../src/dialects/openai/responses/stream.ts";
import { responseFromChat } from "../../../src/dialects/openai/responses/whole.ts";
import { isFailure } from "../../../src/lib/failures.ts";
import { Registry } from "../../../src/registry/mod.ts";
import { checkSequence, parseEvents } from "../../helpers/responses-events.ts";

describe("toChatRequest()", () => {
  test("maps every supported field", () => {
    const chat = toChatRequest({
      model: "m",
      instructions: "Be brief.",
      input: [
        { role: "developer", content: "Use metric units." },
        {
          type: "message",
          role: "user",
          content: [
            { type: "input_text", text: "What is this?" },
            { type: "input_image", image_url: "data:image/png;base64,AAAA", detail: "low" },
          ],
        },
        { role: "assistant", content: [{ type: "output_text", text: "A cat." }] },
      ],
      tools: [{
        type: "function",
        name: "f",
        description: "d",
        parameters: { type: "object" },
        strict: true,
      }],
      tool_choice: { type: "function", name: "f" },
      parallel_tool_calls: false,
      text: {
        format: { type: "json_schema", name: "s", schema: { type: "object" }, strict: true },
      },
      max_output_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      user: "u1",
      store: false,
      reasoning: { effort: "low" },
    }, true);
    expect(chat).toEqual({
      messages: [
        { role: "system", content: "Be brief.\n\nUse metric units." },
        {
          role: "user",
          content: [
            { type: "text", text: "What is this?" },
            { type: "image_url", image_url: { url: "data:image/png;base64,AAAA", detail: "low" } },
          ],
        },
        { role: "assistant", content: "A cat." },
      ],
      tools: [{
        type: "function",
        function: { name: "f", description: "d", parameters: { type: "object" }, strict: true },
      }],
      parallel_tool_calls: false,
      tool_choice: { type: "function", function: { name: "f" } },
      response_format: {
        type: "json_schema",
        json_schema: { name: "s", schema: { type: "object" }, strict: true },
      },
      max_tokens: 64,
      temperature: 0.2,
      top_p: 0.9,
      user: "u1",
      stream: true,
      stream_options: { include_usage: true },
    });
  });

  test("tool_choice and parallel_tool_calls only go with tools", () => {
    expect(toChatRequest({ input: "hi", tool_choice: "auto", parallel_tool_calls: true }, false))
      .toEqual({ messages: [{ role: "user", content: "hi" }] });
  });

  test("json_object format and a plain string input", () => {
    expect(toChatRequest({ input: "hi", text: { format: { type: "json_object" } } }, false))
      .toEqual({
        messages: [{ role: "user", content: "hi" }],
        response_format: { type: "json_object" },
      });
  });

  test("function_call items join the assistant message before them; outputs become tool messages", () => {
    const chat = toChatRequest({
      input: [
        { role: "user", content: "Weather in Paris and Rome?" },
        { role: "assistant", content: "Checking." },
        { type: "function_call", call_id: "c1", name: "w", arguments: '{"city":"Paris"}' },
        { type: "function_call", call_id: "c2", name: "w", arguments: '{"city":"Rome"}' },
        { type: "reasoning", id: "rs_1", summary: [], encrypted_content: "opaque" },
        { type: "function_call_output", call_id: "c1", output: "21C" },
        {
          type: "function_call_output",
          call_id: "c2",
          output: [{ type: "input_text", text: "25C" }],
        },
      ],
    }, false);
    expect(isFailure(chat) ? chat : chat.messages).toEqual([
      { role: "user", content: "Weather in Paris and Rome?" },
      {
        role: "assistant",
        content: "Checking.",
        tool_calls: [
          { id: "c1", type: "function", function: { name: "w", arguments: '{"city":"Paris"}' } },
          { id: "c2", type: "function", function: { name: "w", arguments: '{"city":"Rome"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "21C" },
      { role: "tool", tool_call_id: "c2", content: "25C" },
    ]);
  });

  test("a reference to a reasoning item is dropped like the item (the AI SDK sends them)", () => {
    const chat = toChatRequest({
      input: [
        { role: "user", content: "Weather in Paris?" },
        { type: "item_reference", id: "rs_0a1b" },
        { type: "function_call", call_id: "c1", name: "w", arguments: '{"city":"Paris"}' },
        { type: "function_call_output", call_id: "c1", output: "21C" },
      ],
    }, false);
    expect(isFailure(chat) ? chat : chat.messages).toEqual([
      { role: "user", content: "Weather in Paris?" },
      {
        role: "assistant",
        content: null,
        tool_calls: [
          { id: "c1", type: "function", function: { name: "w", arguments: '{"city":"Paris"}' } },
        ],
      },
      { role: "tool", tool_call_id: "c1", content: "21C" },
    ]);
  });

  test("a reference to a message is refused with how to send it whole instead", () => {
    const chat = toChatRequest({ input: [{ type: "item_reference", id: "msg_1" }] }, false);
    expect(isFailure(chat) && chat.message).toContain(
      "providerOptions: { openai: { store: false } }",
    );
  });

  test("images a tool returned follow the run of tool messages in a user message", () => {
    const chat = toChatRequest({
      input: [
        { type: "function_call", call_id: "a", name: "screenshot", arguments: "{}" },
        { type: "function_call", call_id: "b", name: "ls", arguments: "{}" },
        {
          type: "function_call_output",
          call_id: "a",
          output: [
            { type: "input_text", text: "Screen:" },
            { type: "input_image", image_url: "data:image/png;base64,AAAA" },
          ],
        },
        { type: "function_call_output", call_id: "b", output: "a.txt" },
        { role: "user", content: "What do you see?" },
      ],
    }, false);
    expect(isFailure(chat) ? chat : chat.messages).toMatchObject([
      { role: "assistant", tool_calls: [{ id: "a" }, { id: "b" }] },
      { role: "tool", tool_call_id: "a", content: "Screen:" },
      { role: "tool", tool_call_id: "b", content: "a.txt" },
      {
        role: "user",
        content: [{ type: "image_url", image_url: { url: "data:image/png;base64,AAAA" } }],
      },
      { role: "user", content: "What do you see?" },
    ]);
  });

  const refused: Array<[string, Record<string, unknown>, string]> = [
    ["store: true", { store: true }, "store"],
    ["previous_response_id", { previous_response_id: "resp_1" }, "previous_response_id"],
    ["conversation", { conversation: "conv_1" }, "conversation"],
    ["background: true", { background: true }, "background"],
    ["an item reference", { input: [{ type: "item_reference", id: "msg_1" }] }, "input[0].id"],
    ["an image by file id", {
      input: [{ role: "user", content: [{ type: "input_image", file_id: "file_1" }] }],
    }, "input[0].content[0].file_id"],
    ["a file part", {
      input: [{ role: "user", content: [{ type: "input_file", file_data: "x" }] }],
    }, "input[0].content[0].type"],
    ["a local_shell tool", { tools: [{ type: "local_shell" }] }, "tools[0].type"],
    [
      "an allowed_tools choice",
      { tool_choice: { type: "allowed_tools", mode: "auto", tools: [] } },
      "tool_choice",
    ],
  ];
  for (const [what, fields, param] of refused) {
    test(`refuses ${what}, naming '${param}'`, () => {
      const chat = toChatRequest({ input: "hi", ...fields }, false);
      expect(isFailure(chat) && chat.param).toBe(param);
    });
  }
});

describe("toChatRequest(): wrong fields are named as wrong, not as what chat cannot take", () => {
  // Each was "Input item type 'undefined' … cannot be sent to a chat-completions backend", "An
  // image given by file id" for an image_url of the wrong type, or (arguments) sent on as "".
  const wrong: Array<[string, unknown, string, string]> = [
    ["an item with neither type nor role", [{}], "input[0].type", "an item type"],
    ["an item whose type is a number", [{ type: 5 }], "input[0].type", "an item type"],
    [
      "a content part that is null",
      [{ role: "user", content: [null] }],
      "input[0].content[0]",
      "a content part object",
    ],
    [
      "a content part without a type",
      [{ role: "user", content: [{ text: "hi" }] }],
      "input[0].content[0].type",
      "a string",
    ],
    [
      "an image_url that is not a string",
      [{ role: "user", content: [{ type: "input_image", image_url: { url: "x" } }] }],
      "input[0].content[0].image_url",
      "a string (a URL or a data: URL)",
    ],
    [
      "function-call arguments given as an object",
      [{ type: "function_call", call_id: "c", name: "f", arguments: { a: 1 } }],
      "input[0].arguments",
      "a string (the arguments as JSON text)",
    ],
  ];
  for (const [what, input, param, expected] of wrong) {
    test(`${what}: 400 naming '${param}'`, () => {
      const chat = toChatRequest({ input }, false);
      if (!isFailure(chat)) throw new Error("expected a failure");
      expect(chat.param).toBe(param);
      expect(chat.message.startsWith(`Invalid '${param}': expected ${expected}`)).toBe(true);
    });
  }

  test("a call without arguments is a call with none", () => {
    const chat = toChatRequest({
      input: [{ type: "function_call", call_id: "c", name: "f" }],
    }, false);
    expect(isFailure(chat) ? chat : chat.messages).toMatchObject([
      { role: "assistant", tool_calls: [{ id: "c", function: { name: "f", arguments: "" } }] },
    ]);
  });
});

describe("responseFromChat()", () => {
  const context = { ids: countingIds(1), echo: '"store":false', model: "asked" };

  test("reasoning, text and tool calls become output items; length is incomplete", () => {
    const body = responseFromChat({
      created: 7,
      model: "served",
      choices: [{
        message: {
          content: "Partial",
          reasoning_content: "Thinking",
          tool_calls: [{ id: "call_9", function: { name: "f", arguments: "{}" } }],
        },
        finish_reason: "length",
      }],
      usage: { prompt_tokens: 3, completion_tokens: 4, total_tokens: 7 },
    }, context);
    if (isFailure(body)) throw new Error(body.message);
    expect(JSON.parse(body.text)).toMatchObject({
      object: "response",
      created_at: 7,
      model: "served",
      status: "incomplete",
      incomplete_details: { reason: "max_output_tokens" },
      output: [
        { type: "reasoning", content: [{ type: "reasoning_text", text: "Thinking" }] },
        {
          type: "message",
          status: "incomplete",
          content: [{ type: "output_text", text: "Partial" }],
        },
        { type: "function_call", call_id: "call_9", name: "f", arguments: "{}" },
      ],
      usage: { input_tokens: 3, output_tokens: 4, total_tokens: 7 },
      store: false,
    });
  });

  test("an answer that is not a chat completion is a failure (the proxy fails over)", () => {
    expect(isFailure(responseFromChat({ object: "list", data: [] }, context))).toBe(true);
  });
});

describe("responses endpoint", () => {
  const endpoint = createResponsesEndpoint(countingIds());
  const registry = new Registry();
  const chat = registry.add({
    name: "c",
    url: "http://c",
    type: "ollama",
    priority: 1,
    source: "static",
  });
  const native = registry.add({
    name: "n",
    url: "http://n",
    type: "vllm",
    priority: 1,
    source: "static",
  });
  registry.setFeatures("n", { responses: true });
  const text = JSON.stringify({ model: "m", input: "hi", store: true });
  const parsed = endpoint.parse(JSON.parse(text), text);
  if (isFailure(parsed)) throw new Error(parsed.message);

  test("refuses store: true only for a backend it must translate for", () => {
    expect(endpoint.refusal!(parsed, { backend: chat, model: "m" })?.param).toBe("store");
    expect(endpoint.refusal!(parsed, { backend: native, model: "m" })).toBeUndefined();
  });

  test("passes the request to a native backend as it came, renamed only when the model is", () => {
    expect(endpoint.plan(parsed, { backend: native, model: "m" })).toEqual({
      path: "/v1/responses",
      body: text,
      stream: false,
      upstream: "openai",
    });
    const renamed = endpoint.plan(parsed, { backend: native, model: "real" });
    expect(JSON.parse(renamed.body)).toEqual({ ...JSON.parse(text), model: "real" });
  });

  test("translates for a chat backend, reading what the router needs from the chat form", () => {
    const body = {
      model: "m",
      input: [{ role: "user", content: [{ type: "input_image", image_url: "u" }] }],
    };
    const request = endpoint.parse(body, JSON.stringify(body));
    if (isFailure(request)) throw new Error(request.message);
    expect(request.requirements.vision).toBe(true);
    const plan = endpoint.plan(request, { backend: chat, model: "m" });
    expect(plan.path).toBe("/v1/chat/completions");
    expect(plan.translation).toBeDefined();
    expect(JSON.parse(plan.body).model).toBe("m");
  });
});

describe("ResponsesStream", () => {
  const stream = () =>
    new ResponsesStream({ ids: countingIds(), echo: '"store":false', model: "asked" });
  const text = (content: string) => JSON.stringify({ choices: [{ delta: { content } }] });

  test("a backend's in-stream error ends it as failed, with the backend's message", () => {
    const t = stream();
    const out = t.event(text("Hel")) + t.event('{"error":{"message":"out of memory"}}') +
      t.event(text("lo")) + t.end();
    const events = parseEvents(out);
    const terminal = checkSequence(events);
    expect(terminal.type).toBe("response.failed");
    expect(terminal.response.error).toEqual({
      code: "server_error",
      message: "the backend failed: out of memory",
    });
    expect(terminal.response.output[0]).toMatchObject({ status: "incomplete" });
  });

  test("an event that is not JSON fails the stream instead of being skipped", () => {
    const t = stream();
    const events = parseEvents(t.event("not json") + t.end());
    expect(checkSequence(events).type).toBe("response.failed");
  });

  test("an upstream that ends without a finish chunk still completes what it said", () => {
    const t = stream();
    const terminal = checkSequence(parseEvents(t.event(text("Hi")) + t.end()));
    expect(terminal.type).toBe("response.completed");
    expect(terminal.response.output[0].content[0].text).toBe("Hi");
  });
});

describe("Responses random ids", () => {
  test("are the prefix and 48 lower-case hex digits (24 random bytes), fresh each time", () => {
    const ids = Array.from({ length: 200 }, () => randomIds.id("fc_"));
    for (const id of ids) expect(id).toMatch(/^fc_[0-9a-f]{48}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // Every hex digit shows up over 200 ids (4,800 random bytes): none is missing from the table.
    const digits = ids.join("").replaceAll("fc_", "");
    for (const digit of "0123456789abcdef") expect(digits).toContain(digit);
  });
});
