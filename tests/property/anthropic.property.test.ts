/**
 * Properties of the Anthropic translation (chat completions ⇄ Messages), for any answer a chat
 * backend can give — reasoning, text, tool calls with or without ids, any finish, with or
 * without usage — however its stream is cut into network chunks:
 *
 * - the stream is a valid Anthropic event sequence: one message_start first; blocks started at
 *   consecutive indexes, one open at a time, each stopped, deltas of its own kind only; then one
 *   message_delta and one message_stop, last;
 * - its deltas, put together as the SDK does, are the non-stream answer, field for field;
 * - every tool input streamed parses as the JSON object the backend meant;
 * - and the other way, every tool_result of a conversation reaches the backend as a tool message
 *   that answers a tool call of the assistant turn before it.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { createMessagesEndpoint, type IdSource } from "../../src/dialects/anthropic/mod.ts";
import type { Translation } from "../../src/dialects/mod.ts";
import { isFailure } from "../../src/lib/failures.ts";
import { TranslatedDelivery } from "../../src/proxy/delivery.ts";
import { Registry } from "../../src/registry/mod.ts";

/** Separate counters per kind: the same tool-id sequence for a whole answer and a stream. */
function ids(): IdSource {
  let tools = 0;
  return { message: () => "msg_1", toolUse: () => `toolu_gen_${++tools}` };
}

const backend = new Registry().add({
  name: "b",
  url: "http://b.test",
  type: "vllm",
  priority: 50,
  source: "static",
});

function translation(body: Record<string, unknown>): Translation {
  const endpoint = createMessagesEndpoint(ids());
  const request = endpoint.parse(body, JSON.stringify(body));
  if (isFailure(request)) throw new Error(request.message);
  return endpoint.plan(request, { backend, model: "qwen" }).translation!;
}

const REQUEST = {
  model: "claude-sonnet-4-5",
  max_tokens: 256,
  stop_sequences: ["END"],
  messages: [{ role: "user", content: "go" }],
};

interface Call {
  readonly id: string | null;
  readonly name: string;
  readonly input: Record<string, unknown>;
}

interface Answer {
  readonly reasoning: string;
  readonly text: string;
  readonly calls: readonly Call[];
  readonly finish: string;
  readonly matched: string | null;
  readonly usage: { prompt_tokens: number; completion_tokens: number } | null;
}

const answers: fc.Arbitrary<Answer> = fc.record({
  reasoning: fc.oneof(fc.constant(""), fc.string({ minLength: 1, maxLength: 60 })),
  text: fc.oneof(
    fc.constant(""),
    fc.string({ minLength: 1, maxLength: 120 }),
    fc.string({ unit: "grapheme", maxLength: 40 }),
  ),
  calls: fc.array(
    fc.record({
      id: fc.option(fc.stringMatching(/^call_[a-zA-Z0-9]{1,12}$/), { nil: null }),
      name: fc.stringMatching(/^[a-z][a-z_]{0,15}$/),
      input: fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), {
        maxKeys: 4,
      }) as fc.Arbitrary<
        Record<string, unknown>
      >,
    }),
    { maxLength: 3 },
  ),
  finish: fc.constantFrom("stop", "length", "tool_calls", "content_filter"),
  matched: fc.constantFrom(null, "END", "OTHER"),
  usage: fc.option(
    fc.record({ prompt_tokens: fc.nat(100_000), completion_tokens: fc.nat(10_000) }),
    { nil: null },
  ),
});

function completion(answer: Answer) {
  const message: Record<string, unknown> = { role: "assistant", content: answer.text || null };
  if (answer.reasoning) message.reasoning_content = answer.reasoning;
  if (answer.calls.length > 0) {
    message.tool_calls = answer.calls.map((call) => ({
      ...(call.id === null ? {} : { id: call.id }),
      type: "function",
      function: { name: call.name, arguments: JSON.stringify(call.input) },
    }));
  }
  return {
    id: "chatcmpl-1",
    object: "chat.completion",
    choices: [{ index: 0, message, finish_reason: answer.finish, stop_reason: answer.matched }],
    ...(answer.usage === null ? {} : { usage: answer.usage }),
  };
}

