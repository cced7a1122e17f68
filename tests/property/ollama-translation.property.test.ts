/**
 * The OpenAI ⇄ Ollama translations under fast-check: round trips keep the text, tool names and
 * arguments; every translated stream, however the network cuts it, ends with exactly one
 * `done: true` line (or `[DONE]`), or — after a backend failure mid-stream — with exactly one
 * error line and no done line; generated tool-call ids are stable.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { OpenaiToOllamaStream } from "../../src/dialects/ollama/from-openai.ts";
import { NativeToOpenaiStream } from "../../src/dialects/ollama/native-answer.ts";
import { openaiToNative } from "../../src/dialects/ollama/native-request.ts";
import { messagesToOpenai } from "../../src/dialects/ollama/to-openai.ts";
import type { AnswerContext } from "../../src/dialects/ollama/answer.ts";
import { TranslatedDelivery } from "../../src/proxy/delivery.ts";
import { failure } from "../../src/lib/failures.ts";

const clock = { now: () => 1_760_000_000_000, monotonic: () => 1000 };
const CONTEXT: AnswerContext = {
  shape: "chat",
  model: "m",
  clock,
  startedAt: 0,
  promptTokens: 7,
};
const encoder = new TextEncoder();
const decoder = new TextDecoder();

const name = fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/);
const args = fc.dictionary(
  fc.string({ maxLength: 8 }),
  fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean()),
  { maxKeys: 4 },
);
const call = fc.record({ name, args });
const text = fc.string({ maxLength: 40, unit: "grapheme" });

/** An answer: text pieces and tool calls, as a backend would stream them. */
const answer = fc.record({
  pieces: fc.array(text, { maxLength: 8 }),
  calls: fc.array(call, { maxLength: 3 }),
  usage: fc.boolean(),
});
type Answer = {
  pieces: string[];
  calls: { name: string; args: Record<string, unknown> }[];
  usage: boolean;
};

/** The answer as OpenAI SSE text: role chunk, content, tool-call deltas in parts, finish, [DONE]. */
function openaiSse(a: Answer): string {
  const chunk = (delta: unknown, finish: string | null) =>
    `data: ${
      JSON.stringify({
        object: "chat.completion.chunk",
        choices: [{ index: 0, delta, finish_reason: finish }],
      })
    }\n\n`;
  let out = chunk({ role: "assistant", content: "" }, null);
  for (const piece of a.pieces) out += chunk({ content: piece }, null);
  a.calls.forEach((c, index) => {
    const json = JSON.stringify(c.args);
    const half = Math.floor(json.length / 2);
    out += chunk({
      tool_calls: [{
        index,
        id: `call_${index}`,
        type: "function",
        function: { name: c.name, arguments: json.slice(0, half) },
      }],
    }, null);
    out += chunk({ tool_calls: [{ index, function: { arguments: json.slice(half) } }] }, null);
  });
  out += chunk({}, a.calls.length > 0 ? "tool_calls" : "stop");
  if (a.usage) out += `data: {"choices":[],"usage":{"prompt_tokens":3,"completion_tokens":4}}\n\n`;
  return out + "data: [DONE]\n\n";
}

/** `bytes` cut at the given points, through a delivery; what the client receives. */
function deliver(delivery: TranslatedDelivery, bytes: Uint8Array, cuts: number[]): string {
  const points = [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b);
  let out = "";
  let from = 0;
  for (const point of [...points, bytes.length]) {
    const piece = delivery.chunk(bytes.subarray(from, point));
    if (piece) out += decoder.decode(piece);
    from = point;
  }
  const end = delivery.end();
  return out + (end ? decoder.decode(end) : "");
}

function ndjsonLines(body: string): Record<string, unknown>[] {
  expect(body.endsWith("\n")).toBe(true);
  return body.split("\n").filter((l) => l !== "").map((l) => JSON.parse(l));
}

const cuts = fc.array(fc.nat(), { maxLength: 6 });

