import { describe, expect, test } from "bun:test";
import { createMessagesEndpoint, type Translation } from "../../../src/dialects/mod.ts";
import { countingIds } from "../../../src/dialects/anthropic/mod.ts";
import { failure, isFailure } from "../../../src/lib/failures.ts";
import { Registry } from "../../../src/registry/mod.ts";

/** The translation a vLLM candidate gets for a request (stop sequences, the requested model). */
function translation(extra: Record<string, unknown> = {}): Translation {
  const endpoint = createMessagesEndpoint(countingIds());
  const body = {
    model: "claude-sonnet-4-5",
    max_tokens: 100,
    messages: [{ role: "user", content: "hi" }],
    ...extra,
  };
  const request = endpoint.parse(body, JSON.stringify(body));
  if (isFailure(request)) throw new Error(request.message);
  const backend = new Registry().add({
    name: "b",
    url: "http://b.test",
    type: "vllm",
    priority: 50,
    source: "static",
  });
  return endpoint.plan(request, { backend, model: "qwen" }).translation!;
}

function whole(json: unknown, extra: Record<string, unknown> = {}) {
  const result = translation(extra).whole(json);
  if (isFailure(result)) return result;
  return JSON.parse(result.text);
}

const completion = (message: Record<string, unknown>, finish = "stop", usage?: unknown) => ({
  id: "chatcmpl-1",
  object: "chat.completion",
  choices: [{ index: 0, message: { role: "assistant", ...message }, finish_reason: finish }],
  ...(usage === undefined ? {} : { usage }),
});

/** Parsed events of a translated stream: [event name, data]. */
function events(text: string): Array<[string, Record<string, unknown>]> {
  return text.split("\n\n").filter((e) => e !== "").map((event) => {
    const [name, data] = event.split("\n");
    return [name!.slice("event: ".length), JSON.parse(data!.slice("data: ".length))];
  });
}

function chunk(delta: Record<string, unknown>, finish: string | null = null, extra = {}) {
  return JSON.stringify({ choices: [{ index: 0, delta, finish_reason: finish, ...extra }] });
}

describe("a whole answer", () => {
  test("text, reasoning and tool calls become blocks; the backend's call ids are kept", () => {
    const message = whole(completion(
      {
        content: "Checking.",
        reasoning_content: "Paris, so call the tool.",
        tool_calls: [
          {
            id: "call_9",
            type: "function",
            function: { name: "get_weather", arguments: '{"city":"Paris"}' },
          },
          { type: "function", function: { name: "get_time", arguments: "" } },
        ],
      },
      "tool_calls",
      { prompt_tokens: 31, completion_tokens: 12 },
    ));
    expect(message).toEqual({
      id: "msg_2",
      type: "message",
      role: "assistant",
      model: "claude-sonnet-4-5",
      content: [
        { type: "thinking", thinking: "Paris, so call the tool.", signature: "" },
        { type: "text", text: "Checking." },
        { type: "tool_use", id: "call_9", name: "get_weather", input: { city: "Paris" } },
        { type: "tool_use", id: "toolu_1", name: "get_time", input: {} },
      ],
      stop_reason: "tool_use",
      stop_sequence: null,
      usage: {
        input_tokens: 31,
        output_tokens: 12,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
      },
    });
  });

  test("stop reasons: length → max_tokens, a matched stop string → stop_sequence, else end_turn", () => {
    expect(whole(completion({ content: "a" }, "length")).stop_reason).toBe("max_tokens");
    const matched = completion({ content: "a" });
    (matched.choices[0] as Record<string, unknown>).stop_reason = "END";
    expect(whole(matched, { stop_sequences: ["END"] })).toMatchObject({
      stop_reason: "stop_sequence",
      stop_sequence: "END",
    });
    expect(whole(completion({ content: "a" }), { stop_sequences: ["END"] }).stop_reason).toBe(
      "end_turn",
    );
    expect(whole(completion({ content: "a" }, "content_filter")).stop_reason).toBe("refusal");
  });

  test("without usage the counts are estimates", () => {
    expect(whole(completion({ content: "x".repeat(40) })).usage).toMatchObject({
      input_tokens: 1,
      output_tokens: 10,
    });
  });

  test("an answer that cannot be a message is a failure (the proxy tries another backend)", () => {
    expect(isFailure(whole({ object: "chat.completion" }))).toBe(true);
    const bad = completion({
      tool_calls: [{ id: "c", function: { name: "f", arguments: "{not json" } }],
    });
    expect(isFailure(whole(bad))).toBe(true);
  });

  test("a backend's refusal keeps its status and its words", () => {
    const refusal = translation().rejection(422, '{"object":"error","message":"bad","detail":"x"}');
    expect(refusal).toMatchObject({ kind: "upstream_rejected", status: 422 });
    expect(refusal.message).toBe("The backend refused the request (HTTP 422): bad");
    expect(translation().rejection(400, '{"error":{"message":"context too long"}}').message)
      .toContain("context too long");
  });
});

