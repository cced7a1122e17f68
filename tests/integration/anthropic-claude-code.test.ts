/**
 * A Claude Code session's request sequence replayed through the official SDK (as Claude Code
 * sends it: `client.beta.messages…`, so `?beta=true` on every path, its headers) against Nexus,
 * once with every `claude-*` name aliased to a chat-only vLLM backend (translated) and once to a
 * native Anthropic-speaking Ollama (passed through). Every answer must parse in the SDK.
 *
 * The sequence (tests/fixtures/claude-code/session.json) is reconstructed from public captures
 * of Claude Code's traffic; its `source` field names them: a startup quota check and topic and
 * title requests on the small model, count_tokens for the tools, and main turns with cached
 * system blocks, a system-reminder block, twelve tools, a tool result and thinking.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import { readFileSync } from "node:fs";
import Anthropic from "@anthropic-ai/sdk";
import { type MockBackend, startMockBackend } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";

interface Recorded {
  readonly note: string;
  readonly kind: "messages" | "count_tokens";
  readonly headers: Record<string, string>;
  readonly body: Record<string, unknown>;
}

const SESSION = JSON.parse(
  readFileSync(new URL("../fixtures/claude-code/session.json", import.meta.url).pathname, "utf8"),
) as { source: string; sequence: Recorded[] };

const TEXT = "The build script runs tsc, which fails on a type error in src/index.ts.";

let chatOnly: MockBackend;
let native: MockBackend;
const gateways: Record<string, RunningGateway> = {};

beforeAll(async () => {
  chatOnly = await startMockBackend({
    flavor: "vllm",
    models: [{ id: "qwen3-coder:30b" }],
    text: TEXT,
  });
  native = await startMockBackend({
    flavor: "ollama",
    anthropic: true,
    models: [{ id: "qwen3-coder:30b" }],
    text: TEXT,
  });
  // Claude Code asks for a main and a small model: one wildcard covers both.
  const aliases = { "claude-*": "qwen3-coder:30b" };
  gateways.translated = await startGateway(
    [{ name: "vllm-box", url: chatOnly.url, type: "vllm", models: ["qwen3-coder:30b"] }],
    { routing: { aliases } },
  );
  gateways.passthrough = await startGateway(
    [{
      name: "ollama-box",
      url: native.url,
      type: "ollama",
      anthropic: true,
      models: ["qwen3-coder:30b"],
    }],
    { routing: { aliases } },
  );
});

afterAll(async () => {
  for (const gateway of Object.values(gateways)) await gateway.close();
  await chatOnly.close();
  await native.close();
});

/** Replays one recorded request as Claude Code makes it; returns what the SDK parsed. */
async function replay(client: Anthropic, recorded: Recorded) {
  const options = { headers: recorded.headers };
  if (recorded.kind === "count_tokens") {
    const params = recorded.body as unknown as Anthropic.Beta.MessageCountTokensParams;
    return await client.beta.messages.countTokens(params, options);
  }
  if (recorded.body.stream !== true) {
    const params = recorded.body as unknown as Anthropic.Beta.MessageCreateParamsNonStreaming;
    return await client.beta.messages.create(params, options);
  }
  const params = recorded.body as unknown as Anthropic.Beta.MessageCreateParamsStreaming;
  const stream = client.beta.messages.stream(params, options);
  const types: string[] = [];
  stream.on("streamEvent", (event) => types.push(event.type));
  const message = await stream.finalMessage();
  expect(types[0]).toBe("message_start");
  expect(types.at(-1)).toBe("message_stop");
  return message;
}

describe("the recording", () => {
  test("says where it comes from and has the shapes Claude Code sends", () => {
    expect(SESSION.source).toContain("claude-code-api-logger");
    const main = SESSION.sequence.find((r) =>
      Array.isArray(r.body.tools) && r.kind === "messages"
    )!;
    expect((main.body.tools as unknown[]).length).toBeGreaterThanOrEqual(10);
    expect(JSON.stringify(main.body.system)).toContain('"cache_control":{"type":"ephemeral"}');
    expect(SESSION.sequence.some((r) => r.kind === "count_tokens")).toBe(true);
    expect(SESSION.sequence.some((r) => String(r.body.model).includes("haiku"))).toBe(true);
  });
});

for (const path of ["translated", "passthrough"] as const) {
  describe(`a Claude Code session (${path})`, () => {
    test("every answer parses in the SDK, in order", async () => {
      const client = new Anthropic({
        baseURL: gateways[path]!.url,
        apiKey: "sk-ant-cc",
        maxRetries: 0,
      });
      for (const recorded of SESSION.sequence) {
        const answer = await replay(client, recorded);
        if (recorded.kind === "count_tokens") {
          expect((answer as { input_tokens: number }).input_tokens).toBeGreaterThan(0);
          continue;
        }
        const message = answer as Anthropic.Beta.BetaMessage;
        expect(message.type).toBe("message");
        expect(message.model).toBe(
          path === "translated" ? String(recorded.body.model) : "qwen3-coder:30b",
        );
        expect(message.content.length).toBeGreaterThan(0);
        expect(message.stop_reason).not.toBeNull();
      }
    });
  });
}

describe("what the backends received", () => {
  test("the chat backend got chat completions: system joined, tools as functions, ids paired", () => {
    const turns = chatOnly.mock.chatRequests().map((r) => r.body as Record<string, unknown>);
    expect(turns).toHaveLength(5);
    // The turn after the tool call (the fifth request of the session, the fourth chat request).
    const last = turns[3]!;
    expect(last.model).toBe("qwen3-coder:30b");
    expect((last.tools as unknown[]).length).toBe(12);
    const messages = last.messages as Array<Record<string, unknown>>;
    expect(messages[0]!.role).toBe("system");
    expect(messages[0]!.content).toContain("You are Claude Code");
    expect(JSON.stringify(messages)).not.toContain("cache_control");
    expect(messages.at(-1)).toMatchObject({
      role: "tool",
      tool_call_id: "toolu_01A09q90qw90lq917835lq9",
    });
    expect(last.reasoning_effort).toBe("low");
    expect(last.stream_options).toEqual({ include_usage: true });
    // count_tokens went to vLLM's tokenizer, with the tools.
    const tokenize = chatOnly.mock.requests.find((r) => r.path === "/tokenize")!;
    expect((tokenize.body as { tools: unknown[] }).tools.length).toBe(12);
  });

  test("the native backend got each request as sent, only the model renamed", () => {
    const sent = native.mock.requests.filter((r) =>
      r.path === "/v1/messages" && r.bodyText !== "{}"
    );
    const recorded = SESSION.sequence.filter((r) => r.kind === "messages");
    expect(sent).toHaveLength(recorded.length);
    sent.forEach((request, i) => {
      expect(request.body).toEqual({ ...recorded[i]!.body, model: "qwen3-coder:30b" });
      expect(request.headers["anthropic-beta"]).toBe(recorded[i]!.headers["anthropic-beta"]);
      expect(request.headers["x-api-key"]).toBeUndefined();
    });
    // Ollama has no count_tokens: Nexus estimated it.
    expect(native.mock.requests.some((r) => r.path === "/v1/messages/count_tokens")).toBe(false);
  });
});
