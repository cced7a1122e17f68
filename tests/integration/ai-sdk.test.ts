/**
 * The Vercel AI SDK (`ai` with `@ai-sdk/openai` and `@ai-sdk/openai-compatible`), unchanged,
 * against a started Nexus in front of a chat-completions mock: the three ways an app reaches it
 * — `openai(model)` (the Responses API, the provider's default), `openai.chat(model)` and
 * `createOpenAICompatible` (what OpenCode uses) — each generate and stream text, run a multi-step
 * tool loop and get the backend's usage; embeddings through both providers; and the failures an
 * app meets: an unknown model, a full queue (429) and a backend's 503, each with Retry-After, a
 * backend dying mid-stream, and the app aborting.
 */
import { afterAll, beforeAll, describe, expect, test } from "bun:test";
import {
  APICallError,
  embed,
  embedMany,
  generateText,
  type LanguageModel,
  type ModelMessage,
  RetryError,
  stepCountIs,
  streamText,
  tool,
} from "ai";
import { createOpenAI, type OpenAIProvider } from "@ai-sdk/openai";
import { createOpenAICompatible, type OpenAICompatibleProvider } from "@ai-sdk/openai-compatible";
import { z } from "zod";
import { type MockBackend, startMockBackend, waitFor } from "../helpers/mock-backend.ts";
import { type RunningGateway, startGateway } from "../helpers/gateway.ts";
import { type FailureFleet, startFailureFleet } from "../helpers/sdk-failure-fleet.ts";
import { parseSamples, sampleValue } from "../helpers/prometheus.ts";
import { recordTimeouts, rejection } from "../helpers/timer-log.ts";
import { estimateTokens, REASONING_TEXT, TOOL_ARGUMENTS } from "../mock/chat.ts";

const TEXT = "Nexus routed this answer to the model that could serve it.";
const THINKING = ["completion", "tools", "thinking"];
let backend: MockBackend;
let gateway: RunningGateway;
let openai: OpenAIProvider;
let opencode: OpenAICompatibleProvider;
/** The URL of every request the providers sent, in order. */
const sent: string[] = [];

/** A provider's fetch that notes each URL (the Responses path and the chat path differ). */
const noting: typeof fetch = Object.assign(
  (input: RequestInfo | URL, init?: RequestInit) => {
    sent.push(String(input instanceof Request ? input.url : input));
    return fetch(input, init);
  },
  { preconnect: () => {} },
);

beforeAll(async () => {
  backend = await startMockBackend({
    flavor: "vllm",
    models: [
      { id: "qwen2.5:7b" },
      { id: "qwen3:8b", capabilities: THINKING },
      { id: "nomic-embed-text" },
    ],
    text: TEXT,
    chunks: 5,
  });
  gateway = await startGateway([{
    name: "gpu",
    url: backend.url,
    type: "vllm",
    models: [
      "qwen2.5:7b",
      "qwen3:8b",
      { id: "nomic-embed-text", capabilities: { embeddings: true, completion: false } },
    ],
  }], {
    routing: {
      aliases: { "gpt-4o-mini": "qwen2.5:7b", "text-embedding-3-small": "nomic-embed-text" },
      max_retries: 0,
    },
  });
  const baseURL = `${gateway.url}/v1`;
  openai = createOpenAI({ baseURL, apiKey: "sk-app", fetch: noting });
  // OpenCode's openai-compatible provider, with the usage option it turns on.
  opencode = createOpenAICompatible({
    name: "nexus",
    baseURL,
    apiKey: "sk-app",
    includeUsage: true,
    fetch: noting,
  });
});

afterAll(async () => {
  await gateway.close();
  await backend.close();
});

interface AppPath {
  readonly name: string;
  readonly model: (id: string) => LanguageModel;
  readonly url: string;
}

const paths: AppPath[] = [
  { name: "openai(model), the Responses API", model: (id) => openai(id), url: "/v1/responses" },
  { name: "openai.chat(model)", model: (id) => openai.chat(id), url: "/v1/chat/completions" },
  {
    name: "createOpenAICompatible (OpenCode)",
    model: (id) => opencode(id),
    url: "/v1/chat/completions",
  },
];

