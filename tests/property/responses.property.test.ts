/**
 * The chat → Responses stream translation, for any chat stream of reasoning, text and tool-call
 * deltas: tool calls interleaved by `index`, arguments cut anywhere, ids and names in any chunk
 * (or repeated whole in every one), several calls in one chunk, with or without usage and
 * `[DONE]`, the bytes cut at any offset. Whatever the input, the output is a valid Responses
 * event sequence (tests/helpers/responses-events.ts) that says what the chat stream said.
 */
import { describe, expect, test } from "bun:test";
import fc from "fast-check";
import { countingIds } from "../../src/dialects/mod.ts";
import { ResponsesStream } from "../../src/dialects/openai/responses/stream.ts";
import { failure } from "../../src/lib/failures.ts";
import { TranslatedDelivery } from "../../src/proxy/delivery.ts";
import {
  type AnyEvent,
  checkSequence,
  outputTexts,
  parseEvents,
} from "../helpers/responses-events.ts";

const RUNS = 300;

interface Call {
  readonly id: string | null;
  readonly name: string;
  readonly args: string;
  /** A first delta with neither id nor name (it may carry the first piece of arguments). */
  readonly bare: boolean;
  /** The id and name again in every delta, as some servers send them. */
  readonly repeat: boolean;
  readonly cuts: readonly number[];
}

interface ChatStream {
  readonly reasoning: readonly string[];
  readonly content: readonly string[];
  readonly calls: readonly Call[];
  /** Which source each next delta comes from (reasoning, content, call i), cycled. */
  readonly order: readonly number[];
  /** Consecutive tool-call deltas that share one chunk. */
  readonly merge: readonly boolean[];
  readonly roleChunk: boolean;
  readonly finish: "stop" | "tool_calls" | "length" | "content_filter" | null;
  readonly usage: boolean;
  readonly done: boolean;
}

const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: "grapheme", maxLength: 8 }));
const call: fc.Arbitrary<Call> = fc.record({
  id: fc.option(fc.stringMatching(/^call_[A-Za-z0-9]{1,12}$/)),
  name: fc.stringMatching(/^[a-z_][a-z0-9_]{0,15}$/),
  args: fc.oneof(fc.string({ maxLength: 30 }), fc.json({ maxDepth: 2 })),
  bare: fc.boolean(),
  repeat: fc.boolean(),
  cuts: fc.array(fc.nat(), { maxLength: 6 }),
});
const chatStream: fc.Arbitrary<ChatStream> = fc.record({
  reasoning: fc.array(text, { maxLength: 4 }),
  content: fc.array(text, { maxLength: 6 }),
  calls: fc.array(call, { maxLength: 3 }),
  order: fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
  merge: fc.array(fc.boolean(), { maxLength: 40 }),
  roleChunk: fc.boolean(),
  finish: fc.constantFrom("stop", "tool_calls", "length", "content_filter", null),
  usage: fc.boolean(),
  done: fc.boolean(),
});

function pieces(value: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => c % (value.length + 1)))].sort((a, b) => a - b);
  const out: string[] = [];
  let from = 0;
  for (const cut of at) {
    out.push(value.slice(from, cut));
    from = cut;
  }
  out.push(value.slice(from));
  return out;
}

type Delta = { kind: "text"; delta: Record<string, string> } | { kind: "call"; call: unknown };

function callDeltas(c: Call, index: number): Delta[] {
  const args = pieces(c.args, c.cuts);
  const named = (extra: Record<string, unknown>) => ({
    index,
    ...(c.id === null ? {} : { id: c.id }),
    type: "function",
    function: { name: c.name, ...extra },
  });
  const out: unknown[] = [];
  if (c.bare) out.push({ index, type: "function", function: { arguments: args.shift() ?? "" } });
  out.push(named({ arguments: "" }));
  for (const piece of args) {
    out.push(c.repeat ? named({ arguments: piece }) : { index, function: { arguments: piece } });
  }
  return out.map((call) => ({ kind: "call", call }));
}

/** The chat SSE payloads (JSON texts and `[DONE]`) of a generated stream. */
function payloads(s: ChatStream): string[] {
  const sources: Delta[][] = [
    s.reasoning.map((r) => ({ kind: "text", delta: { reasoning_content: r } })),
    s.content.map((c) => ({ kind: "text", delta: { content: c } })),
    ...s.calls.map(callDeltas),
  ];
  const deltas: Delta[] = [];
  let turn = 0;
  while (sources.some((source) => source.length > 0)) {
    const pick = s.order[turn % s.order.length]! + turn++;
    const source = sources.filter((q) =>
      q.length > 0
    )[pick % sources.filter((q) => q.length > 0).length]!;
    deltas.push(source.shift()!);
  }
  const chunk = (delta: unknown, finish: string | null) =>
    JSON.stringify({
      id: "chatcmpl-1",
      object: "chat.completion.chunk",
      created: 1_700_000_001,
      model: "backend-model",
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
    });
  const out: string[] = [];
  if (s.roleChunk) out.push(chunk({ role: "assistant", content: "" }, null));
  for (let i = 0; i < deltas.length; i++) {
    const d = deltas[i]!;
    if (d.kind === "text") {
      out.push(chunk(d.delta, null));
      continue;
    }
    const calls = [d.call];
    while (deltas[i + 1]?.kind === "call" && s.merge[i % Math.max(1, s.merge.length)]) {
      calls.push((deltas[++i] as { call: unknown }).call);
    }
    out.push(chunk({ tool_calls: calls }, null));
  }
  if (s.finish !== null) out.push(chunk({}, s.finish));
  if (s.usage) {
    out.push(JSON.stringify({
      id: "chatcmpl-1",
      choices: [],
      usage: { prompt_tokens: 11, completion_tokens: 7, total_tokens: 18 },
    }));
  }
  if (s.done) out.push("[DONE]");
  return out;
}

