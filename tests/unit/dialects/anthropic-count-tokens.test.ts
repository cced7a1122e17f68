import { describe, expect, test } from "bun:test";
import { countTokensEndpoint, type ParsedRequest } from "../../../src/dialects/mod.ts";
import { isFailure } from "../../../src/lib/failures.ts";
import { type BackendType, Registry } from "../../../src/registry/mod.ts";

const body = {
  model: "claude-sonnet-4-5",
  system: [{ type: "text", text: "You are terse.", cache_control: { type: "ephemeral" } }],
  messages: [
    { role: "user", content: "What is the weather in Paris?" },
    {
      role: "assistant",
      content: [{ type: "tool_use", id: "t1", name: "weather", input: { city: "Paris" } }],
    },
    { role: "user", content: [{ type: "tool_result", tool_use_id: "t1", content: "18°C" }] },
  ],
  tools: [{ name: "weather", input_schema: { type: "object" } }],
};

function parsed(extra: Record<string, unknown> = {}): ParsedRequest {
  const request = { ...body, ...extra };
  const result = countTokensEndpoint.parse(request, JSON.stringify(request));
  if (isFailure(result)) throw new Error(result.message);
  return result;
}

function target(type: BackendType, anthropic?: boolean) {
  const backend = new Registry().add({
    name: "b",
    url: "http://b.test",
    type,
    priority: 50,
    source: "static",
    ...(anthropic === undefined ? {} : { anthropic }),
  });
  return { backend, model: "qwen" };
}

describe("countTokensEndpoint", () => {
  test("needs no max_tokens, never streams, and asks nothing of the model", () => {
    const request = parsed({ stream: true });
    expect(request.stream).toBe(false);
    expect(request.requirements).toMatchObject({
      vision: false,
      tools: false,
      estimated_tokens: 0,
    });
    const missing = countTokensEndpoint.parse({ messages: [] }, "{}");
    expect(isFailure(missing) && missing.message).toBe("model: Field required");
  });

  test("a server that counts natively gets the request as it came", () => {
    for (const type of ["llamacpp", "vllm", "generic"] as const) {
      const request = parsed();
      expect(countTokensEndpoint.answer!(request, target(type, true))).toBeUndefined();
      const plan = countTokensEndpoint.plan(request, target(type, true));
      expect(plan).toMatchObject({
        path: "/v1/messages/count_tokens",
        upstream: "anthropic",
        responseHeaders: { "x-nexus-token-count": "backend" },
      });
      expect(JSON.parse(plan.body)).toEqual({ ...body, model: "qwen" });
    }
  });

  test("vLLM tokenizes the chat messages (its template applied), tools included", () => {
    const plan = countTokensEndpoint.plan(parsed(), target("vllm"));
    expect(plan.path).toBe("/tokenize");
    const sent = JSON.parse(plan.body);
    expect(sent.model).toBe("qwen");
    expect(sent.add_generation_prompt).toBe(true);
    expect(sent.messages.map((m: { role: string }) => m.role)).toEqual([
      "system",
      "user",
      "assistant",
      "tool",
    ]);
    expect(sent.tools).toHaveLength(1);
    const answer = plan.translation!.whole({ count: 57, max_model_len: 32768, tokens: [] });
    expect(!isFailure(answer) && JSON.parse(answer.text)).toEqual({ input_tokens: 57 });
  });

  test("llama.cpp tokenizes the prompt's text", () => {
    const plan = countTokensEndpoint.plan(parsed(), target("llamacpp"));
    expect(plan.path).toBe("/tokenize");
    const { content } = JSON.parse(plan.body);
    for (
      const piece of ["You are terse.", "What is the weather in Paris?", '"city":"Paris"', "18°C"]
    ) {
      expect(content).toContain(piece);
    }
    const answer = plan.translation!.whole({ tokens: [1, 2, 3] });
    expect(!isFailure(answer) && JSON.parse(answer.text)).toEqual({ input_tokens: 3 });
    expect(isFailure(plan.translation!.whole({ detail: "?" }))).toBe(true);
  });

  test("elsewhere Nexus answers with its estimate, without calling the backend", () => {
    for (
      const [type, anthropic] of [["ollama", true], ["ollama", undefined], ["lmstudio", true], [
        "openai",
        undefined,
      ]] as const
    ) {
      const answer = countTokensEndpoint.answer!(parsed(), target(type, anthropic));
      expect(answer?.headers).toEqual({ "x-nexus-token-count": "estimate" });
      expect(JSON.parse(answer!.text).input_tokens).toBeGreaterThan(10);
    }
    // Behind a first candidate that counts, one that cannot is never asked.
    expect(countTokensEndpoint.refusal!(parsed(), target("ollama"))?.message)
      .toBe("Backend b has no tokenizer to ask");
    expect(countTokensEndpoint.refusal!(parsed(), target("vllm"))).toBeUndefined();
    // vLLM cannot template what chat cannot carry: the estimate again.
    const web = parsed({ tools: [{ type: "web_search_20250305", name: "web_search" }] });
    expect(countTokensEndpoint.answer!(web, target("vllm"))?.headers).toEqual({
      "x-nexus-token-count": "estimate",
    });
  });
});