const weather = tool({
  description: "Weather for a city",
  inputSchema: z.object({ location: z.string() }),
  execute: ({ location }) => Promise.resolve(`Sunny, 21 °C in ${location}`),
});

/** The last chat request the backend got, and the usage the mock reported for it. */
function lastExchange() {
  const request = backend.mock.chatRequests().at(-1)!;
  const body = request.body as { model: string; messages: unknown[] };
  return { body, promptTokens: estimateTokens(JSON.stringify(body.messages)) };
}

function expectToolLoopSent(): void {
  const { body } = lastExchange();
  const [call, result] = body.messages.slice(-2) as Array<Record<string, unknown>>;
  const calls = call!.tool_calls as Array<{ id: string; function: Record<string, string> }>;
  expect(calls[0]!.function).toEqual({ name: "weather", arguments: TOOL_ARGUMENTS });
  expect(result).toEqual({
    role: "tool",
    tool_call_id: calls[0]!.id,
    content: "Sunny, 21 °C in Paris",
  });
}

for (const path of paths) {
  describe(`the AI SDK through ${path.name}`, () => {
    test("generateText: the backend's text, finish reason and usage", async () => {
      const before = sent.length;
      const result = await generateText({ model: path.model("qwen2.5:7b"), prompt: "Hello?" });
      expect(sent.slice(before)).toEqual([`${gateway.url}${path.url}`]);
      expect(result.text).toBe(TEXT);
      expect(result.finishReason).toBe("stop");
      const { promptTokens } = lastExchange();
      expect(result.usage.inputTokens).toBe(promptTokens);
      expect(result.usage.outputTokens).toBe(estimateTokens(TEXT));
      expect(result.usage.totalTokens).toBe(promptTokens + estimateTokens(TEXT));
    });

    test("streamText: the deltas make the text, usage arrives at the end", async () => {
      const result = streamText({ model: path.model("qwen2.5:7b"), prompt: "Hello?" });
      const deltas: string[] = [];
      for await (const delta of result.textStream) deltas.push(delta);
      expect(deltas.length).toBeGreaterThan(1);
      expect(deltas.join("")).toBe(TEXT);
      expect(await result.finishReason).toBe("stop");
      const usage = await result.usage;
      expect(usage.inputTokens).toBe(lastExchange().promptTokens);
      expect(usage.outputTokens).toBe(estimateTokens(TEXT));
    });

    test("a multi-step tool loop: the call runs, its result goes back, the model answers", async () => {
      const result = await generateText({
        model: path.model("qwen2.5:7b"),
        prompt: "Weather in Paris?",
        tools: { weather },
        stopWhen: stepCountIs(3),
      });
      expect(result.steps).toHaveLength(2);
      expect(result.steps[0]!.finishReason).toBe("tool-calls");
      expect(result.steps[0]!.toolCalls.map((c) => c.input)).toEqual([{ location: "Paris" }]);
      expect(result.steps[0]!.toolResults.map((r) => r.output)).toEqual(["Sunny, 21 °C in Paris"]);
      expect(result.text).toBe(TEXT);
      expectToolLoopSent();
      const steps = result.steps.map((s) => s.usage.totalTokens ?? 0);
      expect(steps.every((n) => n > 0)).toBe(true);
      expect(result.totalUsage.totalTokens).toBe(steps[0]! + steps[1]!);
    });

    test("the same tool loop streamed", async () => {
      const result = streamText({
        model: path.model("qwen2.5:7b"),
        prompt: "Weather in Paris?",
        tools: { weather },
        stopWhen: stepCountIs(3),
      });
      const parts: string[] = [];
      for await (const part of result.fullStream) {
        if (part.type === "error") throw part.error;
        parts.push(part.type);
      }
      expect(parts).toContain("tool-call");
      expect(parts).toContain("tool-result");
      expect(await result.text).toBe(TEXT);
      expect(await result.steps).toHaveLength(2);
      expectToolLoopSent();
      expect((await result.totalUsage).outputTokens).toBeGreaterThan(estimateTokens(TEXT));
    });

    test("an alias: the backend receives the model it stands for", async () => {
      const result = await generateText({ model: path.model("gpt-4o-mini"), prompt: "Hello?" });
      expect(result.text).toBe(TEXT);
      expect(lastExchange().body.model).toBe("qwen2.5:7b");
    });
  });
}