function translator() {
  return new ResponsesStream({ ids: countingIds(), echo: '"store":false', model: "client-model" });
}

function translate(s: ChatStream): string {
  const t = translator();
  return payloads(s).map((p) => t.event(p)).join("") + t.end();
}

describe("chat stream → Responses events (property)", () => {
  test("is a valid Responses sequence carrying the same text, reasoning and calls", () => {
    fc.assert(
      fc.property(chatStream, (s) => {
        const terminal = checkSequence(parseEvents(translate(s)));
        const incomplete = s.finish === "length" || s.finish === "content_filter";
        expect(terminal.type).toBe(incomplete ? "response.incomplete" : "response.completed");
        expect(outputTexts(terminal, "message")).toBe(s.content.join(""));
        expect(outputTexts(terminal, "reasoning")).toBe(s.reasoning.join(""));
        const calls = (terminal.response.output as AnyEvent[])
          .filter((item) => item.type === "function_call");
        expect(calls).toHaveLength(s.calls.length);
        // Calls are numbered in the order they got a name; compare them by their chat index.
        const byIndex = [...s.calls].map((c) => ({ name: c.name, arguments: c.args }));
        const seen = calls.map((c) => ({ name: c.name, arguments: c.arguments }));
        expect(sortByJson(seen)).toEqual(sortByJson(byIndex));
        for (const c of calls) expect(c.call_id.length).toBeGreaterThan(0);
        for (const c of s.calls) {
          if (c.id !== null) expect(calls.some((out) => out.call_id === c.id)).toBe(true);
        }
        const usage = terminal.response.usage;
        if (s.usage) expect(usage).toMatchObject({ input_tokens: 11, output_tokens: 7 });
        else expect(usage).toBeNull();
        // The backend's model name is known once a chunk has carried it; before, the client's.
        const told = payloads(s).some((p) => p.includes('"model":"backend-model"'));
        expect(terminal.response.model).toBe(told ? "backend-model" : "client-model");
      }),
      { numRuns: RUNS },
    );
  });

  test("is the same whatever the network cut the upstream bytes into", () => {
    const cutStream = fc.tuple(chatStream, fc.array(fc.nat(), { maxLength: 30 }));
    fc.assert(
      fc.property(cutStream, ([s, cuts]) => {
        const sse = new TextEncoder().encode(payloads(s).map((p) => `data: ${p}\n\n`).join(""));
        const delivery = new TranslatedDelivery(translator(), "sse");
        const decoder = new TextDecoder();
        let out = "";
        let from = 0;
        for (
          const cut of [...new Set(cuts.map((c) => c % (sse.length + 1)))].sort((a, b) => a - b)
        ) {
          const bytes = delivery.chunk(sse.subarray(from, cut));
          if (bytes) out += decoder.decode(bytes, { stream: true });
          from = cut;
        }
        const last = delivery.chunk(sse.subarray(from));
        if (last) out += decoder.decode(last, { stream: true });
        const end = delivery.end();
        if (end) out += decoder.decode(end);
        expect(out).toBe(translate(s));
      }),
      { numRuns: RUNS },
    );
  });

  test("a failure at any point ends with error and response.failed, closing nothing half-done", () => {
    const failing = fc.tuple(chatStream, fc.nat());
    fc.assert(
      fc.property(failing, ([s, at]) => {
        const all = payloads(s).filter((p) => p !== "[DONE]");
        const prefix = all.slice(0, at % (all.length + 1));
        const t = translator();
        const out = prefix.map((p) => t.event(p)).join("") +
          t.fail(failure("upstream_timeout", "silent for more than 30 s"));
        const events = parseEvents(out);
        const terminal = checkSequence(events);
        expect(terminal.type).toBe("response.failed");
        expect(terminal.response.error.message).toBe("silent for more than 30 s");
        const error = events.at(-2)!;
        expect(error).toMatchObject({ type: "error", code: "gateway_timeout" });
        // Only the finish chunk closes tool calls: none was "done" before it.
        const doneCalls = events.filter((e) =>
          e.type === "response.output_item.done" && e.item.type === "function_call"
        );
        if (!prefix.some((p) => p.includes('"finish_reason":"'))) expect(doneCalls).toHaveLength(0);
      }),
      { numRuns: RUNS },
    );
  });
});

function sortByJson<T>(values: T[]): T[] {
  return values.map((v) => JSON.stringify(v)).sort().map((v) => JSON.parse(v));
}