describe("a streamed answer", () => {
  test("Anthropic's event sequence, usage from the last chunk", () => {
    const stream = translation().stream();
    let out = "";
    out += stream.event(chunk({ role: "assistant", content: "" }));
    out += stream.event(chunk({ reasoning: "Hmm." }));
    out += stream.event(chunk({ content: "Hi" }));
    out += stream.event(
      chunk({
        tool_calls: [{ index: 0, id: "call_1", function: { name: "f", arguments: '{"a"' } }],
      }),
    );
    out += stream.event(chunk({ tool_calls: [{ index: 0, function: { arguments: ":1}" } }] }));
    out += stream.event(chunk({}, "tool_calls"));
    out += stream.event(
      JSON.stringify({ choices: [], usage: { prompt_tokens: 9, completion_tokens: 4 } }),
    );
    out += stream.event("[DONE]");
    out += stream.end();
    expect(
      events(out).map((
        [name, data],
      ) => [name, (data.delta as { type?: string })?.type ?? data.index ?? ""]),
    )
      .toEqual([
        ["message_start", ""],
        ["content_block_start", 0],
        ["content_block_delta", "thinking_delta"],
        ["content_block_stop", 0],
        ["content_block_start", 1],
        ["content_block_delta", "text_delta"],
        ["content_block_stop", 1],
        ["content_block_start", 2],
        ["content_block_delta", "input_json_delta"],
        ["content_block_delta", "input_json_delta"],
        ["content_block_stop", 2],
        ["message_delta", ""],
        ["message_stop", ""],
      ]);
    const [, delta] = events(out).find(([name]) => name === "message_delta")!;
    expect(delta).toEqual({
      type: "message_delta",
      delta: { stop_reason: "tool_use", stop_sequence: null },
      usage: { input_tokens: 9, output_tokens: 4 },
    });
    const [, start] = events(out).find(([name, data]) =>
      name === "content_block_start" && data.index === 2
    )!;
    expect(start.content_block).toEqual({ type: "tool_use", id: "call_1", name: "f", input: {} });
  });

  test("a call's arguments that come before its name wait for it", () => {
    const stream = translation().stream();
    const out = stream.event(chunk({ tool_calls: [{ index: 0, function: { arguments: "{}" } }] })) +
      stream.event(
        chunk({ tool_calls: [{ index: 0, id: "c", function: { name: "f" } }] }, "tool_calls"),
      ) +
      stream.event("[DONE]");
    const names = events(out).map(([name]) => name);
    expect(names).toEqual([
      "message_start",
      "content_block_start",
      "content_block_delta",
      "content_block_stop",
      "message_delta",
      "message_stop",
    ]);
  });

  test("what cannot be carried ends the stream with one error event", () => {
    const interleaved = translation().stream();
    interleaved.event(
      chunk({ tool_calls: [{ index: 0, id: "a", function: { name: "f", arguments: "{" } }] }),
    );
    interleaved.event(
      chunk({ tool_calls: [{ index: 1, id: "b", function: { name: "g", arguments: "{" } }] }),
    );
    const error = interleaved.event(
      chunk({ tool_calls: [{ index: 0, function: { arguments: "}" } }] }),
    );
    expect(events(error)).toEqual([["error", {
      type: "error",
      error: {
        type: "api_error",
        message:
          "Stream ended early: the backend interleaved its tool calls, which one message cannot carry",
      },
    }]]);
    expect(interleaved.event("[DONE]") + interleaved.end()).toBe("");

    const cut = translation().stream();
    cut.event(chunk({ content: "Hel" }));
    expect(events(cut.end())[0]![0]).toBe("error");
    const empty = translation().stream();
    expect(events(empty.end())[0]![1]).toMatchObject({
      error: { message: "Stream ended early: the backend ended the stream without an answer" },
    });
    const broken = translation().stream();
    expect(events(broken.event('{"error":{"message":"CUDA out of memory"}}'))[0]![1])
      .toMatchObject({
        error: {
          type: "api_error",
          message: "Stream ended early: the backend failed: CUDA out of memory",
        },
      });
  });

  test("a failure after the first byte is one error event; none after message_stop", () => {
    const stream = translation().stream();
    stream.event(chunk({ content: "Hi" }));
    expect(events(stream.fail(failure("upstream_timeout", "Backend b timed out")))).toEqual([
      ["error", { type: "error", error: { type: "api_error", message: "Backend b timed out" } }],
    ]);
    const done = translation().stream();
    done.event(chunk({ content: "Hi" }, "stop"));
    done.event("[DONE]");
    expect(done.fail(failure("upstream_failed", "late"))).toBe("");
  });
});