describe("openai.responses(model), and a thinking model", () => {
  test("openai.responses(alias) takes the Responses path too", async () => {
    const before = sent.length;
    const result = streamText({ model: openai.responses("gpt-4o-mini"), prompt: "Hello?" });
    expect(await result.text).toBe(TEXT);
    expect(sent.slice(before)).toEqual([`${gateway.url}/v1/responses`]);
    expect(lastExchange().body.model).toBe("qwen2.5:7b");
  });

  // The SDK sends each reasoning item back as an `item_reference` (it assumes OpenAI stored it).
  for (const stream of [false, true]) {
    test(`a tool loop with a model that thinks first (${stream ? "streamed" : "whole"})`, async () => {
      const options = {
        model: openai("qwen3:8b"),
        prompt: "Weather in Paris?",
        tools: { weather },
        stopWhen: stepCountIs(3),
      };
      const steps = stream
        ? await streamText({
          ...options,
          onError: ({ error }) => {
            throw error;
          },
        }).steps
        : (await generateText(options)).steps;
      expect(steps).toHaveLength(2);
      expect(steps[1]!.text).toBe(TEXT);
      expectToolLoopSent();
    });
  }

  test("createOpenAICompatible shows a thinking model's reasoning, streamed or not", async () => {
    const whole = await generateText({ model: opencode("qwen3:8b"), prompt: "Hello?" });
    expect(whole.reasoningText).toBe(REASONING_TEXT);
    expect(whole.text).toBe(TEXT);
    const streamed = streamText({ model: opencode("qwen3:8b"), prompt: "Hello?" });
    expect(await streamed.reasoningText).toBe(REASONING_TEXT);
    expect(await streamed.text).toBe(TEXT);
  });

  const firstTurn = async () => {
    const first = await generateText({ model: openai("qwen2.5:7b"), prompt: "Hello?" });
    return [{ role: "user", content: "Hello?" }, ...first.response.messages, {
      role: "user",
      content: "And again?",
    }] as ModelMessage[];
  };

  test("a second turn needs store: false; without it the 400 says so", async () => {
    const messages = await firstTurn();
    const refused = await generateText({ model: openai("qwen2.5:7b"), messages, maxRetries: 0 })
      .then(() => undefined, (error: unknown) => error);
    expect(APICallError.isInstance(refused)).toBe(true);
    const error = refused as APICallError;
    expect(error.statusCode).toBe(400);
    expect(error.message).toContain("providerOptions: { openai: { store: false } }");
    expect(JSON.parse(error.responseBody!).error.param).toBe("input[1].id");

    const answered = await generateText({
      model: openai("qwen2.5:7b"),
      messages,
      providerOptions: { openai: { store: false } },
    });
    expect(answered.text).toBe(TEXT);
    expect(lastExchange().body.messages).toEqual([
      { role: "user", content: "Hello?" },
      { role: "assistant", content: TEXT },
      { role: "user", content: "And again?" },
    ]);
  });
});

describe("embeddings through the AI SDK", () => {
  test("embed through an alias, with usage", async () => {
    const { embedding, usage } = await embed({
      model: openai.embedding("text-embedding-3-small"),
      value: "a home lab",
    });
    expect(embedding).toHaveLength(8);
    expect(usage.tokens).toBeGreaterThan(0);
    const request = backend.mock.requests.filter((r) => r.path === "/v1/embeddings").at(-1)!;
    expect((request.body as { model: string }).model).toBe("nomic-embed-text");
  });

  test("embedMany through the openai-compatible provider", async () => {
    const { embeddings, usage } = await embedMany({
      model: opencode.embeddingModel("nomic-embed-text"),
      values: ["first", "second", "third"],
    });
    expect(embeddings).toHaveLength(3);
    expect(embeddings.every((vector) => vector.length === 8)).toBe(true);
    expect(embeddings[0]).not.toEqual(embeddings[1]);
    expect(usage.tokens).toBeGreaterThan(0);
  });
});

