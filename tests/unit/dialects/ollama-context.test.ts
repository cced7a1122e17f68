import { describe, expect, test } from "bun:test";
import {
  contextSizing,
  ollamaContextPlan,
  ollamaContextRefusal,
  promptTokens,
  textTokens,
} from "../../../src/dialects/ollama/context.ts";
import { chatEndpoint, type ParsedRequest } from "../../../src/dialects/mod.ts";
import { isFailure } from "../../../src/lib/failures.ts";
import type { Backend, ModelInfo } from "../../../src/registry/mod.ts";

function parsed(body: Record<string, unknown>): ParsedRequest {
  const text = JSON.stringify(body);
  const request = chatEndpoint.parse(body, text);
  if (isFailure(request)) throw new Error(request.message);
  return request;
}

function target(info: Partial<ModelInfo> = {}) {
  const model: ModelInfo = { id: "llama3.1:8b", capabilities: {}, ...info };
  const backend = { name: "gpu", type: "ollama", url: "http://gpu:11434", models: [model] };
  return { backend: backend as unknown as Backend, model: "llama3.1:8b" };
}

describe("the prompt estimate for Ollama's context", () => {
  test("ASCII at four characters a token, anything else at one a character", () => {
    expect(textTokens("abcdefgh")).toBe(2);
    expect(textTokens("天气怎么样")).toBe(5);
    expect(textTokens("ab天气")).toBe(3);
  });

  test("counts template per message, tool definitions, replayed calls and images", () => {
    const tools = [{ type: "function", function: { name: "f", parameters: {} } }];
    const tokens = promptTokens({
      messages: [
        { role: "user", content: [{ type: "text", text: "abcd" }, { type: "image_url" }] },
        { role: "assistant", content: null, tool_calls: [{ function: { arguments: "{}" } }] },
      ],
      tools,
    });
    const calls = textTokens(JSON.stringify([{ function: { arguments: "{}" } }]));
    expect(tokens).toBe(4 + 1 + 1024 + 4 + calls + textTokens(JSON.stringify(tools)));
  });
});

describe("num_ctx", () => {
  test("doubles from the default until the request fits; capped at the maximum", () => {
    expect(contextSizing(5000, 0, 4096, 131072)).toEqual({ numCtx: 8192, numPredict: undefined });
    expect(contextSizing(9000, 1000, 4096, undefined)).toEqual({
      numCtx: 16384,
      numPredict: undefined,
    });
    expect(contextSizing(7000, 2000, 4096, 8192)).toEqual({ numCtx: 8192, numPredict: 1192 });
  });
});

describe("ollamaContextPlan()", () => {
  test("a request that fits the default stays a passthrough", () => {
    const request = parsed({ model: "llama3.1:8b", messages: [{ role: "user", content: "hi" }] });
    expect(ollamaContextPlan(request, target())).toBeUndefined();
  });

  test("CJK text that fits by characters ÷ 4 but not by the real count goes native", () => {
    const request = parsed({
      model: "llama3.1:8b",
      messages: [{ role: "user", content: "天".repeat(5000) }],
    });
    const plan = ollamaContextPlan(request, target());
    expect(plan?.path).toBe("/api/chat");
    expect(JSON.parse(plan!.body).options.num_ctx).toBe(8192);
  });

  test("the model's default context counts: a larger one keeps the passthrough", () => {
    const request = parsed({
      model: "llama3.1:8b",
      messages: [{ role: "user", content: "x".repeat(20000) }],
    });
    expect(ollamaContextPlan(request, target())?.path).toBe("/api/chat");
    expect(ollamaContextPlan(request, target({ default_context: 32768 }))).toBeUndefined();
  });

  test("max_tokens counts: prompt + reply must fit", () => {
    const body = { model: "llama3.1:8b", messages: [{ role: "user", content: "x".repeat(8000) }] };
    expect(ollamaContextPlan(parsed(body), target())).toBeUndefined();
    const plan = ollamaContextPlan(parsed({ ...body, max_tokens: 3000 }), target());
    expect(JSON.parse(plan!.body).options).toEqual({ num_ctx: 8192, num_predict: 3000 });
  });

  test("what the native API cannot carry (an image by URL) goes to the OpenAI endpoint", () => {
    const request = parsed({
      model: "llama3.1:8b",
      messages: [{
        role: "user",
        content: [
          { type: "text", text: "x".repeat(20000) },
          { type: "image_url", image_url: { url: "https://example.com/a.png" } },
        ],
      }],
    });
    expect(ollamaContextPlan(request, target())).toBeUndefined();
  });
});

describe("ollamaContextRefusal()", () => {
  test("refuses only a prompt longer than the model's own maximum", () => {
    const long = parsed({ model: "m", messages: [{ role: "user", content: "天".repeat(9000) }] });
    const failure = ollamaContextRefusal(long, target({ context_length: 8192 }));
    expect(failure?.kind).toBe("context_length_exceeded");
    expect(ollamaContextRefusal(long, target({ context_length: 32768 }))).toBeUndefined();
    expect(ollamaContextRefusal(long, target())).toBeUndefined();
  });
});