describe("OpenAI answers as Ollama lines", () => {
  test("the text, tool names and arguments arrive; exactly one done line, last", () => {
    fc.assert(
      fc.property(answer, cuts, (a, at) => {
        const delivery = new TranslatedDelivery(new OpenaiToOllamaStream(CONTEXT), "sse");
        const lines = ndjsonLines(deliver(delivery, encoder.encode(openaiSse(a)), at));
        const done = lines.filter((l) => l.done === true);
        expect(done).toHaveLength(1);
        expect(lines.at(-1)!.done).toBe(true);
        const messages = lines.map((l) => l.message as { content: string; tool_calls?: unknown[] });
        expect(messages.map((m) => m.content).join("")).toBe(a.pieces.join(""));
        const calls = messages.flatMap((m) => m.tool_calls ?? []) as {
          function: { name: string; arguments: unknown };
        }[];
        expect(calls.map((c) => [c.function.name, c.function.arguments])).toEqual(
          a.calls.map((c) => [c.name, c.args]),
        );
        expect(done[0]!.eval_count).toBe(a.usage ? 4 : a.pieces.filter((p) => p !== "").length);
      }),
      { numRuns: 300 },
    );
  });

  test("a failure mid-stream ends with one error line and no done line", () => {
    fc.assert(
      fc.property(answer, fc.nat(), fc.string({ maxLength: 30 }), (a, at, message) => {
        const delivery = new TranslatedDelivery(new OpenaiToOllamaStream(CONTEXT), "sse");
        const bytes = encoder.encode(openaiSse(a));
        const first = delivery.chunk(bytes.subarray(0, at % bytes.length));
        const tail = delivery.fail(failure("upstream_failed", message));
        const body = (first ? decoder.decode(first) : "") + decoder.decode(tail);
        const lines = ndjsonLines(body);
        expect(lines.filter((l) => l.done === true)).toHaveLength(0);
        expect(lines.at(-1)).toEqual({ error: message });
        expect(lines.filter((l) => "error" in l)).toHaveLength(1);
      }),
      { numRuns: 200 },
    );
  });

  test("the backend's own error event becomes Ollama's error line, and nothing follows", () => {
    fc.assert(
      fc.property(answer, fc.string({ maxLength: 30 }), (a, message) => {
        const stream = new OpenaiToOllamaStream(CONTEXT);
        const error = JSON.stringify({ error: { message, type: "server_error" } });
        // A replacer function: a message holding `$&` must not be read as a replacement pattern.
        const sse = openaiSse(a).replace("data: [DONE]", () => `data: ${error}\n\ndata: [DONE]`);
        const delivery = new TranslatedDelivery(stream, "sse");
        const lines = ndjsonLines(deliver(delivery, encoder.encode(sse), []));
        expect(lines.at(-1)).toEqual({ error: message });
      }),
      { numRuns: 100 },
    );
  });
});