describe("failures an AI SDK app meets", () => {
  let flaky: MockBackend;
  let slow: MockBackend;
  let edge: RunningGateway;
  let fleet: FailureFleet;
  let client: OpenAIProvider;
  let compatible: OpenAICompatibleProvider;

  beforeAll(async () => {
    fleet = await startFailureFleet(TEXT);
    ({ flaky, slow, edge } = fleet);
    client = createOpenAI({ baseURL: `${edge.url}/v1`, apiKey: "sk-app" });
    compatible = createOpenAICompatible({
      name: "nexus",
      baseURL: `${edge.url}/v1`,
      includeUsage: true,
    });
  });

  afterAll(() => fleet.close());

  const models = () => [client("m"), client.chat("m"), compatible("m")];

  test("an unknown model: APICallError 404 with OpenAI's model_not_found body, not retried", async () => {
    for (const model of [client("nope"), client.chat("nope"), compatible("nope")]) {
      const { outcome, delays } = await recordTimeouts(() =>
        generateText({ model, prompt: "Hello?" })
      );
      const error = rejection(outcome) as APICallError;
      expect(APICallError.isInstance(error)).toBe(true);
      expect(error.statusCode).toBe(404);
      expect(error.isRetryable).toBe(false);
      expect(error.message).toMatch(/^Model "nope" not found\. Available models:/);
      expect(JSON.parse(error.responseBody!).error).toMatchObject({
        type: "invalid_request_error",
        param: "model",
        code: "model_not_found",
      });
      // The SDK's retry backoff (2 s first) never started.
      expect(delays).not.toContain(2000);
    }
  });

  /** Holds the backend's only slot with a request that hangs until it is aborted. */
  async function holdTheSlot(): Promise<() => Promise<void>> {
    flaky.mock.setFault({ kind: "hang-before-headers" });
    const holder = new AbortController();
    const held = fetch(`${edge.url}/v1/chat/completions`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hold" }] }),
      signal: holder.signal,
    }).catch(() => undefined);
    await waitFor(() => edge.gateway.registry.get("flaky")!.pending === 1, "the slot to be held");
    return async () => {
      holder.abort();
      await held;
      flaky.mock.setFault({ kind: "none" });
      await waitFor(() => edge.gateway.registry.get("flaky")!.pending === 0, "the slot free");
    };
  }

  const rejectedFull = async () =>
    sampleValue(
      parseSamples(await edge.gateway.observability.metricsText()),
      "nexus_queue_rejections_total",
      { reason: "full" },
    ) ?? 0;

  test(
    "a full queue: 429 with Retry-After 3; the SDK waits exactly that, retries, then gives up",
    async () => {
      const release = await holdTheSlot();
      try {
        const before = await rejectedFull();
        const { outcome, delays } = await recordTimeouts(() =>
          generateText({ model: client.chat("m"), prompt: "Hello?", maxRetries: 1 })
        );
        const error = rejection(outcome) as RetryError;
        expect(RetryError.isInstance(error)).toBe(true);
        expect(error.reason).toBe("maxRetriesExceeded");
        expect(error.errors).toHaveLength(2);
        // Retry-After, not the SDK's own first backoff (2 s).
        expect(delays).toContain(3000);
        expect(delays).not.toContain(2000);
        expect(await rejectedFull()).toBe(before + 2);
        // Every provider sees the same refusal (the retry loop is the SDK core's, shared by all).
        for (const model of models()) {
          const refused = await generateText({ model, prompt: "Hello?", maxRetries: 0 })
            .then(() => undefined, (error: unknown) => error) as APICallError;
          expect(APICallError.isInstance(refused)).toBe(true);
          expect(refused.statusCode).toBe(429);
          expect(refused.isRetryable).toBe(true);
          expect(refused.responseHeaders?.["retry-after"]).toBe("3");
          expect(JSON.parse(refused.responseBody!).error.code).toBe("rate_limit_exceeded");
        }
      } finally {
        await release();
      }
    },
    30_000,
  );

  test(
    "a backend's 503 with Retry-After: passed on, and the SDK waits it before its retry",
    async () => {
      flaky.mock.setFault({
        kind: "status",
        status: 503,
        body: JSON.stringify({ error: { message: "Loading model", type: "unavailable_error" } }),
        headers: { "retry-after": "3" },
      });
      try {
        const before = flaky.mock.chatRequests().length;
        const { outcome, delays } = await recordTimeouts(() =>
          generateText({ model: client.chat("m"), prompt: "Hello?", maxRetries: 1 })
        );
        const error = rejection(outcome) as RetryError;
        expect(RetryError.isInstance(error)).toBe(true);
        const last = error.lastError as APICallError;
        expect(last.statusCode).toBe(503);
        expect(last.responseHeaders?.["retry-after"]).toBe("3");
        expect(last.message).toContain("Loading model");
        expect(delays).toContain(3000);
        expect(flaky.mock.chatRequests().length - before).toBe(2);
      } finally {
        flaky.mock.setFault({ kind: "none" });
      }
    },
    30_000,
  );

  test("a backend that dies mid-stream: the app gets an error part and finishReason error", async () => {
    flaky.mock.setFault({ kind: "close-mid-stream", afterChunks: 3 });
    try {
      for (const model of models()) {
        const errors: unknown[] = [];
        const result = streamText({
          model,
          prompt: "Hello?",
          onError: ({ error }) => {
            errors.push(error);
          },
        });
        const parts: string[] = [];
        let text = "";
        for await (const part of result.fullStream) {
          parts.push(part.type);
          if (part.type === "text-delta") text += part.text;
        }
        expect(parts).toContain("error");
        expect(errors).toHaveLength(1);
        expect(String((errors[0] as { message?: string }).message)).toContain(
          "Backend flaky failed",
        );
        expect(await result.finishReason).toBe("error");
        expect(text.length).toBeGreaterThan(0);
        expect(TEXT.startsWith(text) && text !== TEXT).toBe(true);
      }
    } finally {
      flaky.mock.setFault({ kind: "none" });
    }
  });

  test("an abort mid-stream cancels the backend's request", async () => {
    for (const model of [client("slow"), client.chat("slow"), compatible("slow")]) {
      const controller = new AbortController();
      const result = streamText({ model, prompt: "Hello?", abortSignal: controller.signal });
      const parts: string[] = [];
      for await (const part of result.fullStream) {
        parts.push(part.type);
        if (part.type === "text-delta") controller.abort();
      }
      expect(parts).toContain("abort");
      const aborted = await slow.mock.nextAbort();
      expect(aborted.abortedAt).toBeDefined();
      await waitFor(() => edge.gateway.registry.get("slow")!.pending === 0, "pending back to 0");
    }
  });

  test("an abort before the first byte cancels the backend's request", async () => {
    slow.mock.setFault({ kind: "hang-before-headers" });
    try {
      for (const model of [client("slow"), client.chat("slow"), compatible("slow")]) {
        const controller = new AbortController();
        const before = slow.mock.chatRequests().length;
        const call = generateText({ model, prompt: "Hello?", abortSignal: controller.signal })
          .then(() => undefined, (error: unknown) => error);
        await waitFor(() => slow.mock.chatRequests().length > before, "the request upstream");
        controller.abort();
        expect((await call as Error).name).toBe("AbortError");
        expect((await slow.mock.nextAbort()).abortedAt).toBeDefined();
        await waitFor(() => edge.gateway.registry.get("slow")!.pending === 0, "pending back to 0");
      }
    } finally {
      slow.mock.setFault({ kind: "none" });
    }
  });
});