/** `text` cut at the given fractions, in order. */
function pieces(text: string, cuts: readonly number[]): string[] {
  const chars = Array.from(text);
  const points = [...new Set(cuts.map((c) => Math.floor(c * chars.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const point of [...points, chars.length]) {
    if (point > from) out.push(chars.slice(from, point).join(""));
    from = Math.max(from, point);
  }
  return out;
}

/** The answer as an OpenAI SSE stream. */
function sse(answer: Answer, cuts: readonly number[]): string {
  const data = (delta: Record<string, unknown>, finish: string | null = null, extra = {}) =>
    `data: ${
      JSON.stringify({
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta, finish_reason: finish, ...extra }],
      })
    }\n\n`;
  let out = data({ role: "assistant", content: "" });
  for (const piece of pieces(answer.reasoning, cuts)) out += data({ reasoning_content: piece });
  for (const piece of pieces(answer.text, cuts)) out += data({ content: piece });
  answer.calls.forEach((call, index) => {
    const args = pieces(JSON.stringify(call.input), cuts);
    out += data({
      tool_calls: [{
        index,
        ...(call.id === null ? {} : { id: call.id }),
        type: "function",
        function: { name: call.name, arguments: args[0] ?? "" },
      }],
    });
    for (const piece of args.slice(1)) {
      out += data({ tool_calls: [{ index, function: { arguments: piece } }] });
    }
  });
  out += data({}, answer.finish, { stop_reason: answer.matched });
  if (answer.usage !== null) {
    out += `data: ${
      JSON.stringify({ object: "chat.completion.chunk", choices: [], usage: answer.usage })
    }\n\n`;
  }
  return out + "data: [DONE]\n\n";
}

/** The stream through the relay's translated delivery, in network chunks of any size. */
function translateStream(text: string, sizes: readonly number[]): string {
  const delivery = new TranslatedDelivery(translation(REQUEST).stream(), "sse");
  const bytes = new TextEncoder().encode(text);
  const decoder = new TextDecoder();
  let out = "";
  let at = 0;
  for (let i = 0; at < bytes.length; i++) {
    const size = Math.max(1, sizes[i % sizes.length] ?? 7);
    const sent = delivery.chunk(bytes.subarray(at, at + size));
    if (sent) out += decoder.decode(sent);
    at += size;
  }
  const last = delivery.end();
  return last ? out + decoder.decode(last) : out;
}

type Event = { name: string; data: Record<string, unknown> };

function parseEvents(text: string): Event[] {
  expect(text.endsWith("\n\n")).toBe(true);
  return text.slice(0, -2).split("\n\n").map((raw) => {
    const lines = raw.split("\n");
    expect(lines).toHaveLength(2);
    expect(lines[0]!.startsWith("event: ")).toBe(true);
    expect(lines[1]!.startsWith("data: ")).toBe(true);
    return { name: lines[0]!.slice(7), data: JSON.parse(lines[1]!.slice(6)) };
  });
}

const DELTA_OF: Record<string, string> = {
  text: "text_delta",
  thinking: "thinking_delta",
  tool_use: "input_json_delta",
};

/** Checks the grammar and puts the message together as the SDK's MessageStream does. */
function accumulate(events: readonly Event[]): Record<string, unknown> {
  expect(events[0]!.name).toBe("message_start");
  expect(events.at(-1)!.name).toBe("message_stop");
  expect(events.filter((e) => e.name === "message_stop")).toHaveLength(1);
  expect(events.filter((e) => e.name === "message_delta")).toHaveLength(1);
  expect(events.at(-2)!.name).toBe("message_delta");
  const message = structuredClone(events[0]!.data.message) as Record<string, unknown>;
  const content = message.content as Array<Record<string, unknown>>;
  const json: string[] = [];
  let open = -1;
  for (const { name, data } of events.slice(1, -2)) {
    expect(data.type).toBe(name);
    if (name === "content_block_start") {
      expect(open).toBe(-1);
      expect(data.index).toBe(content.length);
      open = data.index as number;
      content.push({ ...(data.content_block as Record<string, unknown>) });
      json.push("");
    } else if (name === "content_block_delta") {
      expect(data.index).toBe(open);
      const block = content[open]!;
      const delta = data.delta as Record<string, string>;
      expect(delta.type).toBe(DELTA_OF[block.type as string]!);
      if (delta.type === "text_delta") block.text = (block.text as string) + delta.text;
      if (delta.type === "thinking_delta") {
        block.thinking = (block.thinking as string) + delta.thinking;
      }
      if (delta.type === "input_json_delta") json[open] += delta.partial_json;
    } else {
      expect(name).toBe("content_block_stop");
      expect(data.index).toBe(open);
      const block = content[open]!;
      // Tool inputs parse as JSON objects, as the SDK parses them at the block's end.
      if (block.type === "tool_use") block.input = json[open] === "" ? {} : JSON.parse(json[open]!);
      open = -1;
    }
  }
  expect(open).toBe(-1);
  const delta = events.at(-2)!.data;
  Object.assign(message, delta.delta as Record<string, unknown>);
  message.usage = { ...(message.usage as object), ...(delta.usage as object) };
  return message;
}

describe("chat answer → Anthropic stream", () => {
  test("is a valid event sequence whose deltas make the non-stream answer", () => {
    fc.assert(
      fc.property(
        answers,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 8 }),
        (answer, cuts, sizes) => {
          const streamed = accumulate(parseEvents(translateStream(sse(answer, cuts), sizes)));
          const whole = translation(REQUEST).whole(completion(answer));
          if (isFailure(whole)) throw new Error(whole.message);
          expect(streamed).toEqual(JSON.parse(whole.text));
          const tools = (streamed.content as Array<Record<string, unknown>>).filter((b) =>
            b.type === "tool_use"
          );
          // As the backend meant them, once through JSON (which has no -0).
          expect(tools.map((b) => b.input)).toEqual(
            answer.calls.map((c) => JSON.parse(JSON.stringify(c.input))),
          );
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("Anthropic conversation → chat messages", () => {
  const conversation = fc.array(
    fc.record({
      calls: fc.uniqueArray(fc.stringMatching(/^toolu_[a-z0-9]{1,6}$/), {
        minLength: 1,
        maxLength: 3,
      }),
      text: fc.string({ maxLength: 20 }),
      answered: fc.boolean(),
    }),
    { maxLength: 4 },
  );

  test("every tool result answers a call of the assistant turn just before it", () => {
    fc.assert(
      fc.property(conversation, (turns) => {
        const messages: unknown[] = [{ role: "user", content: "start" }];
        for (const turn of turns) {
          messages.push({
            role: "assistant",
            content: [
              { type: "text", text: turn.text },
              ...turn.calls.map((id) => ({ type: "tool_use", id, name: "f", input: { id } })),
            ],
          });
          messages.push({
            role: "user",
            content: [
              ...turn.calls.map((id) => ({
                type: "tool_result",
                tool_use_id: id,
                content: `result ${id}`,
              })),
              ...(turn.answered ? [{ type: "text", text: "and?" }] : []),
            ],
          });
        }
        const endpoint = createMessagesEndpoint(ids());
        const body = { ...REQUEST, messages };
        const request = endpoint.parse(body, JSON.stringify(body));
        if (isFailure(request)) throw new Error(request.message);
        const sent = JSON.parse(endpoint.plan(request, { backend, model: "qwen" }).body);
        let offered = new Set<string>();
        for (const message of sent.messages as Array<Record<string, unknown>>) {
          if (message.role === "assistant") {
            const calls = (message.tool_calls ?? []) as Array<
              { id: string; function: { arguments: string } }
            >;
            offered = new Set(calls.map((c) => c.id));
            for (const call of calls) {
              expect(JSON.parse(call.function.arguments)).toEqual({ id: call.id });
            }
          } else if (message.role === "tool") {
            expect(offered.has(message.tool_call_id as string)).toBe(true);
            expect(message.content).toBe(`result ${message.tool_call_id}`);
          } else {
            offered = new Set();
          }
        }
        expect(sent.messages.filter((m: { role: string }) => m.role === "tool")).toHaveLength(
          turns.reduce((n, t) => n + t.calls.length, 0),
        );
      }),
      { numRuns: 200 },
    );
  });
});