describe("Ollama lines as OpenAI chunks (the native path for long prompts)", () => {
  test("round trip: text, tool names and arguments survive; one finish and one [DONE]", () => {
    fc.assert(
      fc.property(answer, cuts, cuts, (a, at1, at2) => {
        const toOllama = new TranslatedDelivery(new OpenaiToOllamaStream(CONTEXT), "sse");
        const ndjson = deliver(toOllama, encoder.encode(openaiSse(a)), at1);
        const back = new TranslatedDelivery(
          new NativeToOpenaiStream({ model: "m", clock, includeUsage: true }),
          "ndjson",
        );
        const sse = deliver(back, encoder.encode(ndjson), at2);
        const events = sse.split("\n\n").filter((e) => e !== "").map((e) => e.slice(6));
        expect(events.at(-1)).toBe("[DONE]");
        expect(events.filter((e) => e === "[DONE]")).toHaveLength(1);
        const chunks = events.slice(0, -1).map((e) => JSON.parse(e));
        const deltas = chunks.flatMap((c) => c.choices.map((ch: { delta: unknown }) => ch.delta));
        expect(deltas.map((d: { content?: string }) => d.content ?? "").join("")).toBe(
          a.pieces.join(""),
        );
        const calls = deltas.flatMap((d: { tool_calls?: unknown[] }) => d.tool_calls ?? []) as {
          id: string;
          function: { name: string; arguments: string };
        }[];
        expect(calls.map((c) => [c.function.name, JSON.parse(c.function.arguments)])).toEqual(
          a.calls.map((c) => [c.name, c.args]),
        );
        expect(new Set(calls.map((c) => c.id)).size).toBe(calls.length);
        const finishes = chunks.map((c) => c.choices[0]?.finish_reason).filter((f) => f);
        expect(finishes).toEqual([a.calls.length > 0 ? "tool_calls" : "stop"]);
      }),
      { numRuns: 300 },
    );
  });

  test("an error line becomes one OpenAI in-stream error, then nothing", () => {
    fc.assert(
      fc.property(
        fc.array(text, { maxLength: 4 }),
        fc.string({ maxLength: 20 }),
        (pieces, message) => {
          const lines = pieces.map((p) =>
            JSON.stringify({ message: { role: "assistant", content: p }, done: false })
          );
          lines.push(JSON.stringify({ error: message }));
          lines.push(JSON.stringify({ message: { content: "" }, done: true }));
          const delivery = new TranslatedDelivery(
            new NativeToOpenaiStream({ model: "m", clock, includeUsage: false }),
            "ndjson",
          );
          const sse = deliver(delivery, encoder.encode(lines.join("\n") + "\n"), []);
          const events = sse.split("\n\n").filter((e) => e !== "").map((e) =>
            JSON.parse(e.slice(6))
          );
          expect(events.at(-1).error.message).toBe(message);
          expect(events.filter((e) => e.error)).toHaveLength(1);
          expect(sse).not.toContain("[DONE]");
        },
      ),
      { numRuns: 100 },
    );
  });
});

interface Msg {
  role: string;
  content: string;
  tool_calls?: { function: { name: string; arguments: unknown } }[];
  tool_name?: string;
}

describe("Ollama requests as OpenAI requests and back", () => {
  const message = fc.oneof(
    fc.record({ role: fc.constantFrom("system", "user"), content: text }),
    fc.record({
      role: fc.constant("assistant"),
      content: text,
      tool_calls: fc.array(call.map((c) => ({ function: { name: c.name, arguments: c.args } })), {
        minLength: 1,
        maxLength: 3,
      }),
    }),
  );
  /** A conversation where each assistant tool call is answered by a tool result naming it. */
  const conversation = fc.array(message, { maxLength: 6 }).map((messages): Msg[] =>
    messages.flatMap((m): Msg[] =>
      "tool_calls" in m
        ? [
          m,
          ...m.tool_calls.map((c) => ({ role: "tool", content: "ok", tool_name: c.function.name })),
        ]
        : [m]
    )
  );

  test("text, tool names, arguments and which call a result answers survive the round trip", () => {
    fc.assert(
      fc.property(conversation, (messages) => {
        const openai = messagesToOpenai(messages);
        const native = openaiToNative({ messages: openai }, "m", {
          numCtx: 8192,
          numPredict: undefined,
        });
        expect(native).toBeDefined();
        const back = native!.messages as Record<string, unknown>[];
        expect(back.map((m) => [m.role, m.content])).toEqual(
          messages.map((m) => [m.role, m.content]),
        );
        expect(back.map((m) => m.tool_calls)).toEqual(
          messages.map((m) => m.tool_calls),
        );
        // Results are matched to calls in order, so a repeated tool name still finds its own call.
        expect(back.map((m) => m.tool_name)).toEqual(
          messages.map((m) => m.tool_name),
        );
      }),
      { numRuns: 300 },
    );
  });

  test("generated tool-call ids are stable and nine letters or digits", () => {
    fc.assert(
      fc.property(conversation, (messages) => {
        const first = JSON.stringify(messagesToOpenai(messages));
        expect(JSON.stringify(messagesToOpenai(structuredClone(messages)))).toBe(first);
        for (const m of messagesToOpenai(messages)) {
          const calls = (m.tool_calls ?? []) as { id: string }[];
          for (const c of calls) expect(c.id).toMatch(/^[A-Za-z0-9]{9}$/);
          expect(new Set(calls.map((c) => c.id)).size).toBe(calls.length);
        }
      }),
      { numRuns: 200 },
    );
  });
});
